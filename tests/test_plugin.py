"""The pytest plugin, tested with pytest's own pytester: the state object, the fixture ladder
(each rung overridable), pytest-playwright's option words, and the user example in examples/.
Every run is a child process: pytest-playwright's plugin cannot nest in this one."""

from __future__ import annotations

import json
import shutil

import pytest

from harness import paths

pytestmark = pytest.mark.timeout(240)
EXAMPLE = paths.ROOT / "examples" / "test_user_example.py"
ARGS = ("-p", "no:cacheprovider", "-o", "addopts=", "-p", "xdist", "-n", "0")


def test_state_is_one_registered_object_and_the_ladder_reads_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_state="""
        from harness.plugin_state import STATE, SpeloState

        def test_state(request, spelo_options):
            state = request.config.pluginmanager.get_plugin(STATE)
            assert isinstance(state, SpeloState)
            assert spelo_options is state.options  # computed once, handed down the ladder
            assert state.options.screenshots == "failure"  # --screenshot only-on-failure
            assert state.options.trace  # --tracing retain-on-failure records, keeps failures' only
    """
    )
    result = pytester.runpytest_subprocess(
        *ARGS, "--screenshot", "only-on-failure", "--tracing", "retain-on-failure", "--output", str(pytester.path / "out")
    )
    result.assert_outcomes(passed=1)


def test_a_conftest_overrides_spelo_options_and_spelo_harness_uses_them(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import dataclasses
        import pytest

        @pytest.fixture(scope="session")
        def spelo_options(spelo_options, tmp_path_factory):
            return dataclasses.replace(spelo_options, output_dir=tmp_path_factory.mktemp("mine"), slowmo_ms=7)
    """)
    pytester.makepyfile(
        test_override="""
        from harness.plugin_state import spelo_state

        def test_override(request, spelo_harness):
            assert spelo_harness.options.slowmo_ms == 7
            assert spelo_harness.options.output_dir.name.startswith("mine")
            assert spelo_harness is not spelo_state(request.config)._harness  # its own, not the cells'
            assert spelo_harness.env.slowmo_ms == 7
    """
    )
    result = pytester.runpytest_subprocess(*ARGS, "--output", str(pytester.path / "out"))
    result.assert_outcomes(passed=1)


def test_spelo_engine_follows_browser_as_pytest_playwright_does(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_engines="""
        def test_engine(spelo_engine):
            pass
    """
    )
    result = pytester.runpytest_subprocess(*ARGS, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*test_engine[[]chromium[]]*"])
    result = pytester.runpytest_subprocess(*ARGS, "--collect-only", "-q", "--browser", "firefox", "--browser", "webkit")
    result.stdout.fnmatch_lines(["*test_engine[[]firefox[]]*", "*test_engine[[]webkit[]]*"])


def test_the_user_example_runs_and_can_fail(pytester: pytest.Pytester) -> None:
    """examples/test_user_example.py in real Chromium; a wrong expectation in it fails."""
    shutil.copy(EXAMPLE, pytester.path / "test_example.py")
    result = pytester.runpytest_subprocess(*ARGS, "--browser", "chromium", "--output", str(pytester.path / "out"))
    result.assert_outcomes(passed=1)
    broken = EXAMPLE.read_text(encoding="utf-8").replace('== "Microphone access needed"', '== "All good"')
    (pytester.path / "test_example.py").write_text(broken, encoding="utf-8")
    result = pytester.runpytest_subprocess(*ARGS, "--browser", "chromium", "--output", str(pytester.path / "out"))
    result.assert_outcomes(failed=1)


CELLS = """
scenarios:
  - id: plain-pass
    title: the widget is there
    engines: [chromium]
    steps: [reload]
    expect:
      present: true
  - id: plain-fail
    title: a wrong expectation
    engines: [chromium]
    timeout_s: 2
    steps: [reload]
    expect:
      status: "no such status"
"""


def test_tracing_retain_on_failure_keeps_failed_cells_traces_only(pytester: pytest.Pytester) -> None:
    cells = pytester.path / "cells.yaml"
    cells.write_text(CELLS, encoding="utf-8")
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess(
        *ARGS, str(cells), "--browser", "chromium", "--output", str(out), "--tracing", "retain-on-failure", "--spelo-screenshots", "failure"
    )
    result.assert_outcomes(passed=1, failed=1)
    assert not (out / "cells" / "plain-pass-chromium" / "trace.zip").exists()
    assert (out / "cells" / "plain-fail-chromium" / "trace.zip").is_file()
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))["results"]
    for r in results:  # each cell's time by phase, in order, within the cell's duration
        assert list(r["phases"])[:3] == ["engine check", "launch" if r is results[0] else "reuse", "context"]
        assert {"navigation", "expect", "teardown"} <= set(r["phases"]) or r["outcome"] == "fail"
        assert sum(r["phases"].values()) <= r["duration_s"] + 0.01
