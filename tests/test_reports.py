"""The reports a run leaves next to results.json: JUnit XML (parsed back), the merge command
(good merges, and every bad input as one line and exit 2), and the HTML report opened in a real
Chromium from a file:// URL. The results are made here, with tiny PNGs, so the tests are fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

import json
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from harness.model import Outcome
from harness.report import write_reports
from harness.report.artifacts import Shot, ShotStore
from harness.report.html import write_html
from harness.report.junit import write_junit
from harness.results import FORMAT, Mismatch, Result, StepRecord, write_results

if TYPE_CHECKING:
    from conftest import RunCli
    from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
MISMATCH = "tooltip: expected 'Mic access is blocked', seen 'use the padlock'"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, made with zlib and struct only."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def make_results(out: Path, machine: str | None = None) -> list[Result]:
    """One cell of each outcome, with screenshots under out/cells/<cell>/. With machine, the
    results name the files as another machine saw them (as a shard's results file does)."""

    def shot(cell: str, name: str, rgb: tuple[int, int, int]) -> str:
        path = out / "cells" / cell / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tint = zlib.crc32(cell.encode()) % 50  # each cell's pictures differ from the others'
        path.write_bytes(png(64, 40, (rgb[0], rgb[1], rgb[2] + tint)))
        return f"{machine}/cells/{cell}/{name}" if machine else str(path)

    def cell(scenario: str, engine: str, outcome: str, **kw: Any) -> Result:
        d = f"{scenario}-{engine}"
        steps = [
            StepRecord(1, "click orb", shot(d, "01-click-orb.png", (200, 180, 40))),
            StepRecord(2, "click continue", shot(d, "02-click-continue.png", (40, 120, 200))),
        ]
        return Result(
            scenario=scenario,
            engine=engine,
            outcome=Outcome(outcome),
            title=f"{scenario} title",
            source="/x/scenarios/microphone.yaml:5",
            engine_version="1.0",
            steps=steps,
            screenshot=shot(d, "final.png", (30, 160, 60)),
            artifacts=f"{machine}/cells/{d}" if machine else str(out / "cells" / d),
            duration_s=1.5,
            **{"console": ["[log] [Spelo] ready"], **kw},
        )

    return [
        cell("allow", "chromium", "pass", expected={"state": "listening"}, seen={"state": "listening"}),
        cell("allow", "firefox", "pass"),
        cell(
            "blocked",
            "chromium",
            "fail",
            reason="not as expected after 10 s: " + MISMATCH,
            expected={"tooltip": "Mic access is blocked"},
            seen={"tooltip": "use the padlock"},
            mismatches=[Mismatch("tooltip", "Mic access is blocked", "use the padlock", MISMATCH)],
            api_log=[{"method": "GET", "endpoint": "config", "path": "/v1/s/config"}],
        ),
        cell("blocked", "firefox", "quirk", reason="Firefox reads it as prompt", evidence="BROWSER-FACTS.md"),
        cell("blocked", "webkit", "limit", reason="no WebRTC"),
        cell("silent", "chromium", "stale-quirk", reason="the quirk no longer happens", console=["[error] bad \x1b[31m colour"]),
        cell(
            "silent",
            "firefox",
            "skipped",
            reason="no silent fake device",
            peer={"audio": {"seconds": 1.2, "rms": 0.01, "peak": 0.2}, "states": [{"state": "connected"}]},
        ),
    ]


# -- JUnit ------------------------------------------------------------------------------------------


def test_junit_one_suite_per_engine_and_counts_per_outcome(tmp_path: Path) -> None:
    results = make_results(tmp_path)
    root = ET.parse(write_junit(tmp_path / "junit.xml", results)).getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["chromium", "firefox", "webkit"]
    assert [(s.get("tests"), s.get("failures"), s.get("skipped")) for s in suites.values()] == [
        ("3", "2", "0"),
        ("3", "0", "1"),
        ("1", "0", "0"),
    ]
    assert root.get("tests") == str(len(results))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {r.cell_id for r in results}
    assert all(c.get("classname") == "microphone" for c in cases.values())
    failure = child(cases["blocked[chromium]"], "failure")
    assert failure.get("type") == "fail" and MISMATCH in (failure.text or "")
    assert child(cases["silent[chromium]"], "failure").get("type") == "stale-quirk"
    assert child(cases["silent[firefox]"], "skipped").get("message") == "no silent fake device"
    quirk = cases["blocked[firefox]"]
    assert quirk.find("failure") is None and quirk.find("skipped") is None
    assert {p.get("name"): p.get("value") for p in quirk.iter("property")}["outcome"] == "quirk"
    assert "Firefox reads it as prompt" in (child(quirk, "system-out").text or "")
    assert "limit" in (child(cases["blocked[webkit]"], "system-out").text or "")
    assert cases["allow[chromium]"].find("system-out") is None


def child(element: ET.Element, tag: str) -> ET.Element:
    """The element's first child of that tag, which the test expects to be there."""
    found = element.find(tag)
    assert found is not None, f"no <{tag}> in <{element.tag} name={element.get('name')!r}>"
    return found


def test_write_reports_writes_both_files(tmp_path: Path) -> None:
    results = make_results(tmp_path)
    (tmp_path / "cells" / "blocked-chromium" / "trace.zip").write_bytes(b"PK")
    paths = write_reports(tmp_path, results, {"seal": "sealed"})
    assert set(paths) == {"html report", "junit"}
    assert paths["html report"] == tmp_path / "report.html" and paths["html report"].is_file()
    page = paths["html report"].read_text(encoding="utf-8")
    assert 'href="cells/blocked-chromium/trace.zip"' in page and "playwright show-trace " in page
    assert page.count("show-trace") == 1  # only the cell that has a trace
    ET.parse(paths["junit"])  # control characters of a console line do not break the XML


def test_over_budget_embeds_finals_and_failing_steps_and_links_the_rest(tmp_path: Path) -> None:
    results = make_results(tmp_path)
    shots = ShotStore(results, tmp_path, budget=1)
    passing, failing = results[0], results[2]

    def shot(path: str | None) -> Shot:
        found = shots.get(path)
        assert found is not None, path
        return found

    assert not shot(passing.steps[0].screenshot).embedded
    assert shot(passing.steps[0].screenshot).href == "cells/allow-chromium/01-click-orb.png"
    assert shot(passing.screenshot).embedded and shot(failing.steps[0].screenshot).embedded
    assert shots.linked_only == 2 * sum(r.ok for r in results)
    everything = ShotStore(results, tmp_path)
    assert everything.linked_only == 0 and len(everything.data_uris()) == 3 * len(results)


# -- merge ------------------------------------------------------------------------------------------


def shard(tmp_path: Path, name: str, results: list[Result], meta: dict[str, Any] | None = None) -> Path:
    path = tmp_path / name / "results.json"
    write_results(
        path, results, meta or {"versions": {"chromium": "1.0"}, "seal": "sealed", "widget": "w.js", "launches": {"gw0": {"chromium": 1}}}
    )
    return path


def test_merge_joins_shards_and_finds_their_screenshots(run_cli: RunCli, tmp_path: Path) -> None:
    # Two machines' outputs, copied here: their results name folders that do not exist here.
    every = {r.cell_id: r for r in make_results(tmp_path / "a", machine="/ci/one")}
    make_results(tmp_path / "b", machine="/ci/two")
    a = shard(tmp_path, "a", [r for r in every.values() if r.engine == "chromium"])
    b = shard(tmp_path, "b", [r for r in every.values() if r.engine != "chromium"])
    out = run_cli("merge", str(a), str(b), str(b), "--output", str(tmp_path / "merged"))
    assert out.returncode == 0, out.stderr
    assert "merged 3 files: 7 cells" in out.stdout and "counted once" in out.stdout
    data = json.loads((tmp_path / "merged" / "results.json").read_text())
    assert data["format"] == FORMAT and sorted(Result.from_dict(r).cell_id for r in data["results"]) == sorted(every)
    assert data["meta"]["exitstatus"] == 1 and len(data["meta"]["merged_from"]) == 3
    assert Path(data["results"][0]["screenshot"]).is_file()  # found next to its shard
    assert "data:image/png;base64," in (tmp_path / "merged" / "report.html").read_text()
    assert ET.parse(tmp_path / "merged" / "junit.xml").getroot().get("tests") == "7"


def test_merge_keeps_an_engine_no_shard_ran_named_with_its_reasons(tmp_path: Path) -> None:
    from harness.merge import merge, read

    every = make_results(tmp_path / "a")
    a = shard(tmp_path, "a", [r for r in every if r.engine != "webkit"], {"engines_not_run": {"webkit": "no PyGObject"}})
    b = shard(
        tmp_path,
        "b",
        [r for r in every if r.engine == "chromium"],
        {"engines_not_run": {"firefox": "not installed", "webkit": "no display"}},
    )
    c = shard(
        tmp_path, "c", [Result(scenario="solo", engine="chromium", outcome=Outcome.PASS)], {"engines_not_run": {"webkit": "no PyGObject"}}
    )
    _, meta, _ = merge([read(a), read(b), read(c)])
    # firefox ran cells in shard a: the merged run has it; webkit ran nowhere: it stays named
    assert meta["engines_not_run"] == {"webkit": f"{a}, {c}: no PyGObject | {b}: no display"}
    _, same, _ = merge([read(a), read(c)])
    assert same["engines_not_run"] == {"webkit": "no PyGObject"}
    _, ran, _ = merge([read(b), read(shard(tmp_path, "d", every[:1] + [every[4]]))])  # d ran a webkit cell
    assert ran["engines_not_run"] == {"firefox": "not installed"}


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    good = make_results(tmp_path / "g")
    ok = shard(tmp_path, "ok", good[:2])
    other = shard(tmp_path, "other", [Result(**{**good[0].__dict__, "outcome": "fail", "reason": "x"})])
    (tmp_path / "broken.json").write_text('{"format": "spelo-harness-results/1", "results": [', encoding="utf-8")
    (tmp_path / "foreign.json").write_text('{"results": []}', encoding="utf-8")
    (tmp_path / "future.json").write_text('{"format": "spelo-harness-results/9", "results": []}', encoding="utf-8")
    (tmp_path / "odd.json").write_text(
        json.dumps({"format": FORMAT, "results": [{"scenario": "a", "engine": "chromium", "outcome": "great"}]}), encoding="utf-8"
    )
    (tmp_path / "typed.json").write_text(
        json.dumps({"format": FORMAT, "results": [{"scenario": "a", "engine": "chromium", "outcome": "pass", "duration_s": "slow"}]}),
        encoding="utf-8",
    )
    (tmp_path / "empty.json").write_text(json.dumps({"format": FORMAT, "meta": {}, "results": []}), encoding="utf-8")
    return {
        "no files": ([], "no results files given"),
        "missing": ([str(tmp_path / "nope.json")], "nope.json: cannot read"),
        "malformed JSON": ([str(ok), str(tmp_path / "broken.json")], "broken.json: not JSON"),
        "not ours": ([str(tmp_path / "foreign.json")], 'not a spelo-harness results file (expected "format"'),
        "other format": ([str(tmp_path / "future.json")], "found 'spelo-harness-results/9'"),
        "bad outcome": ([str(tmp_path / "odd.json")], "results[0]: unknown outcome 'great'"),
        "bad type": ([str(tmp_path / "typed.json")], "'duration_s' has the wrong type"),
        "no cells": ([str(tmp_path / "empty.json")], "the given files hold no cells"),
        "duplicate": ([str(ok), str(other)], f"allow[chromium] is in {ok} (pass) and in {other} (fail)"),
    }


@pytest.mark.parametrize(
    "case", ["no files", "missing", "malformed JSON", "not ours", "other format", "bad outcome", "bad type", "no cells", "duplicate"]
)
def test_merge_refuses_bad_input_in_one_line(run_cli: RunCli, tmp_path: Path, case: str) -> None:
    files, expected = _bad_inputs(tmp_path)[case]
    out = run_cli("merge", *files, "--output", str(tmp_path / "merged"), timeout=60)
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.startswith("spelo-harness: merge: ") and out.stderr.count("\n") == 1, out.stderr
    assert expected in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert not (tmp_path / "merged").exists()


# -- the HTML report in a real browser ----------------------------------------------------------------


@pytest.fixture
def chromium_page() -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--disable-background-networking", "--disable-component-update"]
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_html_report_grid_detail_screenshot_and_filter(chromium_page: Page, tmp_path: Path) -> None:
    results = make_results(tmp_path)
    report = write_html(tmp_path / "report.html", results, {"seal": "sealed: network namespace with only lo"})
    page = chromium_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri())
    assert page.title().startswith("Spelo widget matrix: 7 cells, 2 failing")
    assert page.locator("table.grid td.cell").count() == len(results)

    page.locator("table.grid a[href='#cell-blocked-chromium']").click()
    assert page.evaluate("location.hash") == "#cell-blocked-chromium"
    detail = page.locator("section#cell-blocked-chromium")
    assert detail.is_visible()
    assert MISMATCH in detail.inner_text() and "Expected vs seen".upper() in detail.inner_text().upper()
    # the row is marked by the mismatch's field (harness/expect.py), not by matching its text
    assert detail.locator("tr.miss th").all_inner_texts() == ["tooltip"]
    page.wait_for_function(  # the embedded screenshot has loaded (set by the page's script)
        "() => [...document.querySelectorAll('#cell-blocked-chromium img')].some(i => i.complete && i.naturalWidth > 0)", timeout=5000
    )

    passing_row = page.locator("table.grid tr.scenario", has=page.locator("th", has_text="allow"))
    failing_row = page.locator("table.grid tr.scenario", has=page.locator("th", has_text="blocked"))
    assert passing_row.is_visible()
    page.get_by_role("button", name="Failures only").click()
    assert page.get_by_role("button", name="Failures only").get_attribute("aria-pressed") == "true"
    assert passing_row.is_hidden() and failing_row.is_visible()
    assert page.locator("section#cell-allow-chromium").is_hidden()
    assert page.locator("section#cell-blocked-chromium").is_visible()
    assert errors == []


def test_html_report_names_the_engines_that_did_not_run_and_why(chromium_page: Page, tmp_path: Path) -> None:
    results = [r for r in make_results(tmp_path) if r.engine != "webkit"]
    why = "PyGObject (gi) is not importable by /usr/bin/python3"
    report = write_html(tmp_path / "report.html", results, {"seal": "sealed", "engines_not_run": {"webkit": why}})
    page = chromium_page
    page.goto(report.as_uri())
    notice = page.get_by_role("list", name="engines not run")
    assert notice.is_visible() and notice.inner_text() == f"NOT RUN: webkit: {why}"
    assert page.locator(".engine-card.not-run").inner_text().startswith("webkit not run")
    assert page.locator("table.grid th[data-col='webkit']").count() == 0  # no column: said above instead
    plain = write_html(tmp_path / "all.html", results, {"seal": "sealed"})
    page.goto(plain.as_uri())
    assert page.get_by_role("list", name="engines not run").count() == 0
