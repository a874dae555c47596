"""What mutate runs next: the parent's plan, from the coverage pass and every verdict so far.

Each mutant must face every cell that reached it (the coverage pass says which), until one fails
it. Cells cost seconds, and there are about a thousand mutants, so what runs next is chosen from
what the run has learnt so far (Odds):

1. Each mutant alone, on the cell likeliest to fail it: one that showed the text a string mutant
   changes, then one that failed mutants on the lines around it, then one that failed most in
   all; among equals the cheapest. Most mutants that can be killed die here.
2. Then groups, the cell and group that decide most per second first (odds per second of
   trying): the mutants a cell is unlikely to fail run there active at once
   (mutate_workers.judge_group), as many as keep the group's chance to pass at one half. A group
   that passes clears each member whose code ran; one that fails is split until the member that
   failed it is found. A mutant the cell is likely to fail is a group of one.

A mutant is "survived" once every cell that reached it has cleared it, "killed" / "timed out" by
the first that failed it, "not run (budget)" when the budget ended first.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from harness.model import Outcome
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
# next one too (SURVIVOR), and a cell that passes runs its whole length.
ALONE_TRIES = 1
GROUP_MAX = 48  # mutants active together: beyond, one failing member costs more halvings than a group saves
NEAR = 2  # lines either side of a mutant whose verdicts in a cell speak for its own there
SURVIVOR = 0.6  # a mutant's odds anywhere, times this for each cell that has already cleared it
WANTED = 0.8  # the least odds of a cell whose expectations hold the text a string mutant changes
PASS_HALF = math.log(2)  # a group's members' summed -log(1 - odds): its chance to pass stays ≥ 1/2
# Each wait of a step (or of the final expectation) with a mutant: what that step took without
# one, times a factor, plus a constant; never more than the scenario's own timeout (the runner
# caps it). Nearly every mutant that dies fails a wait and runs it out, so this bound is most of a
# kill's cost: twice the step plus 0.75 s leaves room for the jitter seen on 2 cores (0.1-0.3 s),
# not for a mutant that only slows the widget down — which is a change a visitor sees.
TIME_FACTOR, TIME_PLUS_S = 2.0, 0.75
# A step that waits on something real can be fast in the coverage pass's one run and slow in the
# next. Measured on `allow`: the reference shows Listening for 3-46 ms between "connected" and
# the fake model's first words, then Speaking for 1.5 s, then Listening again; the harness's
# polls catch the first Listening in 9 of 16 runs in Chromium and 3 of 16 in Firefox, so the
# step takes 0.3-2 s or 1.8-3 s. A mutant's run that fails there at a bound from a fast run is no
# kill. So:
# - a long step's bound is the slowest of that step among the scenario's engines (the same
#   widget behaviour, sampled once per engine), where their steps line up;
# - a cell that kills at a long step is run again without mutants, up to SAMPLES runs in all;
#   each step's bound comes from its slowest, and a kill that came at a lower bound than the new
#   one is reopened (tried again at the new bound).
LONG_STEP_S = 0.15
SAMPLES = 3
# A wrong page at rest (nothing it shows or did changes, nothing pending, no passing state:
# runner.RestWatch) is judged after REST_S (2 s) in a cell. With a mutant, where the step took
# less than LONG_STEP_S without one, after QUICK_REST_S: the reference had the page right by
# then, and a page still wrong with nothing left to wait for has failed. Most kills fail a quick
# step; without it each ran out its bound (0.75 s and more) at a page that no longer changed.
QUICK_REST_S = 0.3

Task = tuple[Any, ...]
MIN_LITERAL = 3  # characters: a shorter literal ("", "a", ": ") shows in too many places to tell cells apart


def literal(m: Mutant) -> str | None:
    """A string literal mutant's text, unquoted (None for other mutants and for texts too short to
    single out the cells that show them)."""
    text = m.original
    if m.mutator != "StringLiteral" or len(text) < 2 or text[0] != text[-1] or text[0] not in "\"'`":
        return None
    value = text[1:-1]
    return value if len(value) >= MIN_LITERAL else None


GUARDED_LINES = 2  # how far below a condition the code it guards is looked for


def guarded_cells(mutants: list[Mutant]) -> dict[str, set[str]]:
    """For a condition made always false: the cells that ran code it guards (reached by fewer
    cells than the condition: mutants after it on its line or the next GUARDED_LINES). Only there
    does the mutant skip something. Measured on a whole run: 25 of 31 such mutants that died, died
    in one of these cells."""
    out: dict[str, set[str]] = {}
    ordered = sorted(mutants, key=lambda m: (m.line, int(m.id) if m.id.isdigit() else 0))
    for i, m in enumerate(ordered):
        if m.mutator != "ConditionalExpression" or m.replacement != "false" or not m.cells:
            continue
        mine, found = set(m.cells), set()
        for later in ordered[i + 1 :]:
            if later.line > m.line + GUARDED_LINES:
                break
            if later.cells and set(later.cells) < mine:
                found.update(later.cells)
        if found:
            out[m.id] = found
    return out


@dataclass
class CellRecord:
    """One cell's verdicts on mutants so far, and what its runs with mutants took."""

    kills: int = 0  # mutants it failed
    clears: int = 0  # mutants it passed with their code run
    pass_s: float = 0.0
    passes: int = 0  # runs that passed
    fail_s: float = 0.0
    fails: int = 0  # runs that failed


class Odds:
    """How likely a cell is to fail a mutant, and what trying it costs, from the verdicts so far.

    The odds start from the cell's own record (a cell never tried counts as one half: the cheap
    ones get tried first), and lean on its verdicts for mutants on the lines around (mutants of one
    statement mostly live or die in the same cells). A run's cost is what that cell's passing and
    failing runs took with mutants; before any, the coverage pass's seconds, plus the longest wait
    bound for a failing one (a mutant that dies mostly runs out a wait)."""

    def __init__(self, costs: dict[str, CellCost], bounds_of: Callable[[str], list[float]], guarded: dict[str, set[str]] | None = None):
        self.costs = costs
        self.guarded = guarded or {}  # guarded_cells
        self.bounds_of = bounds_of
        self.cells = {c: CellRecord() for c in costs}
        self.at: dict[str, dict[int, list[int]]] = {}  # a cell → a source line → [kills, clears] there
        self.cleared: Counter[str] = Counter()  # a mutant → the cells that cleared it
        self._literals: dict[str, str | None] = {}
        self._wanted: dict[tuple[str, str], bool] = {}

    def odds(self, m: Mutant, cell: str) -> float:
        rec = self.cells[cell]
        prior = (rec.kills + 1) / (rec.kills + rec.clears + 2)
        killed = seen = 0
        lines = self.at.get(cell)
        if lines:
            for line in range(m.line - NEAR, m.line + NEAR + 1):
                here = lines.get(line)
                if here:
                    killed += here[0]
                    seen += here[0] + here[1]
        p = (killed + 2 * prior) / (seen + 2)
        if self._wants(m, cell):
            p = max(p, WANTED)
        return p * SURVIVOR ** self.cleared[m.id]

    def _wants(self, m: Mutant, cell: str) -> bool:
        """Do the cell's expectations hold the text a string mutant changes (kept: asked again at
        every choice)."""
        key = (m.id, cell)
        if key not in self._wanted:
            text = self._literals.setdefault(m.id, literal(m))
            self._wanted[key] = text is not None and text in self.costs[cell].wanted
        return self._wanted[key]

    def seconds(self, cell: str, p: float) -> float:
        rec = self.cells[cell]
        passing = rec.pass_s / rec.passes if rec.passes else self.costs[cell].seconds
        failing = rec.fail_s / rec.fails if rec.fails else passing + max(self.bounds_of(cell), default=0.0)
        return p * failing + (1 - p) * passing

    def likeliest(self, m: Mutant, cells: list[str]) -> str:
        """Of `cells`, the one to try `m` on alone first: one whose expectations hold the text a
        string mutant changes; then the one whose verdicts on the lines around most often were
        kills (kills + 1 over verdicts + 2: a cell that cleared a neighbour goes behind one not yet
        tried there); for a condition made always false, one that ran the code it guards
        (guarded_cells); then the one that failed most mutants in all; then the cheapest.

        Measured on the whole set (2 cores, 1,500 s): choosing by odds per second instead (the
        groups' measure) decided 536 mutants against 553: it sent mutants to cheap WebKitGTK
        cells first, which failed 38% of them. With the expectations' texts and the clears around,
        first tries killed 481 of 951 (466 of 946 before); a cell that cleared a neighbour still
        hands the next one to the cell with most kills in all, so CSS strings wandered over
        unrelated cells before an appearance cell took them."""

        guarded = self.guarded.get(m.id)

        def key(c: str) -> tuple[bool, float, bool, int, float]:
            lines = self.at.get(c, {})
            kills = clears = 0
            for line in range(m.line - NEAR, m.line + NEAR + 1):
                k, cl = lines.get(line, (0, 0))
                kills, clears = kills + k, clears + cl
            skips = guarded is None or c in guarded
            return (not self._wants(m, c), -(kills + 1) / (kills + clears + 2), not skips, -self.cells[c].kills, self.costs[c].seconds)

        return min(cells, key=key)

    def ran(self, cell: str, failed: bool, seconds: float) -> None:
        rec = self.cells[cell]
        if failed:
            rec.fails += 1
            rec.fail_s += seconds
        else:
            rec.passes += 1
            rec.pass_s += seconds

    def judged(self, m: Mutant, cell: str, killed: bool) -> None:
        rec = self.cells[cell]
        here = self.at.setdefault(cell, {}).setdefault(m.line, [0, 0])
        if killed:
            rec.kills += 1
            here[0] += 1
        else:
            rec.clears += 1
            here[1] += 1
            self.cleared[m.id] += 1


@dataclass
class Kill:
    """A kill that a slower run of its cell without mutants could reopen."""

    cell: str
    at: int  # the step (index in the bounds) its run failed at
    bound: float  # that step's bound in its run
    pending: set[str]  # the cells it still faced before it died


class Plan:
    """The undecided mutants, the cells each still has to face, and the cells in flight."""

    def __init__(self, mutants: list[Mutant], costs: dict[str, CellCost], stop_at: float):
        self.by_id = {m.id: m for m in mutants}
        self.costs = costs
        self.own = {c: list(cost.waits) for c, cost in costs.items()}  # each step's slowest run without mutants
        self.natural: dict[str, list[float]] = {}  # ... and a long one's slowest among the scenario's engines
        self.siblings: dict[str, list[str]] = {}  # a scenario → its cells
        for c, cost in costs.items():
            self.siblings.setdefault(cost.scenario, []).append(c)
        for sid in self.siblings:
            self._share(sid)
        self.samples = {c: 1 for c in costs}  # runs without mutants behind `own`
        self.calibrating: set[str] = set()  # cells asked to run again without mutants, not yet back
        self.calibrate: list[str] = []  # ... not yet handed out
        self.provisional: dict[str, Kill] = {}  # a killed mutant → its kill, while its cell may still get slower
        self.odds = Odds(costs, self.bounds_of, guarded_cells(mutants))
        self.stop_at = stop_at
        self.pending = {m.id: set(m.cells) for m in mutants if m.cells}  # a mutant → the cells it still faces
        self.facing: dict[str, set[str]] = {}  # a cell → the undecided mutants that still face it
        for mid, cells in self.pending.items():
            for c in cells:
                self.facing.setdefault(c, set()).add(mid)
        self.in_flight: dict[str, set[str]] = {}  # cell → members being tried there now
        # "alone" / "group" tasks handed out, the "cell runs" they took, the "flaky" ones (failed with
        # none of the group's code run)
        self.runs: Counter[str] = Counter()
        # workers' seconds: on mutants alone / in groups, with a kill or none; and per engine ("in chromium")
        self.seconds: dict[str, float] = defaultdict(float)
        # every cell run with mutants, in the order the verdicts came: [cell, mutants active, failed,
        # seconds, the mutant when alone]
        # (mutation.json keeps it: what each cell cost and how often it killed, to tune this plan by)
        self.log: list[tuple[str, int, bool, float, str]] = []

    def _share(self, scenario: str) -> None:
        """Each cell's steps as its own runs took them; a long step as its slowest among the
        scenario's cells whose steps line up (as many waits) and are long there too."""
        cells = self.siblings[scenario]
        for c in cells:
            mine = self.own[c]
            alike = [self.own[o] for o in cells if len(self.own[o]) == len(mine)]
            self.natural[c] = [
                max([w] + [o[i] for o in alike if o[i] >= LONG_STEP_S]) if w >= LONG_STEP_S else w for i, w in enumerate(mine)
            ]

    def bounds_of(self, cell: str) -> list[float]:
        """The bound of each wait of each step (then the final expectation) with mutants active."""
        return [w * TIME_FACTOR + TIME_PLUS_S for w in self.natural[cell]]

    def rests_of(self, cell: str) -> list[float | None]:
        """How long a wrong page must rest to fail there, per step (then the final expectation);
        None: the runner's own REST_S."""
        return [QUICK_REST_S if w < LONG_STEP_S else None for w in self.natural[cell]]

    def undecided(self, mid: str) -> bool:
        return mid in self.pending

    def _free(self, mid: str) -> list[str]:
        return sorted(c for c in self.pending[mid] if mid not in self.in_flight.get(c, set()))

    def tasks(self, first: list[Mutant]) -> Iterator[Task]:
        """Rounds of `first` alone (in that order; each time on its likeliest cell not yet tried),
        up to ALONE_TRIES, then groups for every mutant until nothing is left to hand out."""
        for _ in range(ALONE_TRIES):
            for m in first:
                if time.time() > self.stop_at:
                    return
                yield from self._calibrations()
                if not self.undecided(m.id):
                    continue
                free = self._free(m.id)
                if not free:
                    continue
                self.runs["alone"] += 1
                yield self._task(self.odds.likeliest(m, free), [m.id])
        while time.time() <= self.stop_at:
            yield from self._calibrations()
            cell, members = self._best_group()
            if not members:
                if self.calibrating:  # a cell coming back slower reopens kills: wait for it
                    yield ("wait",)
                    continue
                return
            self.runs["alone" if len(members) == 1 else "group"] += 1
            yield self._task(cell, members)

    def _calibrations(self) -> Iterator[Task]:
        while self.calibrate:
            cost = self.costs[self.calibrate.pop(0)]
            self.runs["calibration"] += 1
            yield ("cover", cost.scenario, cost.engine)

    def calibrated(self, cost: CellCost) -> list[Mutant]:
        """A cell's run again without mutants: each step's bound from the slowest run so far; the
        kills there that came at a lower bound are reopened. Returns the reopened mutants."""
        c = cost.cell
        self.calibrating.discard(c)
        if Outcome(cost.outcome).failing or len(cost.waits) != len(self.own[c]):
            self.runs["calibration failed"] += 1  # it failed on its own this time: no sample of its steps
            return []
        self.samples[c] += 1
        self.own[c] = [max(a, b) for a, b in zip(self.own[c], cost.waits, strict=True)]
        self._share(cost.scenario)
        reopened = []
        for mid, kill in list(self.provisional.items()):
            if kill.cell in self.siblings[cost.scenario] and kill.bound < self.bounds_of(kill.cell)[kill.at] - 0.01:
                del self.provisional[mid]
                m = self.by_id[mid]
                m.status, m.killed_by = "not run (budget)", None
                self.odds.cells[kill.cell].kills -= 1  # its kill no longer counts for the cell
                self.runs["reopened"] += 1
                self.pending[mid] = set(kill.pending)
                for cell in kill.pending:
                    self.facing.setdefault(cell, set()).add(mid)
                reopened.append(m)
        return reopened

    def _provisional(self, m: Mutant, v: CellVerdict, pending: set[str]) -> None:
        """Keep a kill that a slower run of its cell could reopen, and ask for that run."""
        at = v.failed_at.get(m.id)
        if at is None or at >= len(v.bounds) or self.natural[v.cell][at] < LONG_STEP_S or self.samples[v.cell] >= SAMPLES:
            return
        self.provisional[m.id] = Kill(v.cell, at, v.bounds[at], pending)
        if v.cell not in self.calibrating:
            self.calibrating.add(v.cell)
            self.calibrate.append(v.cell)

    def _best_group(self) -> tuple[str, list[str]]:
        """The cell and members that decide most per second: in each cell, its waiting mutants
        least likely to fail there, as many as keep the group's chance to pass at one half (a
        likely one alone); a kill decides its mutant, a pass one of each member's cells."""
        best: tuple[float, str, list[str]] = (-1.0, "", [])
        for c, mids in sorted(self.facing.items()):
            busy = self.in_flight.get(c, set())
            odds = sorted((self.odds.odds(self.by_id[mid], c), mid) for mid in mids if mid not in busy)
            if not odds:
                continue
            members: list[tuple[float, str]] = []
            load = 0.0
            for p, mid in odds[:GROUP_MAX]:
                load += -math.log(max(1e-6, 1 - p))
                if members and load > PASS_HALF:
                    break
                members.append((p, mid))
            passes = math.prod(1 - p for p, _ in members)
            decides = passes * sum(1 / len(self.pending[mid]) for _, mid in members) + (1 - passes)
            value = decides / max(self.odds.seconds(c, 1 - passes), 0.05)
            if value > best[0]:
                best = (value, c, sorted((mid for _, mid in members), key=lambda mid: (len(mid), mid)))
        return best[1], best[2]

    def _decide(self, mid: str, status: str) -> Mutant:
        m = self.by_id[mid]
        m.status = status
        for c in self.pending.pop(mid):
            self.facing[c].discard(mid)
        return m

    def _task(self, cell: str, members: list[str]) -> Task:
        self.in_flight.setdefault(cell, set()).update(members)
        cost = self.costs[cell]
        return ("cell", cost.scenario, cost.engine, self.bounds_of(cell), members, self.stop_at, self.rests_of(cell))

    def take(self, v: CellVerdict) -> list[Mutant]:
        """A cell's verdict; returns the mutants it decided."""
        self.in_flight.get(v.cell, set()).difference_update([*v.killed, *v.cleared, *v.untested])
        self.runs["cell runs"] += v.runs
        self.runs["flaky"] += v.flaky
        alone = len(v.killed) + len(v.cleared) + len(v.untested) == 1
        kind = ("alone" if alone else "group") + (", a kill" if v.killed else ", no kill")
        self.seconds[kind] += v.seconds
        self.seconds[f"in {self.costs[v.cell].engine}"] += v.seconds
        self.log += [(v.cell, *run) for run in v.log]
        for _, failed, took, _ in v.log:
            self.odds.ran(v.cell, failed, took)
        decided = []
        for mid, status in v.killed.items():
            if not self.undecided(mid):
                continue  # killed meanwhile by another cell
            pending = set(self.pending[mid])
            m = self._decide(mid, status)
            self._provisional(m, v, pending)
            m.killed_by = v.cell
            self.odds.judged(m, v.cell, killed=True)
            decided.append(m)
        for mid in v.cleared:
            if self.undecided(mid):
                self.odds.judged(self.by_id[mid], v.cell, killed=False)
                self.pending[mid].discard(v.cell)
                self.facing[v.cell].discard(mid)
                if not self.pending[mid]:
                    decided.append(self._decide(mid, "survived"))
        return decided

    def lost(self, task: Task, why: str) -> list[str]:
        """A worker died on `task`: its members are not judged by that cell, and not again."""
        cell = cell_id(task[1], task[2])
        if task[0] == "cover":  # a calibration: the cell keeps the bounds it has
            self.calibrating.discard(cell)
            return []
        self.in_flight.get(cell, set()).difference_update(task[4])
        for mid in task[4]:
            if self.undecided(mid):
                self._decide(mid, "not run (worker died)")
        return list(task[4])
