"""Our own hostile builds (tests/hostile/builds/*.js, each put in front of the reference widget):
each cell is ended by the harness within its bound, recorded with a verdict that says what was
seen, and the next cell gets a fresh browser.

The time asserted is an upper bound derived from the harness's own bounds (not a speed test):
the page's load (Playwright's timeout + margin, then a short probe) or a step's call, each
followed by at most three escalation steps (close the page, kill the browser, kill the driver),
plus a margin for a loaded machine. A browser's launch is not counted (it is the pool's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
import re
from pathlib import Path

import pytest

from harness import limits, paths
from harness.engines import availability
from harness.engines.playwright.tab import CALL_BOUND_S, LOAD_PROBE_BOUND_S, OWN_TIMEOUT_MARGIN_S
from harness.engines.watchdog import ESCALATE_S
from harness.results import Result
from harness.runner import Harness, RunOptions
from harness.scenarios import load_file
from hostile_notes import note

if TYPE_CHECKING:
    from conftest import RunCli

BUILDS = Path(__file__).parent / "builds"
ENGINES = ("chromium", "firefox", "webkit")
MARGIN_S = 15.0  # a loaded machine: two cores shared by several runs of browsers

CELL = """
scenarios:
  - id: hostile
    title: "A hostile build: the visitor clicks the orb"
    permission: granted
    timeout_s: 5
    steps: [{click: orb}]
    expect: {state: listening}
  - id: after
    title: "The cell after a hostile one: the page loads in a fresh browser and shows the orb"
    permission: granted
    timeout_s: 5
    steps: [{expect: {present: true}}]
    expect: {present: true}
"""
TIMEOUT_S = 5.0
# The longest a cell's own part may take: loading (bound, probe) + one step's call + the poll's
# deadline, and every escalation; launch and context are the pool's.
CELL_BOUND_S = CALL_BOUND_S + OWN_TIMEOUT_MARGIN_S + LOAD_PROBE_BOUND_S + CALL_BOUND_S + TIMEOUT_S + 3 * ESCALATE_S


def hostile_build(name: str, into: Path) -> Path:
    """The hostile snippet, then the reference widget: the snippet runs first, in the same script."""
    built = into / f"{name}.js"
    built.write_text(
        (BUILDS / f"{name}.js").read_text(encoding="utf-8") + "\n" + paths.REFERENCE_WIDGET.read_text(encoding="utf-8"), encoding="utf-8"
    )
    return built


def run_hostile(name: str, engine: str, tmp_path: Path, cells: tuple[str, ...] = ("hostile",)) -> list[Result]:
    if not availability(engine).usable:
        pytest.skip(f"{engine} not usable here")
    scenarios = {s.id: s for s in load_file(_cells(tmp_path))}
    widget = hostile_build(name, tmp_path)
    with Harness(RunOptions(widget=widget, output_dir=tmp_path / "out", screenshots="end")) as h:
        return [h.run_cell(scenarios[c], engine) for c in cells]


def _cells(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(CELL, encoding="utf-8")
    return path


def own_time(result: Result) -> float:
    """The cell's time without the browser's launch or reuse and its context (the pool's part)."""
    return result.duration_s - sum(v for k, v in result.phases.items() if k in ("launch", "reuse", "context"))


def assert_in_bound(result: Result) -> None:
    assert own_time(result) <= CELL_BOUND_S + MARGIN_S, (result.phases, result.reason)
    kept = ", ".join(f"{k}: {v:,} dropped" for k, v in sorted(result.dropped.items()))
    note(f"{result.outcome}: {result.reason or '(no reason)'}" + (f" [{kept}]" if kept else ""), own_time(result))


@pytest.mark.parametrize("engine", ENGINES)
def test_busy_click_is_ended_and_the_next_cell_gets_a_fresh_browser(engine: str, tmp_path: Path) -> None:
    hung, after = run_hostile("busy-click", engine, tmp_path, ("hostile", "after"))
    assert hung.outcome == "fail"
    assert re.match(r"the page's script did not yield for \d+ s after the click on \S", hung.reason), hung.reason
    assert_in_bound(hung)
    assert after.outcome == "pass", after.reason


@pytest.mark.parametrize("engine", ENGINES)
def test_busy_load_is_ended_with_a_verdict_not_a_harness_error(engine: str, tmp_path: Path) -> None:
    (hung,) = run_hostile("busy-load", engine, tmp_path)
    assert hung.outcome == "fail"
    assert re.search(r"did not (yield|answer) for \d+ s while loading http", hung.reason), hung.reason
    assert "harness error" not in hung.reason and "Traceback" not in hung.reason
    assert_in_bound(hung)


@pytest.mark.parametrize("engine", ENGINES)
def test_console_flood_is_capped_and_counted(engine: str, tmp_path: Path) -> None:
    (cell,) = run_hostile("console-flood", engine, tmp_path)
    assert len(cell.console) <= limits.CONSOLE_LINES
    assert cell.dropped.get("console", 0) > 0, cell.dropped
    if cell.outcome == "fail" and "did not" in cell.reason:  # ended while flooding: it says so
        assert re.match(r"console flood: [\d,]+ lines by then, the first 1,000 kept; ", cell.reason), cell.reason
    assert_in_bound(cell)


@pytest.mark.parametrize("engine", ENGINES)
def test_network_flood_is_capped_and_counted(engine: str, tmp_path: Path) -> None:
    (cell,) = run_hostile("network-flood", engine, tmp_path)
    assert len(cell.api_log) <= limits.API_LOG_ENTRIES
    # Kept up to the cap and the rest counted. How many of the 3,000 arrive before the cell ends
    # depends on the machine's load (a loaded WebKitGTK may log fewer than the cap): a log at the
    # cap must have counted what it dropped.
    if len(cell.api_log) == limits.API_LOG_ENTRIES:
        assert cell.dropped.get("api_log", 0) > 0, cell.dropped
    else:
        assert len(cell.api_log) > 0 and not cell.dropped.get("api_log"), (len(cell.api_log), cell.dropped)
    assert_in_bound(cell)


@pytest.mark.parametrize("engine", ENGINES)
def test_getusermedia_flood_is_capped_in_what_is_probed(engine: str, tmp_path: Path) -> None:
    (cell,) = run_hostile("gum-flood", engine, tmp_path)
    assert cell.dropped.get("gum", 0) > 0, cell.dropped
    assert all(len(v) <= limits.OBSERVED_ITEMS for v in cell.seen.values() if isinstance(v, list))
    assert_in_bound(cell)


def test_cli_records_the_ended_cell_everywhere(tmp_path: Path, run_cli: RunCli) -> None:
    """results.json, JUnit and the HTML report carry the verdict; no traceback; exit 1."""
    if not availability("chromium").usable:
        pytest.skip("chromium not usable here")
    widget = hostile_build("busy-click", tmp_path)
    out = tmp_path / "out"
    done = run_cli(
        "run", str(_cells(tmp_path)), "--browser", "chromium", "--widget", str(widget), "--workers", "1", "--output", str(out), timeout=240
    )
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    results = {r["scenario"]: r for r in json.loads((out / "results.json").read_text())["results"]}
    assert results["after"]["outcome"] == "pass"
    verdict = results["hostile"]["reason"]
    assert verdict.startswith("the page's script did not yield for "), verdict
    for report in ("junit.xml", "report.html"):
        assert "did not yield for" in (out / report).read_text(encoding="utf-8"), report
    assert "did not yield for" in done.stdout  # the grid's footnote


def test_an_ended_cell_is_a_fact_of_its_snapshot(tmp_path: Path) -> None:
    """record / run --against: the ended cell's observation says what ended it, with the counts
    and seconds that vary from run to run left out (so an unchanged build records the same)."""
    if not availability("chromium").usable:
        pytest.skip("chromium not usable here")
    scenarios = {s.id: s for s in load_file(_cells(tmp_path))}
    widget = hostile_build("busy-click", tmp_path)
    with Harness(RunOptions(widget=widget, output_dir=tmp_path / "out", screenshots="end", observe=True)) as h:
        cell = h.run_cell(scenarios["hostile"], "chromium")
    assert cell.observed == {"unobservable": re.sub(r"\d+ s ", "N s ", cell.reason)}, cell.observed
    assert "did not yield for N s after the click on" in cell.observed["unobservable"]
