"""One run of the matrix, as `run`, `soak` (and any later caller) ask for it: a typed request,
checked before any browser starts, then pytest with the plugin in a child process.

Callers build a RunRequest and call run_matrix(); nothing re-parses argv text to get here.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness import paths
from harness.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from harness.widget_build import check_widget

if TYPE_CHECKING:
    from harness.origins import Network

SCREENSHOTS = ("each", "end", "failure")
JUDGES = ("contract", "universal", "snapshot")  # what decides a cell's outcome (runner.RunOptions.judge)
GRIDS = ("outcome", "detail")  # the terminal grid: verdicts, or verdicts with state and text (report/grid.py)


@dataclass
class RunRequest:
    """Everything one run of the matrix needs; the defaults are the `run` command's defaults."""

    scenarios: list[Path] = field(default_factory=lambda: [paths.SCENARIO_DIR])
    browsers: list[str] = field(default_factory=list)  # empty: every usable engine
    workers: str = "1"                                  # a number ≥ 1 or "auto"
    output: Path = paths.DEFAULT_OUTPUT
    keyword: str | None = None                          # pytest -k
    widget: str | None = None                           # a path or an http(s) URL
    headed: bool = False
    screenshots: str = "each"                           # one of SCREENSHOTS
    profile: Path | None = None
    shard: str | None = None                            # "I/N"
    durations: Path | None = None
    connect: str | None = None                          # a Playwright server's ws:// endpoint
    listen: str | None = None                           # with connect: the fixture server's address
    against: Path | None = None                         # a snapshot that judges each cell (snapshot.py)
    observe: bool = False                               # record what each cell perceived at rest (record)
    grid: str = "outcome"                               # the terminal grid: one of GRIDS
    judge: str | None = None                            # one of JUDGES; None: the profile's (contract)


def check(request: RunRequest) -> Path | None:
    """Every input a run takes, checked before any browser starts (a UsageError names the first
    bad one); returns the widget build as a local file, fetched if it was a URL."""
    from harness.scenarios import load_all

    from harness.input_checks import check_output_folder

    scenarios = load_all(list(request.scenarios))  # bad input stops here, before any browser starts
    if not scenarios:
        raise UsageError(f"no scenarios found in {', '.join(map(str, request.scenarios))}")
    check_output_folder(request.output)
    widget = check_widget(request.widget, request.output)
    if request.profile is not None:
        from harness.profile import load_profile

        load_profile(request.profile)
    if request.shard is not None:
        from harness.shard import parse_shard

        parse_shard(request.shard)
    workers = request.workers
    if workers != "auto" and not (workers.isdigit() and int(workers) >= 1):
        raise UsageError(f"--workers: expected a number ≥ 1 or 'auto', got {workers!r}")
    if request.screenshots not in SCREENSHOTS:
        raise UsageError(f"--screenshots: expected one of {', '.join(SCREENSHOTS)}, got {request.screenshots!r}")
    if request.against is not None:
        from harness.snapshot import load

        load(request.against)  # a bad baseline: one line (SnapshotError), before any browser starts
    resolve_judge(request.judge, request.profile, request.against)
    if request.listen and not request.connect:
        raise UsageError("--listen: only with --connect (local browsers reach the fixture server on 127.0.0.1)")
    if request.connect:
        from harness.engines.playwright.remote import check_endpoint, network

        try:
            check_endpoint(request.connect)  # a few seconds at most, before any cell
            network(request.connect, request.listen)
        except ValueError as e:
            raise UsageError(str(e)) from None
    return widget


def pytest_args(request: RunRequest, widget: Path | None) -> list[str]:
    """The pytest command line of the request (the plugin's options)."""
    args = [str(p) for p in request.scenarios] + [
        "-p", "no:cacheprovider", "-q", "--no-header", "-o", "addopts=", "-o", "console_output_style=classic",
        "--rootdir", str(paths.ROOT), "--output", str(request.output),
        "--spelo-screenshots", request.screenshots, "-W", "ignore::DeprecationWarning", "--spelo-progress",
    ]
    for p in request.scenarios:  # only these folders' YAML files are collected as cells
        args += ["--spelo-scenarios", str((p if p.is_dir() else p.parent).resolve())]
    for b in request.browsers:
        args += ["--browser", b]
    if widget:
        args += ["--widget", str(widget)]
    if request.profile is not None:
        args += ["--spelo-profile", str(request.profile.resolve())]
    if request.shard is not None:
        args += ["--spelo-shard", request.shard]
    if request.durations is not None:
        args += ["--spelo-durations", str(request.durations.resolve())]
    if request.workers != "1":
        args += ["-n", request.workers]
    if request.keyword:
        args += ["-k", request.keyword]
    if request.headed:
        args.append("--headed")
    if request.against is not None:
        args += ["--spelo-against", str(request.against.resolve())]
    if request.observe:
        args.append("--spelo-observe")
    if request.judge is not None:
        args += ["--spelo-judge", request.judge]
    if request.grid != "outcome":
        args += ["--spelo-grid", request.grid]
    if request.connect:  # the plugin then leaves the seal off (see pytest_configure)
        args += ["--spelo-connect", request.connect] + (["--spelo-listen", request.listen] if request.listen else [])
    return args


def resolve_judge(asked: str | None, profile: Path | None, against: Path | None) -> str:
    """The run's judge: asked for (--judge), else the profile's default; a snapshot judge needs
    its baseline (--against), and a baseline judges by snapshot only. A UsageError otherwise."""
    if asked is not None and asked not in JUDGES:
        raise UsageError(f"--judge: expected one of {', '.join(JUDGES)}, got {asked!r}")
    default = "contract"
    if profile is not None:
        from harness.profile import load_profile

        default = load_profile(profile).judge
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
    widget = check(request)
    argv = pytest_args(request, widget)
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
