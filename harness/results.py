"""What a cell produced, and the one writer and the one reader of results files: the grid, the
JSON and JUnit writers, gate, merge, soak and shard all go through here. The outcomes and the
cell's id are harness/model.py's."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.atomic import write_text_atomic
from harness.errors import UsageError
from harness.model import OUTCOMES, CellId, Outcome, Stop

FORMAT = "spelo-harness-results/1"


def cell_id(scenario: str, engine: str) -> str:
    """The cell's name everywhere people see it (CellId's text form)."""
    return str(CellId(scenario, engine))


def cell_slug(scenario: str, engine: str) -> str:
    """The cell's name as a file name (CellId.slug)."""
    return CellId(scenario, engine).slug


@dataclass
class StepRecord:
    index: int
    action: str
    screenshot: str | None = None
    error: str | None = None
    # pass / fail (an expect step), done / failed (an action), not run (after a step that could
    # not be taken): every step's own verdict, the soft ones included
    verdict: str | None = None


@dataclass
class Mismatch:
    """One way what was seen differs from what was expected (made by harness/expect.py)."""

    field: str  # the expectation's field, e.g. "tooltip"; "" in files of older runs
    expected: Any = None
    observed: Any = None
    text: str = ""  # the line people read: "tooltip: expected 'X', seen 'Y'"

    @classmethod
    def of(cls, item: "Mismatch | dict[str, Any] | str") -> "Mismatch":
        """From a results file: an object, or a bare text as older runs wrote it."""
        if isinstance(item, Mismatch):
            return item
        if isinstance(item, str):
            return cls(field="", text=item)
        return cls(**{k: v for k, v in item.items() if k in cls.__dataclass_fields__})


@dataclass
class Result:
    scenario: str
    engine: str
    outcome: Outcome
    title: str = ""
    source: str = ""
    reason: str = ""  # skip reason, failure summary, or the quirk's reason
    evidence: str = ""  # the quirk's evidence
    engine_version: str = ""
    engine_source: str = ""
    means: list[str] = field(default_factory=list)  # how the engine made the situation
    injected: list[str] = field(default_factory=list)  # faults the harness injected (no real means)
    url: str = ""
    expected: dict[str, Any] = field(default_factory=dict)
    seen: dict[str, Any] = field(default_factory=dict)
    mismatches: list[Mismatch] = field(default_factory=list)
    # expectation field -> why it was not judged for this build (its profile: no such part, or
    # declared not applicable); shown as not applicable, never as passed
    not_applicable: dict[str, str] = field(default_factory=dict)
    judge: str = "contract"  # contract | universal | snapshot: what decided the outcome
    # the universal judge's verdict per property (judge_universal.Verdict as a dict)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    api_log: list[dict[str, Any]] = field(default_factory=list)
    browser_prompts: int | None = None
    peer: dict[str, Any] = field(default_factory=dict)  # the realtime peer's report (audio, states, tool call)
    steps: list[StepRecord] = field(default_factory=list)
    screenshot: str | None = None
    artifacts: str = ""
    duration_s: float = 0.0
    # Snapshots (harness/snapshot.py): what the visitor perceived once the page was at rest, when
    # the run records or is judged by a snapshot; and, for a cell that moved, the baseline's entry.
    observed: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # time by phase, in order (harness/phases.py)
    phase_parts: dict[str, float] = field(default_factory=dict)  # probe, waits, screenshots within them
    stopped: Stop | None = None  # why the cell ended early, where not a step's own failure
    # What a flood left out, by kind (console, api_log, a probed list): the caps are harness/limits.py.
    dropped: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.outcome)  # a plain word (a file, a caller) becomes the enum
        if self.stopped is not None:
            self.stopped = Stop(self.stopped)
        self.mismatches = [Mismatch.of(m) for m in self.mismatches]

    @property
    def ok(self) -> bool:
        return not Outcome(self.outcome).failing

    @property
    def cell(self) -> CellId:
        return CellId(self.scenario, self.engine)

    @property
    def cell_id(self) -> str:
        return str(self.cell)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["outcome"] = Outcome(self.outcome).value  # plain JSON and YAML words, as before the enum
        d["stopped"] = self.stopped.value if self.stopped is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Result":
        d = dict(d)
        d["steps"] = [StepRecord(**s) for s in d.get("steps", [])]
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})

    def explain(self) -> str:
        """The failure text pytest and the CLI show: expected vs seen, console, screenshot."""
        lines = [f"{self.cell_id}: {self.outcome}: {self.reason}"]
        lines += [f"  - {m.text}" for m in self.mismatches]
        lines += [f"  - {k}: not applicable ({why})" for k, why in self.not_applicable.items()]
        if self.console:
            lines.append("  console transcript:")
            lines += [f"    {c}" for c in self.console[-30:]]
        if self.api_log:
            lines.append(
                "  vendor API calls: "
                + ", ".join(f"{e['method']} {e['endpoint']}" for e in self.api_log[:50])
                + (f" … ({len(self.api_log) - 50} more)" if len(self.api_log) > 50 else "")
            )
        if any(self.dropped.values()):
            lines.append("  not kept: " + ", ".join(f"{k}: {n:,}" for k, n in sorted(self.dropped.items()) if n))
        if self.screenshot:
            lines.append(f"  screenshot: {self.screenshot}")
        return "\n".join(lines)


def write_results(path: Path, results: list[Result], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"format": FORMAT, "meta": meta, "results": [r.to_dict() for r in results]}
    # Atomically: a reader (or a run killed mid-write) sees the old file or the new one, never half.
    write_text_atomic(path, json.dumps(data, indent=1, default=str))


# -- reading -------------------------------------------------------------------------------------


class ResultsError(UsageError):
    """A file that is not one of our results files, or a malformed one: one line naming it."""


# Result fields by the JSON type they must have (null allowed where the field is optional).
TYPES: dict[str, type | tuple[type, ...]] = {
    **{
        k: str
        for k in ("title", "source", "reason", "evidence", "engine_version", "engine_source", "url", "screenshot", "artifacts", "judge")
    },
    **{k: list for k in ("means", "injected", "mismatches", "console", "api_log", "steps", "verdicts")},
    **{k: dict for k in ("expected", "seen", "peer", "phases", "phase_parts", "observed", "baseline", "not_applicable")},
    "duration_s": (int, float),
    "browser_prompts": int,
    "stopped": str,
}
ITEM_TYPES: dict[str, type | tuple[type, ...]] = {
    "means": str,
    "injected": str,
    "mismatches": (str, dict),
    "console": str,
    "api_log": dict,
    "steps": dict,
    "verdicts": dict,
}


@dataclass
class ResultsFile:
    path: Path
    results: list[Result]
    meta: dict[str, Any]


def read_results(path: Path) -> ResultsFile:
    """One of our results files, every result checked (a wrong type must not crash a report
    later); a ResultsError names the file, the result and the field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ResultsError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ResultsError(f"{path}: not a text file") from None
    except ValueError as e:
        raise ResultsError(f"{path}: not JSON: {e}") from None
    except RecursionError:
        raise ResultsError(f"{path}: not JSON we read: nested too deeply") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise ResultsError(
            f'{path}: not a spelo-harness results file (expected "format": "{FORMAT}"'
            + (f", found {found!r})" if found is not None else ")")
        )
    items, meta = data.get("results"), data.get("meta", {})
    if not isinstance(items, list) or not isinstance(meta, dict):
        raise ResultsError(f'{path}: malformed: "results" must be a list and "meta" an object')
    return ResultsFile(path, [_result(path, i, d) for i, d in enumerate(items)], meta)


def _result(path: Path, i: int, d: Any) -> Result:
    where = f"{path}: results[{i}]"
    if not isinstance(d, dict):
        raise ResultsError(f"{where}: expected an object")
    for key in ("scenario", "engine", "outcome"):
        if not isinstance(d.get(key), str) or not d[key]:
            raise ResultsError(f"{where}: missing or empty {key!r}")
    if d["outcome"] not in OUTCOMES:
        raise ResultsError(f"{where}: unknown outcome {d['outcome']!r} (one of {', '.join(OUTCOMES)})")
    cell = cell_id(d["scenario"], d["engine"])
    for key, want in TYPES.items():  # the reports format these; a wrong type must not crash them
        if d.get(key) is not None and not isinstance(d[key], want):
            raise ResultsError(f"{where} ({cell}): {key!r} has the wrong type")
    for key, want in ITEM_TYPES.items():
        if not all(isinstance(x, want) for x in d.get(key) or []):
            raise ResultsError(f"{where} ({cell}): an item of {key!r} has the wrong type")
    try:
        return Result.from_dict(d)
    except (TypeError, ValueError, AttributeError) as e:
        raise ResultsError(f"{where} ({cell}): malformed: {e}") from None
