"""The run's settings, crossing from the command line to the pytest child once.

`spelo-harness run` (matrix.py) checks a RunRequest and hands it to pytest whole, as JSON in one
option (--spelo-request); a person who runs pytest directly gives the plugin's own options, which
become the same RunRequest here, checked by the same function (matrix.check_settings). xdist
workers get the controller's request in their workerinput. Either way the plugin reads its
settings from that one request (SpeloState.request), and the runner's options are made from it by
one function, run_options().
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import paths
from harness.errors import UsageError
from harness.matrix import REQUEST_OPTION, RunRequest, check_settings, request_from_json, resolve_judge
from harness.runner import RunOptions

WORKER_KEY = "spelo_request"  # the request's JSON in an xdist worker's workerinput


def from_pytest(config: pytest.Config) -> RunRequest:
    """The request of a plain `pytest` run, from the plugin's options (and pytest-playwright's)."""

    def path(name: str) -> Path | None:
        given = config.getoption(name, default=None)
        return Path(given) if given else None

    def text(name: str, default: str | None = None) -> str | None:
        given = config.getoption(name, default=None)
        return str(given) if given else default

    screenshots = text("--spelo-screenshots", "each") or "each"
    if screenshots == "each" and text("--screenshot") == "only-on-failure":
        screenshots = "failure"  # pytest-playwright's word for our "failure", where ours is left alone
    dirs = config.getoption("--spelo-scenarios", default=None)
    return RunRequest(
        scenarios=[Path(d) for d in dirs] if dirs else [paths.SCENARIO_DIR],
        browsers=list(config.getoption("--browser", default=None) or []),
        output=path("--output") or paths.DEFAULT_OUTPUT,
        widget=text("--widget"),
        headed=bool(config.getoption("--headed", default=False)),
        screenshots=screenshots,
        profile=path("--spelo-profile"),
        shard=text("--spelo-shard"),
        durations=path("--spelo-durations"),
        connect=text("--spelo-connect"),
        listen=text("--spelo-listen"),
        against=path("--spelo-against"),
        observe=bool(config.getoption("--spelo-observe", default=False)),
        grid=text("--spelo-grid", "outcome") or "outcome",
        judge=text("--spelo-judge"),
        slowmo_ms=int(config.getoption("--slowmo", default=0) or 0),
        tracing=text("--tracing", "off") or "off",
        results=path("--spelo-results"),
    )


def request_of(config: pytest.Config) -> RunRequest:
    """The run's request, read once per process: an xdist worker's from its controller, the CLI's
    (checked by it) from --spelo-request, or a plain pytest run's from its options, checked here
    by the same function the CLI uses. Bad settings are pytest's usage error: one line."""
    try:
        worker = getattr(config, "workerinput", None)
        if worker is not None and WORKER_KEY in worker:
            return request_from_json(str(worker[WORKER_KEY]))
        given = config.getoption(REQUEST_OPTION, default=None)
        if given:
            return request_from_json(str(given))
        return check_settings(from_pytest(config))
    except UsageError as e:
        raise pytest.UsageError(str(e)) from None


def run_options(request: RunRequest) -> RunOptions:
    """The runner's options: the one place a request becomes them. The profile is read here
    (the child needs it whole; the parent only checked it); the judge, decided by
    check_settings, is confirmed against it without reading anything again."""
    from harness.profile import REFERENCE, load_profile

    profile = load_profile(request.profile) if request.profile is not None else REFERENCE
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
        judge=resolve_judge(request.judge, request.against, profile.judge, request.profile),
    )


def results_path(request: RunRequest) -> Path:
    return request.results if request.results is not None else request.output / "results.json"
