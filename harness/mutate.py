"""spelo-harness mutate: the catalog's mutation score against a widget build.

Mutants come from Stryker's instrumenter (installed by scripts/setup.sh, see harness/
mutate_instrument.mjs): ONE instrumented build holds every mutant behind a switch, which the harness
widens to take a set (`globalThis.__stryker__.activeMutants`) and to count each active mutant's
hits. The harness serves that build with a first line of its own that sets the active mutants
before the widget runs (as Stryker's browser runners set one), so each cell's page runs exactly
the mutants it is given. A first pass with no mutant active runs every cell once and reads the
instrumentation's own coverage (`__stryker__.mutantCoverage`) before each navigation and at the
end: each mutant then faces only the cells that reached it, alone on the likeliest to fail it,
then in groups (harness/mutate_plan.py), until the first that fails it. Active mutants' code
counts its hits; past HIT_LIMIT per mutant it throws "Hit count limit reached" (an infinite loop):
that mutant is "timed out".

Survivors reviewed as equivalent (no visitor or vendor could tell them from the build) are listed
with the reason in contract/equivalent-mutants.yaml, matched by mutator, original text and
replacement (and the whole source line, where `context` gives it).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any


from harness import paths
from harness.errors import UsageError
from harness.mutate_plan import Mutant as Mutant, Plan, literal as literal  # mutate's API (re-exported)
from harness.mutate_workers import STRYKER_SWITCH, CellCost, Workers, group_switch
from harness.model import Outcome

# mutate's API (the `as` form re-exports them)
from harness.mutate_workers import HIT_LIMIT as HIT_LIMIT, LOOPING as LOOPING, Coverage as Coverage, serve_switch as serve_switch
from harness.results import cell_id

CACHE = Path(os.environ.get("SPELO_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "spelo-harness")
TOOLS = CACHE / "mutate-tools"
INSTRUMENTER = TOOLS / "node_modules" / "@stryker-mutator" / "instrumenter"
EQUIVALENTS = paths.CONTRACT_DIR / "equivalent-mutants.yaml"


# -- the instrumented build ----------------------------------------------------------------------


def instrument(widget: Path, workdir: Path) -> tuple[str, list[Mutant]]:
    if not INSTRUMENTER.is_dir():
        raise UsageError(f"Stryker's instrumenter is not installed in {TOOLS}: run bash scripts/setup.sh")
    out, listing = workdir / "instrumented.js", workdir / "mutants.json"
    proc = subprocess.run(
        ["node", str(Path(__file__).with_name("mutate_instrument.mjs")), str(TOOLS), str(widget), str(out), str(listing)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise UsageError(f"--widget: Stryker's instrumenter could not read {widget}: {last}")
    lines = widget.read_text(encoding="utf-8").splitlines()
    mutants = [_mutant(m, lines) for m in json.loads(listing.read_text(encoding="utf-8"))]
    build = group_switch(out.read_text(encoding="utf-8"))
    if build is None:
        raise UsageError(
            f"Stryker's instrumenter in {TOOLS} wrote a mutant switch this harness does not know "
            f"(expected one {STRYKER_SWITCH!r}): reinstall the pinned version with bash scripts/setup.sh"
        )
    out.write_text(build, encoding="utf-8")  # what the workers serve
    return build, mutants


def _mutant(m: dict[str, Any], lines: list[str]) -> Mutant:
    start, end = m["location"]["start"], m["location"]["end"]  # line 1-based, column 0-based
    first, last = start["line"], end["line"]  # Stryker's locations: lines 0-based here
    if first == last:
        original = lines[first][start["column"] : end["column"]]
    else:
        original = "\n".join([lines[first][start["column"] :], *lines[first + 1 : last], lines[last][: end["column"]]])
    before, after = lines[first][: start["column"]], lines[last][end["column"] :]
    mutated = (before + m["replacement"] + after).splitlines() or [""]
    diff = "\n".join([f"- {line}" for line in lines[first : last + 1]][:6] + [f"+ {line}" for line in mutated][:6])
    return Mutant(
        id=str(m["id"]),
        mutator=m["mutator"],
        replacement=m["replacement"],
        line=start["line"] + 1,
        original=original,
        context=lines[first].strip(),
        diff=diff,
    )


# -- the run -------------------------------------------------------------------------------------


def run(
    scenarios: list[Any],
    engines: list[str],
    widget: Path,
    out: Path,
    budget_s: float,
    only: set[str] | None,
    sample: int | None = None,
    workers: int = 2,
    say: Any = None,
) -> dict[str, Any]:

    say = say or (lambda line: print(line, flush=True))
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    instrumented, mutants = instrument(widget, out)
    if only:
        mutants = [m for m in mutants if m.id in only]
    if sample and sample < len(mutants):  # evenly spread over the build, the same ones every run
        mutants = [mutants[round(i * len(mutants) / sample)] for i in range(sample)]
    reviewed = load_equivalents()
    cover_tasks = [("cover", sc.id, e) for e in engines for sc in scenarios if e in sc.engines and e not in sc.skip]
    say(
        f"{len(mutants)} mutants from Stryker's instrumenter; coverage pass: {len(cover_tasks)} cells in "
        f"{', '.join(engines)}, {workers} worker(s)"
    )
    costs: dict[str, CellCost] = {}
    broken: dict[str, str] = {}
    lost: dict[str, str] = {}
    guards = {sc.id: list(sc.guards) for sc in scenarios}
    timings: dict[str, float] = {}

    def covered(msg: tuple[Any, ...]) -> None:
        c: CellCost = msg[2]
        if Outcome(c.outcome).failing:
            broken[c.cell] = c.reason  # fails with no mutant: it cannot judge mutants
        elif Outcome(c.outcome).ran:
            costs[c.cell] = c

    def lost_cover(task: tuple[Any, ...], why: str) -> None:
        broken[cell_id(task[1], task[2])] = f"not run: {why}"

    with Workers(workers, out / "instrumented.js", out, scenarios) as pool:
        pool.run(iter(cover_tasks), covered, lost_cover)
        timings["coverage pass"] = round(time.monotonic() - started, 1)
        for m in mutants:
            m.cells = sorted((c for c, cost in costs.items() if m.id in cost.covered), key=lambda c: costs[c].seconds)
            m.promises = sorted({p for c in m.cells for p in guards[costs[c].scenario]})
            if not m.cells:
                m.status = "not covered"
        say(f"coverage pass: {len(costs)} cells reach mutants, {len(broken)} fail with no mutant active ({timings['coverage pass']:.0f} s)")
        plan = Plan(mutants, costs, time.time() + budget_s)  # the budget is for the mutants

        def judged(msg: tuple[Any, ...]) -> None:
            if msg[0] == "cover":  # a cell run again without mutants (Plan.calibrated)
                for m in plan.calibrated(msg[2]):
                    say(f"  #{m.id} reopened: {msg[2].cell} ran slower without mutants than the bound it died at")
                return
            for m in plan.take(msg[2]):
                say(
                    f"  #{m.id} {m.mutator} line {m.line}: {m.status}"
                    + (f" by {m.killed_by}" if m.killed_by else f" ({len(m.cells)} cell(s))")
                    + f"; {time.monotonic() - started:.0f} s"
                )

        def lost_cell(task: tuple[Any, ...], why: str) -> None:
            for mid in plan.lost(task, why):
                lost[mid] = why

        # Reviewed equivalents are not expected to die: they go straight to the groups.
        pool.run(plan.tasks([m for m in mutants if not is_reviewed(m, reviewed)]), judged, lost_cell)
    timings["mutants"] = round(time.monotonic() - started - timings["coverage pass"], 1)
    mark_equivalents(mutants, reviewed)
    rep = report(mutants, broken, engines, widget, time.monotonic() - started, budget_s)
    rep.update(
        workers=workers,
        timings=timings,
        runs=dict(plan.runs),
        worker_seconds={k: round(v, 1) for k, v in sorted(plan.seconds.items())},
        lost=lost,
        run_log=plan.log,
        cells={
            c: {"seconds": v.seconds, "wait_s": round(v.wait_s, 3), "kills": plan.odds.cells[c].kills, "reaches": len(v.covered)}
            for c, v in sorted(costs.items())
        },
    )
    return rep


def is_reviewed(m: Mutant, reviewed: list[dict[str, str]]) -> bool:
    return any(
        (row["mutator"], row["original"], row["replacement"]) == (m.mutator, m.original, m.replacement)
        and row.get("context", m.context) == m.context
        for row in reviewed
    )


def load_equivalents(path: Path = EQUIVALENTS) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    from harness.yamlfile import read_yaml

    data = read_yaml(path)[0] or {}
    rows = data.get("equivalent", []) if isinstance(data, dict) else []
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in ("mutator", "original", "replacement", "reason")):
            raise UsageError(f"{path}: equivalent[{i}]: needs mutator, original, replacement and reason (strings)")
    return rows


def mark_equivalents(mutants: list[Mutant], reviewed: list[dict[str, str]]) -> None:
    """A reviewed survivor is equivalent; so is a reviewed mutant no cell reached, or one the
    budget left untried (its review stands, and the score leaves it out either way)."""
    for m in mutants:
        if m.status not in ("survived", "not covered", "not run (budget)"):
            continue
        for row in reviewed:
            if (row["mutator"], row["original"], row["replacement"]) == (m.mutator, m.original, m.replacement) and row.get(
                "context", m.context
            ) == m.context:
                m.equivalent = row["reason"] + ("" if m.status == "survived" else f" (this run: {m.status})")
                m.status = "equivalent"


def report(mutants: list[Mutant], broken: dict[str, str], engines: list[str], widget: Path, took: float, budget_s: float) -> dict[str, Any]:
    counts = Counter(m.status for m in mutants)
    detected = counts["killed"] + counts["timed out"]
    judged = detected + counts["survived"]
    per_promise: dict[str, Counter[str]] = {}
    for m in mutants:
        for p in m.promises or ["(no promise)"]:
            per_promise.setdefault(p, Counter())[m.status] += 1
    return {
        "engines": engines,
        "widget": str(widget),
        "seconds": round(took, 1),
        "budget_s": budget_s,
        "counts": dict(counts),
        # Stryker's definition counts uncovered mutants as undetected; the covered score leaves them out.
        "score": round(100 * detected / (judged + counts["not covered"]), 1) if judged + counts["not covered"] else None,
        "score_covered": round(100 * detected / judged, 1) if judged else None,
        "cells_failing_without_mutant": broken,
        "per_promise": {p: dict(c) for p, c in sorted(per_promise.items())},
        "mutants": [asdict(m) for m in mutants],
    }


def print_report(rep: dict[str, Any]) -> None:
    c = rep["counts"]
    print(
        f"mutation score {rep['score']}% (of covered mutants: {rep['score_covered']}%) in {', '.join(rep['engines'])}: "
        + ", ".join(f"{c.get(k, 0)} {k}" for k in ("killed", "survived", "timed out", "not covered", "equivalent", "not run (budget)"))
        + f"; {rep['seconds']:.0f} s of a {rep['budget_s']:.0f} s budget"
    )
    runs = rep.get("runs") or {}
    if runs:
        print(
            f"cell runs with mutants: {runs.get('cell runs', 0)} ({runs.get('alone', 0)} mutants tried alone first, "
            f"{runs.get('group', 0)} groups; {runs.get('flaky', 0)} failed with none of their mutants' code run: "
            "the cell's own, not kills)"
        )
    spent = rep.get("worker_seconds") or {}
    if spent:
        print("workers' seconds on mutants: " + ", ".join(f"{k} {v:.0f}" for k, v in spent.items()))
    for cid, why in rep["cells_failing_without_mutant"].items():
        print(f"  cell failing with no mutant active (left out): {cid}: {why}")
    print("per promise (mutants reached by the cells that guard it):")
    for p, counts in rep["per_promise"].items():
        print(f"  {p}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    for m in rep["mutants"]:
        if m["status"] in ("survived", "not covered"):
            print(f"{m['status']}: #{m['id']} {m['mutator']} at line {m['line']}: {m['context']}")
            print(f"    covered by: {', '.join(m['cells']) or 'no cell'}")
            print("    " + m["diff"].replace("\n", "\n    "))


def html_report(rep: dict[str, Any]) -> str:
    """One page: the score, the counts per promise, every mutant with its verdict and diff."""
    from html import escape

    c = rep["counts"]
    rows = "".join(
        f"<tr class='{escape(m['status'].split()[0])}'><td>#{escape(m['id'])}</td><td>{escape(m['mutator'])}</td>"
        f"<td>{m['line']}</td><td>{escape(m['status'])}</td><td>{escape(m['killed_by'] or m['equivalent'] or '')}</td>"
        f"<td><pre>{escape(m['diff'])}</pre></td></tr>"
        for m in rep["mutants"]
    )
    promises = "".join(
        f"<tr><td>{escape(p)}</td><td>{escape(', '.join(f'{n} {k}' for k, n in sorted(v.items())))}</td></tr>"
        for p, v in rep["per_promise"].items()
    )
    return (
        "<!doctype html><meta charset=utf-8><title>Spelo mutation score</title><style>"
        "body{font:14px system-ui;margin:2em}td{border-bottom:1px solid #ddd;padding:4px 8px;vertical-align:top}"
        "pre{margin:0}.survived td{background:#fde8e8}.killed td{background:#e8f6ea}</style>"
        f"<h1>Mutation score {rep['score']}% <small>(covered: {rep['score_covered']}%)</small></h1>"
        f"<p>{escape(', '.join(rep['engines']))}, {escape(rep['widget'])}: "
        + escape(", ".join(f"{n} {k}" for k, n in sorted(c.items())))
        + f"; {rep['seconds']:.0f} s of a {rep['budget_s']:.0f} s budget.</p>"
        f"<h2>Per promise</h2><table>{promises}</table><h2>Mutants</h2>"
        f"<table><tr><th>id</th><th>mutator</th><th>line</th><th>verdict</th><th>by / why</th><th>diff</th></tr>{rows}</table>"
    )
