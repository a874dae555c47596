"""One model of a cell, which every reader and writer of results uses: the outcomes (and which of
them fail), the cell's id (scenario, engine) with its one text form and its one parser, and why
a cell stopped before its end. The base of every schema the harness reads (Strict) is here too.

Outcome is a `str` enum: results.json, JUnit, snapshots and soak files keep the same words, and
a comparison with the plain word (`r.outcome == "fail"`) still holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import yaml
from pydantic import BaseModel, ConfigDict


class Outcome(str, Enum):
    PASS = "pass"  # as expected
    QUIRK = "quirk"  # as the engine's recorded quirk expects
    LIMIT = "limit"  # the engine cannot do it at all (e.g. no WebRTC), as its recorded limit says
    FAIL = "fail"
    STALE_QUIRK = "stale-quirk"  # the engine now behaves like the others, so its quirk must go
    SKIPPED = "skipped"  # could not run here; the reason says why

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    __hash__ = str.__hash__  # a dict keyed by the plain words finds the member, on every Python

    @property
    def failing(self) -> bool:
        return self in FAILING

    @property
    def ran(self) -> bool:
        """Whether the cell ran in a browser (every outcome but skipped)."""
        return self is not Outcome.SKIPPED


OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)
# The outcomes that fail a run, a gate, a JUnit case, a mutant (killed): defined here only.
FAILING: frozenset[Outcome] = frozenset({Outcome.FAIL, Outcome.STALE_QUIRK})


def is_failing(outcome: str) -> bool:
    """For an outcome that may be a plain word (a pytest report's "failed" is not ours: False)."""
    return outcome in {o.value for o in FAILING}


class Stop(str, Enum):
    """Why a cell ended before its last step, where not a step's own failure: a typed field of the
    result (Result.stopped), so no reader matches the runner's wording."""

    CRASH = "crash"  # the browser or its driver died
    HARNESS_ERROR = "harness-error"  # a bug of the harness, with its traceback in the log
    TIMEOUT = "timeout"  # past its time bound, the harness ended the page (or its browsers)

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    __hash__ = str.__hash__


# YAML files (snapshots, soak summaries) hold the plain words, as JSON does by itself.
def _plain_word(dumper: yaml.SafeDumper, value: "Outcome | Stop") -> yaml.ScalarNode:
    return dumper.represent_str(value.value)


yaml.SafeDumper.add_representer(Outcome, _plain_word)
yaml.SafeDumper.add_representer(Stop, _plain_word)


ENGINE_WORD = r"[a-z][a-z0-9_-]*"
SCENARIO_WORD = r"[a-z0-9][a-z0-9-]*"
CELL_ID_PATTERN = rf"^(?P<scenario>{SCENARIO_WORD})\[(?P<engine>{ENGINE_WORD})\]$"
_CELL_ID = re.compile(CELL_ID_PATTERN)


@dataclass(frozen=True, order=True)
class CellId:
    """A cell: one scenario in one engine. `str(cell)` is its name everywhere people see it
    (pytest's item, the grid, gate, soak, snapshots): `scenario[engine]`."""

    scenario: str
    engine: str

    def __str__(self) -> str:
        return f"{self.scenario}[{self.engine}]"

    @property
    def slug(self) -> str:
        """The cell's name as a file name: its artifacts folder, its screenshot in a snapshot's
        folder, its section in the HTML report."""
        return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{self.scenario}-{self.engine}")

    @classmethod
    def parse(cls, text: str) -> "CellId":
        """The one parser of a cell's name; ValueError for text that is not one."""
        m = _CELL_ID.match(text)
        if m is None:
            raise ValueError(f"{text!r} is not a cell (scenario-id[engine])")
        return cls(m["scenario"], m["engine"])

    @classmethod
    def of_nodeid(cls, nodeid: str) -> "tuple[str, CellId] | None":
        """(scenario file, cell) of a pytest node id `file.yaml::scenario[engine]`; None for a
        node that is not a cell (a plain test)."""
        file, sep, name = nodeid.rpartition("::")
        if not sep or not file.endswith((".yaml", ".yml")):
            return None
        try:
            return file, cls.parse(name)
        except ValueError:
            return None


class Strict(BaseModel):
    """The base of every schema of a file the harness reads: unknown keys are errors, and a
    loaded file does not change."""

    model_config = ConfigDict(extra="forbid", frozen=True)
