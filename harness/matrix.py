"""One run of the matrix, as `run`, `soak` (and any later caller) ask for it: a typed request,
checked before any browser starts, then pytest with the plugin in a child process.

Callers build a RunRequest and call run_matrix(); nothing re-parses argv text to get here.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import paths
from harness.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from harness.widget_build import check_widget

if TYPE_CHECKING:
    from harness.origins import Network

SCREENSHOTS = ("each", "end", "failure")
JUDGES = ("contract", "universal", "snapshot")  # what decides a cell's outcome (runner.RunOptions.judge)
GRIDS = ("outcome", "detail")  # the terminal grid: verdicts, or verdicts with state and text (report/grid.py)
TRACING = ("off", "on", "retain-on-failure")  # pytest-playwright's --tracing words


@dataclass
class RunRequest:
    """Everything one run of the matrix needs; the defaults are the `run` command's defaults."""

    scenarios: list[Path] = field(default_factory=lambda: [paths.SCENARIO_DIR])
    browsers: list[str] = field(default_factory=list)  # empty: every usable engine
    workers: str = "1"  # a number ≥ 1 or "auto"
    output: Path = paths.DEFAULT_OUTPUT
    keyword: str | None = None  # pytest -k
    widget: str | None = None  # a path or an http(s) URL
    headed: bool = False
    screenshots: str = "each"  # one of SCREENSHOTS
    profile: Path | None = None
    shard: str | None = None  # "I/N"
    durations: Path | None = None
    connect: str | None = None  # a Playwright server's ws:// endpoint
    listen: str | None = None  # with connect: the fixture server's address
    against: Path | None = None  # a snapshot that judges each cell (snapshot.py)
    observe: bool = False  # record what each cell perceived at rest (record)
    grid: str = "outcome"  # the terminal grid: one of GRIDS
    judge: str | None = None  # one of JUDGES; None: the profile's (contract)
    # Besides the `run` command's: what a plain pytest run may also give (pytest-playwright's
    # --slowmo and --tracing, the plugin's --spelo-results), so one request carries every setting.
    slowmo_ms: int = 0
    tracing: str = "off"  # one of TRACING
    results: Path | None = None  # the results file (default: output/results.json)


REQUEST_OPTION = "--spelo-request"  # the plugin's option that carries the whole request (harness/settings.py)
_PATHS = ("output", "profile", "durations", "against", "results")  # fields that are a Path (or None)


def request_to_json(request: RunRequest) -> str:
    """The whole request, paths absolute (the child may resolve them from another folder)."""
    data: dict[str, Any] = asdict(request)
    data["scenarios"] = [str(Path(p).resolve()) for p in request.scenarios]
    for name in _PATHS:
        value = getattr(request, name)
        data[name] = str(Path(value).resolve()) if value is not None else None
    return json.dumps(data, sort_keys=True)


def request_from_json(text: str) -> RunRequest:
    """The request a parent serialised; a UsageError (one line) for text that is not one."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise UsageError(f"{REQUEST_OPTION}: not JSON: {e}") from None
    known = {f.name for f in fields(RunRequest)}
    if not isinstance(data, dict) or set(data) - known:
        raise UsageError(
            f"{REQUEST_OPTION}: not a run request (unknown: {', '.join(sorted(set(data) - known))})"
            if isinstance(data, dict)
            else f"{REQUEST_OPTION}: not a run request"
        )
    data["scenarios"] = [Path(p) for p in data.get("scenarios", [])]
    for name in _PATHS:
        if data.get(name) is not None:
            data[name] = Path(data[name])
    return RunRequest(**data)


def check(request: RunRequest) -> RunRequest:
    """Every input a run takes, checked before any browser starts (a UsageError names the first
    bad one); returns the request as the pytest child gets it: the widget build a local file
    (fetched if it was a URL) and the judge decided."""
    from harness.scenarios import load_all

    from harness.input_checks import check_output_folder

    scenarios = load_all(list(request.scenarios))  # bad input stops here, before any browser starts
    if not scenarios:
        raise UsageError(f"no scenarios found in {', '.join(map(str, request.scenarios))}")
    check_output_folder(request.output)
    widget = check_widget(request.widget, request.output)
    return replace(check_settings(request), widget=str(widget.resolve()) if widget else None)


def check_settings(request: RunRequest) -> RunRequest:
    """The request's settings, checked in one place: by the CLI before the pytest child starts,
    and by the plugin for a plain pytest run (settings.request_of). A UsageError names the first
    bad one; the request comes back with its judge decided (the child need not read the profile
    for it again)."""
    default_judge = "contract"
    if request.profile is not None:
        from harness.profile import load_profile

        default_judge = load_profile(request.profile).judge
    if request.shard is not None:
        from harness.shard import parse_shard

        parse_shard(request.shard)
    workers = request.workers
    if workers != "auto" and not (workers.isdigit() and int(workers) >= 1):
        raise UsageError(f"--workers: expected a number ≥ 1 or 'auto', got {workers!r}")
    if request.screenshots not in SCREENSHOTS:
        raise UsageError(f"--screenshots: expected one of {', '.join(SCREENSHOTS)}, got {request.screenshots!r}")
    if request.grid not in GRIDS:
        raise UsageError(f"--grid: expected one of {', '.join(GRIDS)}, got {request.grid!r}")
    if request.tracing not in TRACING:
        raise UsageError(f"--tracing: expected one of {', '.join(TRACING)}, got {request.tracing!r}")
    if request.against is not None:
        from harness.snapshot import loaded

        loaded(str(request.against))  # a bad baseline: one line (SnapshotError), before any browser starts
    judge = resolve_judge(request.judge, request.against, default_judge, request.profile)
    if request.listen and not request.connect:
        raise UsageError("--listen: only with --connect (local browsers reach the fixture server on 127.0.0.1)")
    if request.connect:
        from harness.engines.playwright.remote import check_endpoint, network

        try:
            check_endpoint(request.connect)  # a few seconds at most, before any cell
            network(request.connect, request.listen)
        except ValueError as e:
            raise UsageError(str(e)) from None
    return replace(request, judge=judge)


def pytest_args(checked: RunRequest) -> list[str]:
    """The pytest command line of a checked request (check()): pytest's own options (what to
    collect, workers, -k), pytest-playwright's --browser and --output (its own fixtures read
    them), and every setting of the run, whole, in one option the plugin reads (settings.py)."""
    args = [str(p) for p in checked.scenarios] + [
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "-o",
        "addopts=",
        "-o",
        "console_output_style=classic",
        "--rootdir",
        str(paths.ROOT),
        "--output",
        str(checked.output),
        "-W",
        "ignore::DeprecationWarning",
        "--spelo-progress",
        REQUEST_OPTION,
        request_to_json(checked),
    ]
    for b in checked.browsers:
        args += ["--browser", b]
    if checked.workers != "1":
        args += ["-n", checked.workers]
    if checked.keyword:
        args += ["-k", checked.keyword]
    return args


def resolve_judge(asked: str | None, against: Path | None, default: str = "contract", profile: Path | None = None) -> str:
    """The run's judge: asked for (--judge), else the profile's default (its `judge`); a snapshot
    judge needs its baseline (--against), and a baseline judges by snapshot only. A UsageError
    otherwise."""
    if asked is not None and asked not in JUDGES:
        raise UsageError(f"--judge: expected one of {', '.join(JUDGES)}, got {asked!r}")
    judge = asked or ("snapshot" if against is not None else default)
    if judge == "snapshot" and against is None:
        where = "--judge snapshot" if asked else f"{profile}: judge: snapshot"
        raise UsageError(f"{where} needs its baseline: give --against SNAPSHOT (made by spelo-harness record)")
    if against is not None and judge != "snapshot":
        raise UsageError(f"--against judges each cell by its snapshot; it cannot go with --judge {judge}")
    return judge


def run_matrix(request: RunRequest) -> int:
    """Check the request, seal the network, run pytest with the plugin; 0 all cells as expected,
    1 some failed, 2 bad input (raised as UsageError) or no cell matched."""
    checked = check(request)
    argv = pytest_args(checked)
    # Sealed before pytest starts (this process has one thread): the child inherits the network
    # namespace with only lo, so all test traffic, WebRTC included, stays on loopback.
    from harness import sandbox

    status = sandbox.seal_for(request.connect, _network(request))  # not with --connect (see there)
    print(f"spelo-harness: {sandbox.status_line(status)}", file=sys.stderr, flush=True)
    # pytest in a child process: Ctrl-C and SIGTERM reach it as its interrupt (it closes the
    # browsers and writes the results), and whatever the run leaves is killed (harness/reaper.py).
    from harness import reaper

    code = reaper.run_group([sys.executable, "-m", "pytest", *argv])
    if code == 5:  # pytest: nothing collected (e.g. -k matched no cell)
        print("spelo-harness: no cell matched", file=sys.stderr)
        return EXIT_USAGE
    if code == 4:  # pytest's usage error (e.g. --browser names an engine that cannot run), said on stderr
        return EXIT_USAGE
    return EXIT_OK if code == 0 else EXIT_FAILED


def _network(request: RunRequest) -> Network | None:
    """The run's network with --connect (checked by check() already), for the seal's status."""
    if not request.connect:
        return None
    from harness.engines.playwright.remote import network

    return network(request.connect, request.listen)
