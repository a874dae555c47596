"""Configuration coverage: every value the contract lets a site configure (or the vendor's API
sends), contract/config-values.yaml, with the cells that set it to something other than its
default, per engine. A value no cell sets is one a build may ignore unseen: the cells would run
with the default, where ignoring it changes nothing.

That a covering cell also checks the value's effect is proven by tests/test_config_coverage.py:
a build that ignores the value fails one of its cells.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness import paths

VALUES_FILE = paths.CONTRACT_DIR / "config-values.yaml"
_MISSING = object()


class ConfigValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    from_: str = Field(alias="from")  # where in the contract it is named
    text: str  # the contract's words for it
    set: str = Field(pattern=r"^[a-z_]+(\.[a-z_-]+)*$")  # where a scenario sets it, in its `site`
    default: Any = None  # the documented default (null: unset, none)


class ValuesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    values: list[ConfigValue]


@lru_cache(maxsize=4)
def load_values(path: Path = VALUES_FILE) -> tuple[ConfigValue, ...]:
    from harness.yamlfile import YamlFileError, describe_validation_error, read_yaml

    data, node = read_yaml(path)
    try:
        parsed = ValuesFile.model_validate(data if isinstance(data, dict) else {})
    except ValidationError as e:
        raise YamlFileError(describe_validation_error(path, node, e)) from None
    ids = [v.id for v in parsed.values]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise YamlFileError(f"{path}: values: id {twice[0]!r} is listed twice")
    return tuple(parsed.values)


def set_value(scenario: Any, where: str) -> Any:
    """What the scenario's site sets at `where` (a dotted path), or _MISSING."""
    node: Any = scenario.site.model_dump()
    for part in where.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def sets_other_than_default(scenario: Any, value: ConfigValue) -> bool:
    seen = set_value(scenario, value.set)
    return seen is not _MISSING and seen is not None and seen != value.default


def coverage(scenarios: list[Any], engines: list[str]) -> list[dict[str, Any]]:
    """Each value with, per engine, the cells that set it otherwise than the default there. As
    in the promise map, a cell the engine skips or runs only as a limit does not count there."""
    rows = []
    for v in load_values():
        cells: dict[str, list[str]] = {e: [] for e in engines}
        limits: dict[str, list[str]] = {e: [] for e in engines}
        for sc in scenarios:
            if not sets_other_than_default(sc, v):
                continue
            for e in engines:
                if e not in sc.engines or e in sc.skip:
                    continue
                quirk = sc.quirks.get(e)
                (limits if quirk is not None and quirk.kind == "limit" else cells)[e].append(sc.id)
        rows.append(
            {
                "id": v.id,
                "text": v.text,
                "set": v.set,
                "default": v.default,
                "cells": cells,
                "limits": {e: c for e, c in limits.items() if c},
                "covered": any(cells.values()),
            }
        )
    return rows


def markdown(rows: list[dict[str, Any]], engines: list[str]) -> str:
    out = ["| configuration value (set by) | " + " | ".join(engines) + " |", "|---|" + "---|" * len(engines)]
    for r in rows:
        cells = [
            ", ".join(r["cells"][e]) or (f"*engine limit* ({', '.join(r['limits'][e])})" if r["limits"].get(e) else "**none**")
            for e in engines
        ]
        out.append(f"| `{r['id']}` (`{r['set']}`) | " + " | ".join(cells) + " |")
    return "\n".join(out)
