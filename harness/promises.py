"""The promise → cells map: every promise of the widget's contract (contract/promises.yaml), the
cells that guard it per engine, and the promises no cell guards.

A scenario names what it guards (`guards: [no-reprompt-after-block]`); an id that is not in the
list is a usage error naming the scenario file, line and field, like any other bad field.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness import paths

PROMISES_FILE = paths.CONTRACT_DIR / "promises.yaml"


class Promise(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    from_: str = Field(alias="from")  # where in the contract or the seed page it comes from
    text: str  # the contract's sentence
    unguardable: str | None = None  # why no cell can guard it


class PromiseFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    promises: list[Promise]


@lru_cache(maxsize=4)
def load_promises(path: Path = PROMISES_FILE) -> dict[str, Promise]:
    from harness.yamlfile import YamlFileError, describe_validation_error, read_yaml

    data, node = read_yaml(path)
    try:
        parsed = PromiseFile.model_validate(data if isinstance(data, dict) else {})
    except ValidationError as e:
        raise YamlFileError(describe_validation_error(path, node, e)) from None
    out: dict[str, Promise] = {}
    for p in parsed.promises:
        if p.id in out:
            raise YamlFileError(f"{path}: promises: id {p.id!r} is listed twice")
        out[p.id] = p
    return out


def check_guards(path: Path, node: yaml.Node | None, index: int, guards: list[str]) -> None:
    """Every id in a scenario's `guards` is a known promise (YamlFileError otherwise)."""
    from harness.yamlfile import YamlFileError, line_of

    if not guards:
        return
    known = load_promises()
    for j, gid in enumerate(guards):
        if gid not in known:
            line = line_of(node, ("scenarios", index, "guards", j))
            raise YamlFileError(
                f"{path}:{line}: scenarios[{index}].guards[{j}]: unknown promise {gid!r} (the promises are listed in {PROMISES_FILE})"
            )


def promise_map(scenarios: list[Any], engines: list[str]) -> list[dict[str, Any]]:
    """Each promise with, per engine, the cells that guard it there. A cell the engine skips or
    can only run as a limit (it cannot make the situation) does not guard it in that engine."""
    rows = []
    for p in load_promises().values():
        per_engine: dict[str, list[str]] = {e: [] for e in engines}
        limited: dict[str, list[str]] = {e: [] for e in engines}
        for sc in scenarios:
            if p.id not in sc.guards:
                continue
            for e in engines:
                if e not in sc.engines or e in sc.skip:
                    continue
                quirk = sc.quirks.get(e)
                (limited if quirk is not None and quirk.kind == "limit" else per_engine)[e].append(sc.id)
        rows.append(
            {
                "id": p.id,
                "text": p.text,
                "from": p.from_,
                "unguardable": p.unguardable,
                "cells": per_engine,
                "limits": {e: v for e, v in limited.items() if v},
                "guarded": any(per_engine.values()),
            }
        )
    return rows


def markdown(rows: list[dict[str, Any]], engines: list[str]) -> str:
    out = ["| promise | " + " | ".join(engines) + " |", "|---|" + "---|" * len(engines)]
    for r in rows:
        cells = [
            ", ".join(r["cells"][e])
            or (
                "*cannot be guarded*"
                if r["unguardable"]
                else f"*engine limit* ({', '.join(r['limits'][e])})"
                if r["limits"].get(e)
                else "**none**"
            )
            for e in engines
        ]
        out.append(f"| `{r['id']}` | " + " | ".join(cells) + " |")
    return "\n".join(out)
