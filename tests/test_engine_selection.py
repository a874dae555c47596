"""A run never passes an engine it did not run (issue 12). Reproduced before the change:
`SPELO_WEBKIT_PYTHON=/nonexistent spelo-harness run --browser webkit -k blocked` printed
"3 cells: 3 skipped" and exited 0. Now an engine named with --browser that cannot run stops the
run before any cell with one line and exit 2 (pytest: a usage error); a run of all engines leaves
the unusable ones out and names them in the grid and in results.json. repro --browser does as run."""

from __future__ import annotations

import pytest

import json
import os
import subprocess
import sys
from pathlib import Path

from harness import paths

BROKEN_WEBKIT = {
    **{k: v for k, v in os.environ.items() if k != "SPELO_WEBKIT"},
    "SPELO_WEBKIT_PYTHON": "/nonexistent",
    "SPELO_WEBKIT": "webkitgtk",
}
WHY = "/nonexistent not found (the driver needs the system Python with python3-gi)"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=BROKEN_WEBKIT)


def test_run_stops_when_a_named_engine_cannot_run(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        "-m",
        "harness.cli",
        "run",
        str(paths.SCENARIO_DIR),
        "--browser",
        "webkit",
        "-k",
        "blocked",
        "--output",
        str(tmp_path / "out"),
    )
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]
    assert f"--browser webkit: not usable here: {WHY}" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "out" / "results.json").exists()  # no cell ran


def test_repro_stops_when_its_engine_cannot_run(tmp_path: Path) -> None:
    out = run(tmp_path, "-m", "harness.cli", "repro", "blocked-prompt", "--browser", "webkit", "--output", str(tmp_path / "out"))
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]
    assert out.stderr == f"spelo-harness: --browser webkit: not usable here: {WHY}\n"
    assert out.stdout == "" and not (tmp_path / "out").exists()  # stopped before the harness started


def test_pytest_plugin_says_it_as_a_usage_error(tmp_path: Path) -> None:
    out = run(
        paths.ROOT,
        "-m",
        "pytest",
        str(paths.SCENARIO_DIR),
        "-p",
        "no:cacheprovider",
        "--browser",
        "chromium",
        "--browser",
        "webkit",
        "-k",
        "blocked",
        "--output",
        str(tmp_path / "out"),
    )
    assert out.returncode == 4, out.stdout[-2000:] + out.stderr[-2000:]  # pytest's exit code for usage errors
    assert f"ERROR: --browser webkit: not usable here: {WHY}" in out.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_a_run_of_all_engines_names_the_ones_that_did_not_run(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        "-m",
        "harness.cli",
        "run",
        str(paths.SCENARIO_DIR),
        "-k",
        "blocked-prompt and chromium",
        "--output",
        str(tmp_path / "out"),
        "--screenshots",
        "failure",
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert f"NOT RUN: webkit: {WHY}" in " ".join(out.stdout.split())
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["meta"]["engines_not_run"] == {"webkit": WHY}
    assert [r["engine"] for r in data["results"]] == ["chromium"]


def test_choosing_the_webkit_engine_leaves_no_driver_running(monkeypatch: pytest.MonkeyPatch) -> None:
    """The choice asks Playwright where its WebKit build is; a sync driver left up after that
    (it happens at collection, for every cell's launch key) holds this thread's asyncio loop as
    running, and every later asyncio.run() or sync_playwright() in the process fails."""
    import asyncio

    from harness.engines import choose
    from harness.engines.playwright import tab as playwright_tab

    monkeypatch.delenv("SPELO_WEBKIT", raising=False)
    assert playwright_tab._playwright is None
    choose("webkit")
    assert playwright_tab._playwright is None

    async def nothing() -> None:  # asyncio.run() refuses to start inside a running loop
        return None

    asyncio.run(nothing())
