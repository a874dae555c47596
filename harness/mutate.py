"""spelo-harness mutate: the catalog's mutation score against a widget build.

Mutants come from Stryker's instrumenter (installed by scripts/setup.sh, see harness/
mutate_instrument.mjs): ONE instrumented build holds every mutant behind a switch on
`globalThis.__stryker__.activeMutant`. The harness serves that build with a first line of its own
that sets the active mutant before the widget runs (as Stryker's browser runners do), so each
cell's page runs exactly one mutant. A first pass with no mutant active runs every cell once and
reads the instrumentation's own coverage (`__stryker__.mutantCoverage`) before each navigation
and at the end: each mutant then faces only the cells that reached it, most-killing first, and
stops at the first kill. An active mutant's code counts its hits; past HIT_LIMIT it throws
"Hit count limit reached" (an infinite loop): that mutant is "timed out".

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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


from harness import paths
from harness.atomic import write_text_atomic
from harness.errors import UsageError
from harness.cell_hooks import Cell, CellObserver
from harness.results import Result
from harness.runner import Harness, RunOptions
from harness.steps import StepAction

CACHE = Path(os.environ.get("SPELO_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "spelo-harness")
TOOLS = CACHE / "mutate-tools"
INSTRUMENTER = TOOLS / "node_modules" / "@stryker-mutator" / "instrumenter"
EQUIVALENTS = paths.CONTRACT_DIR / "equivalent-mutants.yaml"
TIME_FACTOR, TIME_PLUS_S = 1.5, 3.0  # a cell's deadline with a mutant: its time without one × factor + constant
HIT_LIMIT = 200_000  # hits of the active mutant's code in one page: beyond, it is looping
LOOPING = "Hit count limit reached"
COVERAGE_JS = ("(function(){var c=(globalThis.__stryker__||{}).mutantCoverage;if(!c){return [];}"
               "var ids=Object.keys(c.static||{});Object.keys(c.perTest||{}).forEach(function(t){"
               "ids=ids.concat(Object.keys(c.perTest[t]));});return ids;})()")


@dataclass
class Mutant:
    id: str
    mutator: str
    replacement: str
    line: int              # 1-based, where the mutated code starts
    original: str          # the source the replacement takes the place of
    context: str = ""      # the source line it starts on, stripped (tells equal originals apart)
    status: str = "not run (budget)"  # killed | survived | timed out | not covered | equivalent | not run (budget)
    killed_by: str | None = None
    cells: list[str] = field(default_factory=list)      # the cells that reached it
    promises: list[str] = field(default_factory=list)   # what those cells guard
    equivalent: str | None = None                       # the reviewed reason, for an equivalent survivor
    diff: str = ""


# -- the instrumented build ----------------------------------------------------------------------

def instrument(widget: Path, workdir: Path) -> tuple[str, list[Mutant]]:
    if not INSTRUMENTER.is_dir():
        raise UsageError(f"Stryker's instrumenter is not installed in {TOOLS}: run bash scripts/setup.sh")
    out, listing = workdir / "instrumented.js", workdir / "mutants.json"
    proc = subprocess.run(["node", str(Path(__file__).with_name("mutate_instrument.mjs")), str(TOOLS),
                           str(widget), str(out), str(listing)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise UsageError(f"--widget: Stryker's instrumenter could not read {widget}: {last}")
    lines = widget.read_text(encoding="utf-8").splitlines()
    mutants = [_mutant(m, lines) for m in json.loads(listing.read_text(encoding="utf-8"))]
    return out.read_text(encoding="utf-8"), mutants


def _mutant(m: dict[str, Any], lines: list[str]) -> Mutant:
    start, end = m["location"]["start"], m["location"]["end"]  # line 1-based, column 0-based
    first, last = start["line"], end["line"]  # Stryker's locations: lines 0-based here
    if first == last:
        original = lines[first][start["column"]:end["column"]]
    else:
        original = "\n".join([lines[first][start["column"]:], *lines[first + 1:last], lines[last][:end["column"]]])
    before, after = lines[first][:start["column"]], lines[last][end["column"]:]
    mutated = (before + m["replacement"] + after).splitlines() or [""]
    diff = "\n".join([f"- {line}" for line in lines[first:last + 1]][:6] + [f"+ {line}" for line in mutated][:6])
    return Mutant(id=str(m["id"]), mutator=m["mutator"], replacement=m["replacement"], line=start["line"] + 1,
                  original=original, context=lines[first].strip(), diff=diff)


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


# -- the run -------------------------------------------------------------------------------------

def run(scenarios: list[Any], engine: str, widget: Path, out: Path, budget_s: float,
        only: set[str] | None, sample: int | None = None, say: Any = None) -> dict[str, Any]:
    say = say or (lambda line: print(line, flush=True))
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    instrumented, mutants = instrument(widget, out)
    if only:
        mutants = [m for m in mutants if m.id in only]
    if sample and sample < len(mutants):  # evenly spread over the build, the same ones every run
        mutants = [mutants[round(i * len(mutants) / sample)] for i in range(sample)]
    served = out / "spelo-mutated.js"
    serve_switch(served, instrumented, None)
    say(f"{len(mutants)} mutants from Stryker's instrumenter; coverage pass: {len(scenarios)} cells in {engine}")
    coverage: dict[str, set[str]] = {}
    durations: dict[str, float] = {}
    broken: dict[str, str] = {}
    guards = {sc.id: list(sc.guards) for sc in scenarios}
    by_id = {sc.id: sc for sc in scenarios}
    with Harness(RunOptions(output_dir=out / "cells", widget=served, screenshots="failure")) as h:
        for sc in scenarios:
            cov = Coverage()
            r = h.run_cell(sc, engine, [cov])
            if r.outcome.failing:
                broken[sc.id] = r.reason  # fails with no mutant: it cannot judge mutants
            elif r.outcome.ran:
                coverage[sc.id], durations[sc.id] = cov.covered, r.duration_s
        say(f"coverage pass: {len(coverage)} cells reach mutants, {len(broken)} fail with no mutant active "
            f"({time.monotonic() - started:.0f} s)")
        kills: Counter[str] = Counter()
        # A killed mutant would otherwise cost each cell its whole timeout (a cell waits for its
        # expectation until then): as Stryker does, a mutant gets the cell's time without one,
        # times a factor, plus a constant.
        quick = {c: by_id[c].model_copy(update={"timeout_s": min(by_id[c].timeout_s, durations[c] * TIME_FACTOR + TIME_PLUS_S)})
                 for c in coverage}
        for m in mutants:
            m.cells = [c for c in coverage if m.id in coverage[c]]
            m.promises = sorted({p for c in m.cells for p in guards[c]})
            if not m.cells:
                m.status = "not covered"
                continue
            if time.monotonic() - started > budget_s:
                continue  # stays "not run (budget)"
            serve_switch(served, instrumented, m.id)
            m.status = "survived"
            for cid in sorted(m.cells, key=lambda c: (-kills[c], durations[c])):
                if time.monotonic() - started > budget_s:  # out of time mid-way: not judged
                    m.status = "not run (budget)"
                    break
                r = h.run_cell(quick[cid], engine)
                if any(LOOPING in line for line in r.console):
                    m.status, m.killed_by = "timed out", cid
                    break
                if r.outcome.failing:  # killed
                    m.status, m.killed_by = "killed", cid
                    kills[cid] += 1
                    break
            say(f"  #{m.id} {m.mutator} line {m.line}: {m.status}" + (f" by {m.killed_by}" if m.killed_by else "")
                + f" ({time.monotonic() - started:.0f} s)")
        serve_switch(served, instrumented, None)
    mark_equivalents(mutants, load_equivalents())
    return report(mutants, broken, engine, widget, time.monotonic() - started, budget_s)


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
    for m in mutants:
        if m.status not in ("survived", "not covered"):  # a reviewed unreachable mutant is equivalent too
            continue
        for row in reviewed:
            if ((row["mutator"], row["original"], row["replacement"]) == (m.mutator, m.original, m.replacement)
                    and row.get("context", m.context) == m.context):
                m.status, m.equivalent = "equivalent", row["reason"]


def report(mutants: list[Mutant], broken: dict[str, str], engine: str, widget: Path, took: float,
           budget_s: float) -> dict[str, Any]:
    counts = Counter(m.status for m in mutants)
    detected = counts["killed"] + counts["timed out"]
    judged = detected + counts["survived"]
    per_promise: dict[str, Counter[str]] = {}
    for m in mutants:
        for p in m.promises or ["(no promise)"]:
            per_promise.setdefault(p, Counter())[m.status] += 1
    return {
        "engine": engine, "widget": str(widget), "seconds": round(took, 1), "budget_s": budget_s,
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
    print(f"mutation score {rep['score']}% (of covered mutants: {rep['score_covered']}%) in {rep['engine']}: "
          + ", ".join(f"{c.get(k, 0)} {k}" for k in ("killed", "survived", "timed out", "not covered",
                                                       "equivalent", "not run (budget)"))
          + f"; {rep['seconds']:.0f} s of a {rep['budget_s']:.0f} s budget")
    for cid, why in rep["cells_failing_without_mutant"].items():
        print(f"  cell failing with no mutant active (left out): {cid}: {why}")
    print("per promise (mutants reached by the cells that guard it):")
    for p, counts in rep["per_promise"].items():
        print(f"  {p}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    for m in rep["mutants"]:
        if m["status"] in ("survived", "not covered"):
            print(f"{m['status']}: #{m['id']} {m['mutator']} at line {m['line']} (cells: {', '.join(m['cells']) or 'none'})")
            print("    " + m["diff"].replace("\n", "\n    "))


def html_report(rep: dict[str, Any]) -> str:
    """One page: the score, the counts per promise, every mutant with its verdict and diff."""
    from html import escape

    c = rep["counts"]
    rows = "".join(
        f"<tr class='{escape(m['status'].split()[0])}'><td>#{escape(m['id'])}</td><td>{escape(m['mutator'])}</td>"
        f"<td>{m['line']}</td><td>{escape(m['status'])}</td><td>{escape(m['killed_by'] or m['equivalent'] or '')}</td>"
        f"<td><pre>{escape(m['diff'])}</pre></td></tr>" for m in rep["mutants"])
    promises = "".join(f"<tr><td>{escape(p)}</td><td>{escape(', '.join(f'{n} {k}' for k, n in sorted(v.items())))}</td></tr>"
                       for p, v in rep["per_promise"].items())
    return ("<!doctype html><meta charset=utf-8><title>Spelo mutation score</title><style>"
            "body{font:14px system-ui;margin:2em}td{border-bottom:1px solid #ddd;padding:4px 8px;vertical-align:top}"
            "pre{margin:0}.survived td{background:#fde8e8}.killed td{background:#e8f6ea}</style>"
            f"<h1>Mutation score {rep['score']}% <small>(covered: {rep['score_covered']}%)</small></h1>"
            f"<p>{escape(rep['engine'])}, {escape(rep['widget'])}: "
            + escape(", ".join(f"{n} {k}" for k, n in sorted(c.items())))
            + f"; {rep['seconds']:.0f} s of a {rep['budget_s']:.0f} s budget.</p>"
            f"<h2>Per promise</h2><table>{promises}</table><h2>Mutants</h2>"
            f"<table><tr><th>id</th><th>mutator</th><th>line</th><th>verdict</th><th>by / why</th><th>diff</th></tr>{rows}</table>")
