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
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from harness.atomic import write_text_atomic
from harness.cell_hooks import Cell, CellObserver
from harness.results import Result, cell_id
from harness.steps import StepAction

LOOPING = "Hit count limit reached"
HIT_LIMIT = 200_000  # hits of the active mutant's code in one page: beyond, it is looping
COVERAGE_JS = (
    "(function(){var c=(globalThis.__stryker__||{}).mutantCoverage;if(!c){return [];}"
    "var ids=Object.keys(c.static||{});Object.keys(c.perTest||{}).forEach(function(t){"
    "ids=ids.concat(Object.keys(c.perTest[t]));});return ids;})()"
)


@dataclass
class CellCost:
    """What the coverage pass learnt of one cell in one engine."""

    scenario: str
    engine: str
    outcome: str  # a harness.model.Outcome's words
    reason: str = ""
    covered: set[str] = field(default_factory=set)
    seconds: float = 0.0  # the whole cell, browser context to teardown
    wait_s: float = 0.0  # its longest step or final expectation: what one wait of a mutant is bounded by
    shown: str = ""  # what its visitor, console and vendor API saw: a literal in it is what the cell can notice

    @property
    def cell(self) -> str:
        return cell_id(self.scenario, self.engine)


@dataclass
class Verdict:
    mutant: str
    status: str  # killed | survived | timed out | not run (budget) | not run (worker died)
    killed_by: str | None = None
    tried: int = 0  # cells run against it


def serve_switch(served: Path, instrumented: str, active: str | None) -> None:
    """The build the fixture server serves: one line of the harness's own that sets the active
    mutant (and arms the loop guard) before the instrumented widget runs; then the build."""
    head = "(function(){var s=globalThis.__stryker__=globalThis.__stryker__||{};"
    if active is not None:
        head += f"s.activeMutant={json.dumps(active)};s.hitCount=0;s.hitLimit={HIT_LIMIT};"
    write_text_atomic(served, head + "})();\n" + instrumented)  # never half-written when a page asks for it


class Coverage(CellObserver):
    """Which mutants a cell's pages reached, read through the cell's hooks: before a step leaves
    the page (reload, the fallback link) and at the end, before the tab closes."""

    def __init__(self) -> None:
        self.covered: set[str] = set()

    def _grab(self, cell: Cell) -> None:
        ids = cell.safe_eval(COVERAGE_JS)
        if isinstance(ids, list):
            self.covered.update(str(i) for i in ids)

    def before_step(self, cell: Cell, index: int, action: StepAction) -> None:
        if action.leaves_page:
            self._grab(cell)

    def at_end(self, cell: Cell, result: Result) -> None:
        if cell.has_tab:
            self._grab(cell)


# -- inside a worker -----------------------------------------------------------------------------


def _longest_wait(phases: dict[str, float]) -> float:
    """The longest of the cell's steps and its final expectation (each wait of a cell is bounded
    by the scenario's timeout_s on its own)."""
    return max([v for k, v in phases.items() if k.startswith("step") or k == "expect"] or [0.0])


SHOWN_CHARS = 200_000  # of one cell's texts: plenty for a widget's words, bounded for a flood


def shown(r: Result) -> str:
    """Every text the cell read with no mutant active (what the visitor perceived, the console,
    the vendor API's log), one per line: a string literal's mutant is tried first on the cells
    that showed that literal (they are the ones that can notice it changed)."""
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

    walk(r.seen)
    walk(r.console)
    walk(r.api_log)
    return "\n".join(texts)[:SHOWN_CHARS]


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
        with Harness(RunOptions(output_dir=home / "cells", widget=served, screenshots="failure")) as h:
            outbox.put(("ready", index))
            while True:
                task = inbox.get()
                if task is None:
                    return
                if task[0] == "cover":
                    _, sid, engine = task
                    cov = Coverage()
                    r = h.run_cell(by_id[sid], engine, [cov])
                    outbox.put(
                        (
                            "cover",
                            index,
                            CellCost(
                                sid, engine, str(r.outcome), r.reason or "", cov.covered, r.duration_s, _longest_wait(r.phases), shown(r)
                            ),
                        )
                    )
                else:
                    _, mid, tries, stop_at = task
                    serve_switch(served, build, mid)
                    outbox.put(("mutant", index, _try_mutant(h, by_id, mid, tries, stop_at)))
                    serve_switch(served, build, None)
    except KeyboardInterrupt:
        return


def _try_mutant(h: Any, by_id: dict[str, Any], mid: str, tries: list[tuple[str, str, float]], stop_at: float) -> Verdict:
    v = Verdict(mid, "survived")
    for sid, engine, timeout_s in tries:
        if time.time() > stop_at:  # out of time part-way: not judged
            v.status = "not run (budget)"
            return v
        r = h.run_cell(by_id[sid].model_copy(update={"timeout_s": timeout_s}), engine)
        v.tried += 1
        if any(LOOPING in line for line in r.console):
            v.status, v.killed_by = "timed out", cell_id(sid, engine)
            return v
        if r.outcome.failing:
            v.status, v.killed_by = "killed", cell_id(sid, engine)
            return v
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
