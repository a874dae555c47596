"""--shard I/N: split the cells over N machines, deterministically and evenly.

Cells are dealt longest first to the shard with the least total time so far (the classic
longest-processing-time rule), using each cell's duration from an earlier results.json where
there is one and the median of the known durations where there is not. Every machine computes
the same split from the same inputs, so the shards never overlap and never miss a cell.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from harness.errors import UsageError
from harness.results import ResultsError, read_results


class ShardError(UsageError, ValueError):
    pass


def parse_shard(spec: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", spec or "")
    if not m:
        raise ShardError(f"--shard: expected I/N such as 1/3, got {spec!r}")
    index, total = int(m.group(1)), int(m.group(2))
    if total < 1 or not 1 <= index <= total:
        raise ShardError(f"--shard: {spec!r} is not a shard: I must be between 1 and N")
    return index, total


def known_durations(path: Path | None) -> dict[str, float]:
    """cell id -> seconds, from a results file; empty when there is none or it is not ours."""
    if path is None or not path.is_file():
        return {}
    try:
        return {r.cell_id: float(r.duration_s) for r in read_results(path).results}
    except ResultsError:
        return {}


def split(cells: list[str], total: int, durations: dict[str, float]) -> list[list[str]]:
    known = [durations[c] for c in cells if c in durations]
    default = statistics.median(known) if known else 1.0
    weight = {c: durations.get(c, default) for c in cells}
    shards: list[list[str]] = [[] for _ in range(total)]
    loads = [0.0] * total
    for cell in sorted(cells, key=lambda c: (-weight[c], c)):
        i = min(range(total), key=lambda k: (loads[k], k))
        shards[i].append(cell)
        loads[i] += weight[cell]
    return shards


def pick_shard(cells: list[str], index: int, total: int, durations_file: Path | None) -> list[str]:
    return split(cells, total, known_durations(durations_file))[index - 1]
