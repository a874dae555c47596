"""The pool: cells reach each worker grouped by browser, and a browser no later cell needs is
closed, never while one of its tabs is open."""

from __future__ import annotations

from typing import Iterator

import subprocess
import sys
from pathlib import Path

import pytest

from harness import paths
from harness.engines import get_engine
from harness.engines.base import Situation
from harness.model import CellId
from harness.runner import Harness, RunOptions
from harness.scenarios import load_all


def test_cells_are_collected_grouped_by_the_browser_that_serves_them() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", str(paths.SCENARIO_DIR)],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    scenarios = {s.id: s for s in load_all([paths.SCENARIO_DIR])}
    keys = []
    for line in proc.stdout.splitlines():
        found = CellId.of_nodeid(line.strip())
        if found is None:  # pytest's summary lines
            continue
        cell = found[1]
        keys.append(get_engine(cell.engine).launch_key(scenarios[cell.scenario].situation(cell.engine)))
    assert len(keys) == sum(len(s.engines) for s in scenarios.values())
    runs = [k for n, k in enumerate(keys) if n == 0 or keys[n - 1] != k]  # one entry per stretch
    assert len(runs) == len(set(keys)), f"a browser's cells come in more than one stretch: {runs}"


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    with Harness(RunOptions(output_dir=tmp_path)) as h:
        yield h


def test_a_finished_idle_browser_is_closed_and_the_others_kept(harness: Harness) -> None:
    pool = harness.pool
    fake, none = Situation(device="fake"), Situation(device="none")
    fake_key = get_engine("chromium").launch_key(fake)
    pool.new_tab("chromium", fake).close()
    fake_browser = pool.browser("chromium", fake)
    pool.new_tab("chromium", none).close()
    none_browser = pool.browser("chromium", none)
    pool.close_finished(lambda key: key == fake_key)
    assert not fake_browser.is_connected()
    assert none_browser.is_connected()
    pool.new_tab("chromium", none).close()  # served by the browser kept
    assert pool.launches["chromium"] == 2


def test_a_browser_with_an_open_tab_is_kept_even_when_finished(harness: Harness) -> None:
    pool = harness.pool
    held = pool.new_tab("chromium", Situation(device="fake"))
    try:
        pool.close_finished(lambda key: True)
        assert held.evaluate("1 + 1") == 2  # its browser still serves it
    finally:
        held.close()
    pool.close_finished(lambda key: True)
    assert pool.new_tab("chromium", Situation(device="fake")).evaluate("2") == 2
    assert pool.launches["chromium"] == 2
