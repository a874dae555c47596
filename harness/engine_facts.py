"""The engine-facts table (contract/engine-facts.yaml): what an engine does, apart from what a build
is expected to do. Every judge reads it through here; the reference's own per-engine outcomes stay
in the scenarios' quirks, for the contract judge only."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness import paths

FACTS_FILE = paths.CONTRACT_DIR / "engine-facts.yaml"

# What every engine answers, before any fact of one engine adds to it.
REFUSAL_ERRORS = {"NotAllowedError", "PermissionDeniedError", "SecurityError", "not-allowed", "service-not-allowed"}
MISSING_DEVICE_ERRORS = {"NotFoundError", "DevicesNotFoundError", "audio-capture"}


class EngineFact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    engine: Literal["chromium", "firefox", "webkit"]
    source: str | None = None  # only for this build of the engine (a substring of its source)
    what: str
    evidence: str
    missing_device_errors: list[str] = Field(default_factory=list)
    refusal_errors: list[str] = Field(default_factory=list)
    no_api: list[str] = Field(default_factory=list)
    browser_errors: list[str] = Field(default_factory=list)  # the engine's own lines among pageerrors
    # universal property id -> the situation it is excused in ({} = every cell of this engine)
    excuses: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # the harness's own reads of the page give and take its transient activation: whether one
    # landed between the visitor's input and the page's call is the harness's race
    reads_change_activation: bool = False

    def holds_for(self, engine: str, source: str) -> bool:
        return self.engine == engine and (self.source is None or self.source in (source or ""))

    def line(self) -> str:
        return f"engine fact {self.id}: {self.what}"


class FactsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    facts: list[EngineFact]


def load(path: Path = FACTS_FILE) -> list[EngineFact]:
    """The table, or a YamlFileError naming the file, line and field."""
    from harness.yamlfile import YamlFileError, describe_validation_error, read_yaml

    data, node = read_yaml(path)
    try:
        facts = FactsFile.model_validate(data).facts
    except ValidationError as e:
        raise YamlFileError(describe_validation_error(path, node, e)) from None
    ids = [f.id for f in facts]
    dup = next((i for i in ids if ids.count(i) > 1), None)
    if dup:
        raise YamlFileError(f"{path}: facts: the id {dup!r} is given twice")
    return facts


@lru_cache(maxsize=1)
def table() -> tuple[EngineFact, ...]:
    return tuple(load())


def facts_for(engine: str, source: str) -> list[EngineFact]:
    """The facts that hold for this engine as it ran (its source: webkitgtk, system, ...)."""
    return [f for f in table() if f.holds_for(engine, source)]


def refusal_errors(engine: str, source: str) -> set[str]:
    return REFUSAL_ERRORS | {e for f in facts_for(engine, source) for e in f.refusal_errors}


def missing_device_errors(engine: str, source: str) -> set[str]:
    return MISSING_DEVICE_ERRORS | {e for f in facts_for(engine, source) for e in f.missing_device_errors}


def reads_change_activation(engine: str, source: str) -> EngineFact | None:
    """The fact that says the harness's reads change the page's activation here, if one does."""
    return next((f for f in facts_for(engine, source) if f.reads_change_activation), None)


def browser_error(engine: str, source: str, text: str) -> EngineFact | None:
    """The fact that says this uncaught-error line is the engine's own, not the page's, if one does."""
    return next((f for f in facts_for(engine, source) if any(b in text for b in f.browser_errors)), None)


def excuse(prop: str, engine: str, source: str, situation: dict[str, Any]) -> EngineFact | None:
    """The fact that says why `prop` cannot hold here, if one does: its situation's every key
    matches (a key the situation lacks does not)."""
    for f in facts_for(engine, source):
        when = f.excuses.get(prop)
        if when is not None and all(situation.get(k) == v for k, v in when.items()):
            return f
    return None
