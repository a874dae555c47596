"""The run's settings, crossing from the command line to the pytest child once.

`spelo-harness run` (matrix.py) checks a RunRequest and hands it to pytest whole, as JSON in one
option (--spelo-request); a person who runs pytest directly gives the plugin's own options, which
become the same RunRequest here. Either way the plugin reads its settings from that one request
(SpeloState.request), and the runner's options are made from it by one function, run_options().
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness import paths
from harness.errors import UsageError
from harness.matrix import REQUEST_OPTION, RunRequest, check_settings, request_from_json, resolve_judge
from harness.runner import RunOptions


def from_pytest(config: pytest.Config) -> RunRequest:
    """The request of a plain `pytest` run, from the plugin's options (and pytest-playwright's)."""
    def opt(name: str, default: Any = None) -> Any:
        return config.getoption(name, default=default)

    screenshots = str(opt("--spelo-screenshots", "each"))
    if screenshots == "each" and opt("--screenshot", "off") == "only-on-failure":
        screenshots = "failure"  # pytest-playwright's word for our "failure", where ours is left alone
    dirs = opt("--spelo-scenarios")
    return RunRequest(
        scenarios=[Path(d) for d in dirs] if dirs else [paths.SCENARIO_DIR],
        browsers=list(opt("--browser") or []), output=Path(opt("--output", str(paths.DEFAULT_OUTPUT))),
        widget=opt("--widget"), headed=bool(opt("--headed", False)), screenshots=screenshots,
        profile=Path(opt("--spelo-profile")) if opt("--spelo-profile") else None, shard=opt("--spelo-shard"),
        durations=Path(opt("--spelo-durations")) if opt("--spelo-durations") else None,
        connect=opt("--spelo-connect"), listen=opt("--spelo-listen"),
        against=Path(opt("--spelo-against")) if opt("--spelo-against") else None,
        observe=bool(opt("--spelo-observe", False)), grid=str(opt("--spelo-grid", "outcome")), judge=opt("--spelo-judge"),
        slowmo_ms=int(opt("--slowmo", 0) or 0), tracing=str(opt("--tracing", "off") or "off"),
        results=Path(opt("--spelo-results")) if opt("--spelo-results") else None,
    )


def request_of(config: pytest.Config) -> RunRequest:
    """The run's request, read once per process: the parent's, already checked by it, or the
    plain pytest run's, checked here by the same function (matrix.check_settings)."""
    given = config.getoption(REQUEST_OPTION, default=None)
    try:
        if given:
            return request_from_json(str(given))
        request = from_pytest(config)
        if not hasattr(config, "workerinput"):  # the controller checks; xdist workers get the same argv
            check_settings(request)
        return request
    except UsageError as e:
        raise pytest.UsageError(str(e)) from None


def run_options(request: RunRequest) -> RunOptions:
    """The runner's options: the one place a request becomes them (the profile read once)."""
    from harness.profile import REFERENCE, load_profile
    from harness.scenarios import ScenarioError

    try:
        profile = load_profile(request.profile) if request.profile is not None else REFERENCE
        judge = resolve_judge(request.judge, request.profile, request.against)
    except (ScenarioError, UsageError) as e:
        raise pytest.UsageError(str(e)) from None
    return RunOptions(
        profile=profile,
        output_dir=request.output,
        widget=Path(request.widget) if request.widget else paths.REFERENCE_WIDGET,
        headed=request.headed,
        slowmo_ms=request.slowmo_ms,
        trace=request.tracing in ("on", "retain-on-failure"),
        screenshots=request.screenshots,
        connect=request.connect,
        listen=request.listen,
        observe=request.observe or request.against is not None,
        judge=judge,
    )


def results_path(request: RunRequest) -> Path:
    return request.results if request.results is not None else request.output / "results.json"
