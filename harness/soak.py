"""spelo-harness soak: run the matrix N times and name every cell whose outcome changed.

Each run goes through exactly the path of `spelo-harness run` (a RunRequest with run's defaults,
given to run_matrix itself: harness/commands/soak.py) into OUTPUT/run-01, run-02 ...; the soak then compares the
outcomes cell by cell. A cell that passed once and failed once is flaky: the soak exits 1 and
shows, for each such cell, every run's outcome and the reason of each run that differed.
A cell missing from a run (its worker died, the run was cut short) counts as a change.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from harness.results import ResultsError, read_results

MISSING = "missing"


def read_outcomes(path: Path) -> dict[str, dict[str, str]]:
    """cell id -> {outcome, reason} of one run; empty when the run wrote no (valid) results."""
    try:
        results = read_results(path).results
    except ResultsError:
        return {}
    return {r.cell_id: {"outcome": r.outcome, "reason": r.reason} for r in results}


def compare(runs: list[dict[str, dict[str, str]]]) -> list[str]:
    """Cells whose outcome is not the same in every run (missing counts as an outcome)."""
    cells = sorted(set().union(*runs))
    return [c for c in cells if len({r.get(c, {"outcome": MISSING})["outcome"] for r in runs}) > 1]


def render(summary: dict[str, Any], runs: list[dict[str, dict[str, str]]]) -> str:
    lines = [f"soak: {summary['runs']} runs of {summary['cells']} cells; {len(summary['changed'])} changed outcome between runs"]
    for cell, seen in summary["changed"].items():
        outcomes = [s["outcome"] for s in seen]
        usual = Counter(outcomes).most_common(1)[0][0]
        lines.append(f"  FLAKY {cell}: " + ", ".join(outcomes))
        for i, s in enumerate(seen, 1):
            if s["outcome"] != usual:
                lines.append(f"    run-{i:02d} {s['outcome']}: {s.get('reason', '')[:300]}")
    return "\n".join(lines)
