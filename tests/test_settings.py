"""The run's settings cross to the pytest child once: the whole RunRequest as JSON in one option,
read back whole; a plain pytest run makes the same request from its options and checks it with
the same function (bad settings: one line); xdist workers get the controller's request."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import MISSING, Field, fields, replace
from pathlib import Path

import pytest

from harness import paths
from harness.errors import UsageError
from harness.matrix import REQUEST_OPTION, RunRequest, check_settings, pytest_args, request_from_json, request_to_json
from harness.settings import run_options

pytestmark = pytest.mark.timeout(240)
ARGS = ("-p", "no:cacheprovider", "-o", "addopts=", "-p", "xdist")


def every_field_set(tmp_path: Path) -> RunRequest:
    """A request whose every field differs from its default (so a field the JSON drops shows)."""
    return RunRequest(
        scenarios=[tmp_path / "a", tmp_path / "b.yaml"],
        browsers=["firefox", "webkit"],
        workers="3",
        output=tmp_path / "out",
        keyword="blocked and not iframe",
        widget=str(tmp_path / "w.js"),
        headed=True,
        screenshots="end",
        profile=tmp_path / "p.yaml",
        shard="2/3",
        durations=tmp_path / "d.json",
        connect="ws://127.0.0.1:3000/",
        listen="127.0.0.1",
        against=tmp_path / "base.yaml",
        observe=True,
        grid="detail",
        judge="snapshot",
        slowmo_ms=5,
        tracing="retain-on-failure",
        results=tmp_path / "r.json",
    )


def default_of(f: Field[object]) -> object:
    return f.default_factory() if f.default is MISSING and f.default_factory is not MISSING else f.default


def test_the_request_round_trips_whole(tmp_path: Path) -> None:
    request = every_field_set(tmp_path)
    unset = [f.name for f in fields(RunRequest) if getattr(request, f.name) == default_of(f)]
    assert unset == [], f"give these fields a value in every_field_set: {unset}"
    assert request_from_json(request_to_json(request)) == request


def test_relative_paths_cross_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    back = request_from_json(request_to_json(RunRequest(scenarios=[Path("s")], output=Path("out"))))
    assert back.scenarios == [tmp_path / "s"] and back.output == tmp_path / "out"


def test_the_child_gets_the_settings_in_one_option(tmp_path: Path) -> None:
    request = every_field_set(tmp_path)
    argv = pytest_args(request)
    assert argv.count(REQUEST_OPTION) == 1
    assert request_from_json(argv[argv.index(REQUEST_OPTION) + 1]) == request
    ours = [a for a in argv if a.startswith("--spelo-")]
    assert ours == ["--spelo-progress", REQUEST_OPTION], ours  # progress is the CLI's display, not a setting
    # pytest's own (what to collect, workers, -k) and pytest-playwright's (its fixtures read them)
    assert argv[:2] == [str(p) for p in request.scenarios]
    for flag, value in (("-n", "3"), ("-k", request.keyword), ("--output", str(request.output))):
        assert argv[argv.index(flag) + 1] == value
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--browser"] == ["firefox", "webkit"]


@pytest.mark.parametrize(
    "text, words",
    [
        ("{", "not JSON"),
        ("[1]", "not a run request"),
        ('{"workers": "1", "colour": "red"}', "unknown: colour"),
    ],
)
def test_a_request_that_is_not_one_is_a_usage_error(text: str, words: str) -> None:
    with pytest.raises(UsageError, match=words) as e:
        request_from_json(text)
    assert "\n" not in str(e.value) and str(e.value).startswith(REQUEST_OPTION)


def test_checking_decides_the_judge_and_run_options_take_it(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(paths.REFERENCE_PROFILE.read_text(encoding="utf-8") + "judge: universal\n", encoding="utf-8")
    checked = check_settings(RunRequest(profile=profile))
    assert checked.judge == "universal"
    options = run_options(replace(checked, slowmo_ms=4, tracing="on", screenshots="failure"))
    assert (options.judge, options.slowmo_ms, options.trace, options.screenshots) == ("universal", 4, True, "failure")
    with pytest.raises(UsageError, match="needs its baseline"):
        check_settings(RunRequest(judge="snapshot"))
    with pytest.raises(UsageError, match="--tracing"):
        check_settings(RunRequest(tracing="sometimes"))


STATE_TEST = """
import json
from pathlib import Path
from harness.matrix import request_to_json
from harness.plugin_state import spelo_state

def test_state(request, spelo_options):
    state = spelo_state(request.config)
    assert spelo_options is state.options
    if hasattr(request.config, "workerinput"):
        assert json.loads(request.config.workerinput["spelo_request"]) == json.loads(request_to_json(state.request))
    options = [state.options.judge, state.options.slowmo_ms, state.options.screenshots]
    Path("seen.json").write_text(json.dumps([request_to_json(state.request), options]))  # xdist keeps stdout
"""


def _seen(pytester: pytest.Pytester) -> tuple[RunRequest, list[object]]:
    request, options = json.loads((pytester.path / "seen.json").read_text(encoding="utf-8"))
    return request_from_json(request), options


def test_a_plain_pytest_run_makes_the_request_from_its_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_state=STATE_TEST)
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess(
        *ARGS,
        "-n",
        "0",
        "--output",
        str(out),
        "--slowmo",
        "3",
        "--spelo-judge",
        "universal",
        "--spelo-grid",
        "detail",
        "--screenshot",
        "only-on-failure",
        "--spelo-shard",
        "1/1",
    )
    result.assert_outcomes(passed=1)
    request, options = _seen(pytester)
    assert (request.judge, request.grid, request.slowmo_ms, request.shard, request.output) == ("universal", "detail", 3, "1/1", out)
    assert options == ["universal", 3, "failure"]


def test_the_child_reads_the_request_and_workers_get_the_controllers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_state=STATE_TEST)
    given = RunRequest(
        scenarios=[pytester.path], output=pytester.path / "out", judge="universal", slowmo_ms=9, screenshots="end", grid="detail"
    )
    result = pytester.runpytest_subprocess(*ARGS, "-n", "1", REQUEST_OPTION, request_to_json(given))
    result.assert_outcomes(passed=1)
    request, options = _seen(pytester)
    assert request == given
    assert options == ["universal", 9, "end"]


@pytest.mark.parametrize(
    "option, words",
    [
        (["--spelo-shard", "3/2"], "'3/2' is not a shard"),
        (["--spelo-profile", "no-such-profile.yaml"], "no-such-profile.yaml"),
        (["--spelo-judge", "snapshot"], "needs its baseline"),
        (["--spelo-listen", "127.0.0.1"], "--listen: only with --connect"),
    ],
)
def test_bad_settings_in_a_plain_pytest_run_are_one_line(tmp_path: Path, option: list[str], words: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "scenarios", "-p", "no:cacheprovider", "-q", "-o", "addopts=", "--output", str(tmp_path), *option],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=paths.ROOT,
    )
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr  # pytest's usage error
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], done.stderr
    assert "Traceback" not in done.stdout + done.stderr
