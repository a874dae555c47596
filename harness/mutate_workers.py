"""mutate's workers: N processes, each with its own fixture server, its own copy of the
instrumented build (so each serves its own active mutant) and its own browsers, kept for the whole
run (the pool keeps one per engine and launch profile). The parent hands each idle worker one task
at a time — a cell of the coverage pass, or a mutant with the cells to try in order — so it knows
what every worker is doing, stops handing out mutants when the budget is spent, and can name the
task of a worker that died.

A worker is started with multiprocessing's "spawn" (a fresh interpreter, no Playwright state
inherited) after the parent sealed the network: it inherits the namespace.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import queue
import re
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from harness.atomic import write_text_atomic
from harness.cell_hooks import Cell, CellObserver
from harness.results import Result, cell_id
from harness.steps import StepAction, action_for

LOOPING = "Hit count limit reached"
HIT_LIMIT = 200_000  # hits of the active mutant's code in one page: beyond, it is looping
COVERAGE_JS = (
    "(function(){var c=(globalThis.__stryker__||{}).mutantCoverage;if(!c){return [];}"
    "var ids=Object.keys(c.static||{});Object.keys(c.perTest||{}).forEach(function(t){"
    "ids=ids.concat(Object.keys(c.perTest[t]));});return ids;})()"
)
HITS_JS = "(function(){var s=globalThis.__stryker__;return s&&s.activeHits?Object.keys(s.activeHits):null;})()"


@dataclass
class CellCost:
    """What the coverage pass learnt of one cell in one engine."""

    scenario: str
    engine: str
    outcome: str  # a harness.model.Outcome's words
    reason: str = ""
    covered: set[str] = field(default_factory=set)
    seconds: float = 0.0  # the whole cell, browser context to teardown
    wait_s: float = 0.0  # its longest step or final expectation
    waits: list[float] = field(default_factory=list)  # each step's seconds, then the final expectation's
    wanted: str = ""  # the texts its expectations compare (wanted_texts): a literal in one is a text the cell can notice

    @property
    def cell(self) -> str:
        return cell_id(self.scenario, self.engine)


@dataclass
class CellVerdict:
    """One cell's verdict on a group of mutants active together (a group of one: a mutant alone)."""

    cell: str
    killed: dict[str, str] = field(default_factory=dict)  # mutant → "killed" | "timed out"
    cleared: list[str] = field(default_factory=list)  # the cell passed with their code running
    untested: list[str] = field(default_factory=list)  # out of budget before the cell could tell
    runs: int = 0  # cell runs: 1, or more to find which of a failing group failed it
    flaky: int = 0  # runs that failed with none of the group's code run: the cell's own doing, not a kill
    seconds: float = 0.0  # the worker's time on it, all runs
    log: list[tuple[int, bool, float, str]] = field(default_factory=list)  # each run: mutants active, failed, seconds, the one alone
    bounds: list[float] = field(default_factory=list)  # the bound of each step's waits in these runs
    failed_at: dict[str, int] = field(default_factory=dict)  # a killed mutant → the step (index in bounds) its run failed at


# Stryker's switch (the instrumenter's own, version pinned in scripts/mutate-tools) compares one
# active mutant. Mutants are tried in groups (harness/mutate_plan.py), so its test also takes the
# set `__stryker__.activeMutants`, and counts each active mutant's hits in `__stryker__.activeHits`
# (Hits: which members of a group ran).
STRYKER_SWITCH = "if (ns.activeMutant === id) {"
GROUP_SWITCH = (
    "if (ns.activeMutant === id || (ns.activeMutants !== void 0 && ns.activeMutants[id] === true)) {"
    " if (ns.activeHits !== void 0) { ns.activeHits[id] = (ns.activeHits[id] || 0) + 1; }"
)


def group_switch(instrumented: str) -> str | None:
    """The instrumented build with the group switch; None when Stryker's switch is not there once."""
    if instrumented.count(STRYKER_SWITCH) != 1:
        return None
    return instrumented.replace(STRYKER_SWITCH, GROUP_SWITCH)


def serve_switch(served: Path, instrumented: str, active: list[str] | None) -> None:
    """The build the fixture server serves: one line of the harness's own that sets the active
    mutants (and arms the loop guard) before the instrumented widget runs; then the build. The
    instrumented switch is patched (instrument()) to take a set of mutants and count each one's hits."""
    head = "(function(){var s=globalThis.__stryker__=globalThis.__stryker__||{};"
    if active:
        ids = ",".join(f"{json.dumps(m)}:true" for m in active)
        head += f"s.activeMutants={{{ids}}};s.activeHits={{}};s.hitCount=0;s.hitLimit={HIT_LIMIT * len(active)};"
    write_text_atomic(served, head + "})();\n" + instrumented)  # never half-written when a page asks for it


LEFT_KEY = "__spelo_mutate_left__"


def _joined_with_left(expr: str) -> str:
    """`expr` (a list, or null) in this page, joined with its value as the tab's previous page of
    this origin went away (kept in sessionStorage by _kept_on_leave): null when neither is read."""
    return (
        f"(function(){{var now={expr},left=null;try{{left=JSON.parse(sessionStorage.getItem({LEFT_KEY!r})||'null');"
        f"sessionStorage.removeItem({LEFT_KEY!r});}}catch(e){{}}"
        "if(now===null&&left===null){return null;}return (now||[]).concat(left||[]);})()"
    )


def _kept_on_leave(expr: str) -> str:
    """Keep `expr`'s value as the page goes away (after the build's own pagehide handlers, which
    registered first): code that runs only as the visitor leaves counts too."""
    return (
        "(function(){addEventListener('pagehide',function(){try{"
        f"sessionStorage.setItem({LEFT_KEY!r},JSON.stringify({expr}));}}catch(e){{}}}});return true;}})()"
    )


class _PageReader(CellObserver):
    """Reads one expression in each page a cell goes through: before a step leaves the page
    (reload, the fallback link), again as that page goes away (its pagehide handlers run after
    the step started: the build's end-of-session code), and at the end, before the tab closes."""

    EXPR = ""

    def take(self, value: Any) -> None:
        raise NotImplementedError

    def before_step(self, cell: Cell, index: int, action: StepAction) -> None:
        if action.leaves_page:
            self.take(cell.safe_eval(_joined_with_left(self.EXPR)))
            cell.safe_eval(_kept_on_leave(self.EXPR))

    def at_end(self, cell: Cell, result: Result) -> None:
        if cell.has_tab:
            self.take(cell.safe_eval(_joined_with_left(self.EXPR)))


class Coverage(_PageReader):
    """Which mutants a cell's pages reached (the instrumentation's own coverage)."""

    EXPR = COVERAGE_JS

    def __init__(self) -> None:
        self.covered: set[str] = set()

    def take(self, value: Any) -> None:
        if isinstance(value, list):
            self.covered.update(str(i) for i in value)


class Hits(_PageReader):
    """Which of the active mutants' code ran in a cell (the patched switch counts each one's hits).
    `readable` stays False when no page of the cell could be read (the build never ran, or its
    page was gone): then nothing can be said of which of them ran."""

    EXPR = HITS_JS

    def __init__(self) -> None:
        self.ran: set[str] = set()
        self.readable = False

    def take(self, value: Any) -> None:
        if isinstance(value, list):
            self.readable = True
            self.ran.update(str(i) for i in value)


# -- inside a worker -----------------------------------------------------------------------------


def step_waits(phases: dict[str, float], steps: int) -> list[float]:
    """Each step's seconds ("step 3: click orb"), then the final expectation's: with a mutant
    active, each wait of a step is bounded by a little more than that step took without one."""
    took = {int(m.group(1)): v for k, v in phases.items() if (m := re.match(r"step (\d+):", k))}
    return [took.get(i, 0.0) for i in range(1, steps + 1)] + [phases.get("expect", 0.0)]


# Expectations that only notice a text appearing: a changed literal cannot fail them.
ABSENCE_CHECKS = {"console_absent", "api_absent"}


def wanted_texts(scenario: Any, engine: str, source: str) -> str:
    """Every text the cell's expectations compare (each expect step's and the final one, a quirk's
    too), one per line. A string literal's mutant is tried first on a cell whose expectations
    hold its text: measured on the whole set, such a cell failed 57 of the 62 mutants first tried
    there; a cell that only showed the text (the visitor saw it, nothing compared it) failed 53
    of 177."""
    texts: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            texts.append(v)
        elif isinstance(v, dict):
            for item in v.values():
                walk(item)
        elif isinstance(v, (list, tuple)):
            for item in v:
                walk(item)

    expects = [scenario.expect, scenario.expect_for(engine, source)]
    expects += [action.value for action in map(action_for, scenario.steps) if action.kind == "expect"]
    for expect in expects:
        walk(expect.model_dump(exclude_defaults=True, exclude=ABSENCE_CHECKS))
    return "\n".join(texts)


def _stopped(*_: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM, as Ctrl-C: the worker closes its browsers and server on its way out


def worker_main(index: int, instrumented: Path, out: Path, scenarios: list[Any], inbox: Any, outbox: Any, parent: int = 0) -> None:
    from harness.reaper import end_with_parent
    from harness.runner import Harness, RunOptions

    if parent:  # the kernel ends this worker if the mutate process dies without a word (SIGKILL)
        end_with_parent(parent)()
    signal.signal(signal.SIGTERM, _stopped)

    by_id = {sc.id: sc for sc in scenarios}
    build = instrumented.read_text(encoding="utf-8")
    if GROUP_SWITCH not in build:  # without it no mutant is ever active: every one would "survive"
        raise RuntimeError(f"{instrumented}: not the build mutate.instrument() writes (no group switch)")
    home = out / f"worker-{index}"
    home.mkdir(parents=True, exist_ok=True)
    # The harness's own log lines (a browser relaunched, a page the server saw go away mid-request)
    # go to the worker's file, not between the parent's progress lines.
    logging.basicConfig(
        filename=home / "worker.log", level=logging.WARNING, force=True, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    served = home / "spelo-mutated.js"
    serve_switch(served, build, None)
    try:
        with Harness(RunOptions(output_dir=home / "cells", widget=served, screenshots="none", soft_expect=False)) as h:
            outbox.put(("ready", index))
            while True:
                task = inbox.get()
                if task is None:
                    return
                if task[0] == "cover":
                    _, sid, engine = task
                    cov = Coverage()
                    r = h.run_cell(by_id[sid], engine, [cov])
                    waits = step_waits(r.phases, len(r.steps))
                    # A browser launched for this cell is not the cell's cost: later runs reuse it.
                    took = r.duration_s - r.phases.get("launch", 0.0)
                    wanted = wanted_texts(by_id[sid], engine, r.engine_source)
                    cost = CellCost(sid, engine, str(r.outcome), r.reason or "", cov.covered, took, max(waits), waits, wanted)
                    outbox.put(("cover", index, cost))
                else:
                    _, sid, engine, bounds, members, stop_at, rests = task

                    def run(
                        group: list[str],
                        sc: Any = by_id[sid],
                        engine: str = engine,
                        bounds: list[float] = bounds,
                        rests: list[float | None] = rests,
                    ) -> tuple[bool, bool, Hits, int | None]:
                        serve_switch(served, build, group)
                        hits = Hits()
                        r = h.run_cell(sc, engine, [hits], bounds, rests)
                        looping = any(LOOPING in line for line in r.console)
                        return r.outcome.failing or looping, looping, hits, failed_step(r)

                    verdict = judge_group(run, cell_id(sid, engine), members, stop_at)
                    verdict.bounds = list(bounds)
                    serve_switch(served, build, None)
                    outbox.put(("cell", index, verdict))
    except KeyboardInterrupt:
        return


def failed_step(r: Result) -> int | None:
    """Where a failing run failed, as an index in its bounds: a step's, or the final expectation's
    (after the last step)."""
    if not r.outcome.failing:
        return None
    return next((s.index - 1 for s in r.steps if s.error), len(r.steps))


# the group → failed, looping, whose code ran, the step (index in the bounds) it failed at
RunGroup = Callable[[list[str]], "tuple[bool, bool, Hits, int | None]"]


def judge_group(run: RunGroup, cell: str, members: list[str], stop_at: float) -> CellVerdict:
    """The cell's verdict on each member, from as few runs as it takes: the whole group at once;
    when it fails, only the members whose code ran can have failed it (the others did not take
    part: they are tried again without them), and a lone one that ran is the one; more are split
    in halves and each half tried again. A group that passes clears every member whose code ran.
    A group that fails with none of its code run failed on its own: tried once more, then cleared
    as the coverage pass (which passed) saw it."""
    v = CellVerdict(cell)
    started = time.monotonic()
    todo: list[tuple[list[str], int]] = [(list(members), 0)]
    while todo:
        group, retries = todo.pop()
        if time.time() > stop_at:
            v.untested += group
            continue
        took = time.monotonic()
        failed, looping, hits, at = run(group)
        v.runs += 1
        v.log.append((len(group), failed, round(time.monotonic() - took, 3), group[0] if len(group) == 1 else ""))
        ran = [m for m in group if m in hits.ran] if hits.readable else group
        idle = [m for m in group if m not in ran]
        if not failed:
            v.cleared += ran
            if idle and ran:
                todo.append((idle, 0))  # not tried by this run: the others changed its path
            elif idle:
                v.cleared += idle  # none of the group ran here, and the cell passed with them active
            continue
        if not ran:
            v.flaky += 1
            if retries:
                v.cleared += group
            else:
                todo.append((group, retries + 1))
            continue
        if idle:
            todo.append((idle, 0))
        if len(ran) == 1:
            v.killed[ran[0]] = "timed out" if looping else "killed"
            if at is not None:
                v.failed_at[ran[0]] = at
        else:
            half = len(ran) // 2
            todo += [(ran[:half], 0), (ran[half:], 0)]
    v.seconds = round(time.monotonic() - started, 3)
    return v


# -- the parent ----------------------------------------------------------------------------------


class Workers:
    """N worker processes; `run(tasks, on_result)` keeps each busy with one task at a time."""

    def __init__(self, n: int, instrumented: Path, out: Path, scenarios: list[Any]):
        ctx = mp.get_context("spawn")
        self.outbox = ctx.Queue()
        self.inboxes = [ctx.Queue() for _ in range(n)]
        self.procs = [
            ctx.Process(
                target=worker_main,
                args=(i, instrumented, out, scenarios, self.inboxes[i], self.outbox, os.getpid()),
                name=f"spelo-mutate-{i}",
                daemon=True,
            )
            for i in range(n)
        ]

    def __enter__(self) -> "Workers":
        for p in self.procs:
            p.start()
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        for box in self.inboxes:
            box.put(None)
        if exc_type is not None:  # interrupted: a worker mid-mutant would finish its cells first
            for p in self.procs:
                if p.is_alive():
                    p.terminate()  # its SIGTERM is its Ctrl-C: browsers and server closed
        for p in self.procs:
            p.join(timeout=60)  # a worker closes its browsers and server on its way out
        for p in self.procs:
            if p.is_alive():
                p.kill()
                p.join(timeout=10)

    def run(
        self,
        tasks: Iterator[tuple[Any, ...]],
        on_result: Callable[[tuple[Any, ...]], None],
        on_lost: Callable[[tuple[Any, ...], str], None],
    ) -> None:
        """Hand out `tasks` (an iterator: it may decide each next task from the results so far)
        to idle workers until it is exhausted and every worker is idle again."""
        idle = deque(i for i, p in enumerate(self.procs) if p.is_alive())
        busy: dict[int, tuple[Any, ...]] = {}
        more = True
        while True:
            while more and idle:
                task = next(tasks, None)
                if task is None:
                    more = False
                    break
                if task[0] == "wait":  # the plan has nothing to hand out until a result comes back
                    break
                w = idle.popleft()
                self.inboxes[w].put(task)
                busy[w] = task
            if not busy:
                return
            try:
                msg = self.outbox.get(timeout=2.0)
            except queue.Empty:
                for w, task in list(busy.items()):
                    if not self.procs[w].is_alive():
                        on_lost(task, f"worker {w} exited with code {self.procs[w].exitcode}")
                        del busy[w]
                if not any(p.is_alive() for p in self.procs) and more:
                    raise RuntimeError("every mutate worker died") from None
                continue
            if msg[0] == "ready":
                continue
            w = msg[1]
            busy.pop(w, None)
            idle.append(w)
            on_result(msg)
