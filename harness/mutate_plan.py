"""What mutate runs next: the parent's plan, from the coverage pass and every verdict so far.

Each mutant must face every cell that reached it (the coverage pass says which), until one fails
it. Cells cost seconds, and there are about a thousand mutants, so two rounds:

1. Alone, on the one cell likeliest to fail it (mutate.likely_killers): most mutants that can be
   killed die here, and nothing else is active to confuse the verdict.
2. In groups: the cell that the most undecided mutants still have to face runs with all of them
   active at once (mutate_workers.judge_group). A group that passes clears each member whose code
   ran; one that fails is split until the member that failed it is found. A group passes for
   nearly every survivor, so a survivor costs a share of one run per cell instead of a run.

A mutant is "survived" once every cell that reached it has cleared it, "killed" / "timed out" by
the first that failed it, "not run (budget)" when the budget ended first.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from harness.mutate_workers import CellCost, CellVerdict
from harness.results import cell_id


@dataclass
class Mutant:
    id: str
    mutator: str
    replacement: str
    line: int  # 1-based, where the mutated code starts
    original: str  # the source the replacement takes the place of
    context: str = ""  # the source line it starts on, stripped (tells equal originals apart)
    status: str = "not run (budget)"  # killed | survived | timed out | not covered | equivalent | not run (budget)
    killed_by: str | None = None
    cells: list[str] = field(default_factory=list)  # the cells that reached it
    promises: list[str] = field(default_factory=list)  # what those cells guard
    equivalent: str | None = None  # the reviewed reason, for an equivalent survivor
    diff: str = ""


# Tries of a mutant alone, each on the likeliest cell it has not faced, before groups. Measured on
# the whole set (2 cores, 1,500 s for mutants): 3 tries decided 541 mutants even with a third
# worker, where 1 try decided 676: a mutant that outlived its likeliest cell mostly outlives the
# next one too, and a cell that passes runs its whole length (2,653 of 4,480 worker-seconds went to
# such runs), while a group that passes clears all its members at once.
ALONE_TRIES = 1
GROUP_MAX = 48  # mutants active together: beyond, one failing member costs more halvings than a group saves

Task = tuple[Any, ...]


class Plan:
    """The undecided mutants, the cells each still has to face, and the cells in flight."""

    def __init__(
        self,
        mutants: list[Mutant],
        costs: dict[str, CellCost],
        bounds_of: Callable[[str], list[float]],
        order: Callable[[Mutant, list[str]], list[str]],
        stop_at: float,
    ):
        self.by_id = {m.id: m for m in mutants}
        self.costs = costs
        self.bounds_of = bounds_of  # a cell → the bound of each wait of each step with a mutant active
        self.order = order  # a mutant, its cells → likeliest to fail it first
        self.stop_at = stop_at
        self.pending = {m.id: set(m.cells) for m in mutants if m.cells}  # a mutant → the cells it still faces
        self.facing: dict[str, set[str]] = {}  # a cell → the undecided mutants that still face it
        for mid, cells in self.pending.items():
            for c in cells:
                self.facing.setdefault(c, set()).add(mid)
        self.in_flight: dict[str, set[str]] = {}  # cell → members being tried there now
        self.kills: Counter[str] = Counter()  # a cell → the mutants it killed
        # A source line → the cells that killed mutants there. Cells, not scenarios: one scenario
        # takes another path in another engine (WebKitGTK's limit cells stop before WebRTC), and
        # counting a scenario in any engine sent mutants to its cheapest engine, which mostly did
        # not reach them (measured on the whole set: 399 of 954 mutants died alone, and 430 were
        # killed in the budget, against 664 counting cells).
        self.kills_at: dict[int, Counter[str]] = {}
        # "alone" / "group" tasks handed out, the "cell runs" they took, the "flaky" ones (failed with
        # none of the group's code run)
        self.runs: Counter[str] = Counter()
        # workers' seconds: on mutants alone / in groups, with a kill or none; and per engine ("in chromium")
        self.seconds: dict[str, float] = defaultdict(float)

    def undecided(self, mid: str) -> bool:
        return mid in self.pending

    def tasks(self, first: list[Mutant]) -> Iterator[Task]:
        """Rounds of `first` alone (in that order; each time on its likeliest cell not yet tried),
        up to ALONE_TRIES, then groups for every mutant until nothing is left to hand out."""
        for _ in range(ALONE_TRIES):
            for m in first:
                if time.time() > self.stop_at:
                    return
                if not self.undecided(m.id):
                    continue
                free = sorted(c for c in self.pending[m.id] if m.id not in self.in_flight.get(c, set()))
                if not free:
                    continue
                cell = self.order(m, free)[0]
                self.runs["alone"] += 1
                yield self._task(cell, [m.id])
        while time.time() <= self.stop_at:
            cell, members = self._largest_group()
            if not members:
                return
            self.runs["group"] += 1
            yield self._task(cell, members)

    def _largest_group(self) -> tuple[str, list[str]]:
        waiting = {c: mids - self.in_flight.get(c, set()) for c, mids in self.facing.items()}
        waiting = {c: mids for c, mids in waiting.items() if mids}
        if not waiting:
            return "", []
        # The cells that killed most so far first (they are likeliest to thin the rest), then the
        # largest groups, then the cheapest; ids sorted so the same run hands out the same groups.
        cell = min(waiting, key=lambda c: (-self.kills[c], -len(waiting[c]), self.costs[c].seconds, c))
        return cell, sorted(waiting[cell], key=lambda mid: (len(mid), mid))[:GROUP_MAX]

    def _decide(self, mid: str, status: str) -> Mutant:
        m = self.by_id[mid]
        m.status = status
        for c in self.pending.pop(mid):
            self.facing[c].discard(mid)
        return m

    def _task(self, cell: str, members: list[str]) -> Task:
        self.in_flight.setdefault(cell, set()).update(members)
        cost = self.costs[cell]
        return ("cell", cost.scenario, cost.engine, self.bounds_of(cell), members, self.stop_at)

    def take(self, v: CellVerdict) -> list[Mutant]:
        """A cell's verdict; returns the mutants it decided."""
        self.in_flight.get(v.cell, set()).difference_update([*v.killed, *v.cleared, *v.untested])
        self.runs["cell runs"] += v.runs
        self.runs["flaky"] += v.flaky
        alone = len(v.killed) + len(v.cleared) + len(v.untested) == 1
        kind = ("alone" if alone else "group") + (", a kill" if v.killed else ", no kill")
        self.seconds[kind] += v.seconds
        self.seconds[f"in {self.costs[v.cell].engine}"] += v.seconds
        decided = []
        for mid, status in v.killed.items():
            if not self.undecided(mid):
                continue  # killed meanwhile by another cell
            m = self._decide(mid, status)
            m.killed_by = v.cell
            self.kills[v.cell] += 1
            self.kills_at.setdefault(m.line, Counter())[v.cell] += 1
            decided.append(m)
        for mid in v.cleared:
            if self.undecided(mid):
                self.pending[mid].discard(v.cell)
                self.facing[v.cell].discard(mid)
                if not self.pending[mid]:
                    decided.append(self._decide(mid, "survived"))
        return decided

    def lost(self, task: Task, why: str) -> list[str]:
        """A worker died on `task`: its members are not judged by that cell, and not again."""
        cell = cell_id(task[1], task[2])
        self.in_flight.get(cell, set()).difference_update(task[4])
        for mid in task[4]:
            if self.undecided(mid):
                self._decide(mid, "not run (worker died)")
        return list(task[4])
