"""What a cell produced: read by the grid, the JSON and JUnit writers and the gate."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# pass: as expected; quirk: as the engine's recorded quirk expects; fail; stale-quirk: the engine
# now behaves like the others, so its quirk must go; skipped: could not run here (reason says why).
# limit: the engine cannot do it at all (e.g. no WebRTC), as its recorded limit says.
OUTCOMES = ("pass", "quirk", "limit", "fail", "stale-quirk", "skipped")
FORMAT = "spelo-harness-results/1"


@dataclass
class StepRecord:
    index: int
    action: str
    screenshot: str | None = None
    error: str | None = None


@dataclass
class Result:
    scenario: str
    engine: str
    outcome: str
    title: str = ""
    source: str = ""
    reason: str = ""                    # skip reason, failure summary, or the quirk's reason
    evidence: str = ""                  # the quirk's evidence
    engine_version: str = ""
    engine_source: str = ""
    means: list[str] = field(default_factory=list)  # how the engine made the situation
    injected: list[str] = field(default_factory=list)  # faults the harness injected (no real means)
    url: str = ""
    expected: dict[str, Any] = field(default_factory=dict)
    seen: dict[str, Any] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
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

    @property
    def ok(self) -> bool:
        return self.outcome in ("pass", "quirk", "limit", "skipped")

    @property
    def cell_id(self) -> str:
        return f"{self.scenario}[{self.engine}]"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Result":
        d = dict(d)
        d["steps"] = [StepRecord(**s) for s in d.get("steps", [])]
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})

    def explain(self) -> str:
        """The failure text pytest and the CLI show: expected vs seen, console, screenshot."""
        lines = [f"{self.cell_id}: {self.outcome}: {self.reason}"]
        lines += [f"  - {m}" for m in self.mismatches]
        if self.console:
            lines.append("  console transcript:")
            lines += [f"    {c}" for c in self.console[-30:]]
        if self.api_log:
            lines.append("  vendor API calls: " + ", ".join(f"{e['method']} {e['endpoint']}" for e in self.api_log))
        if self.screenshot:
            lines.append(f"  screenshot: {self.screenshot}")
        return "\n".join(lines)


def write_results(path: Path, results: list[Result], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"format": FORMAT, "meta": meta, "results": [r.to_dict() for r in results]}
    # Atomically: a reader (or a run killed mid-write) sees the old file or the new one, never half.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)
