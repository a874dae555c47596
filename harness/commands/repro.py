"""spelo-harness repro: one cell, for a developer chasing one quirk.

Prints each step and the URLs as it goes, where the artifacts are, and the verdict with
expected vs seen. With --keep-server the fixture server (and the cell's site) stay up so the
same page can be poked at by hand; Ctrl-C ends it.
"""

from __future__ import annotations

import argparse
import difflib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from harness import paths, sandbox
from harness.commands.options import add_widget_option
from harness.engines import ENGINE_NAMES
from harness.errors import EXIT_FAILED, EXIT_OK, UsageError
from harness.model import Outcome
from harness.results import cell_id
from harness.widget_build import check_widget

if TYPE_CHECKING:
    from harness.runner import Harness


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("repro", help="run one cell step by step and show its evidence")
    p.add_argument("scenario", help="the scenario id, e.g. blocked-prompt")
    p.add_argument("--browser", required=True, choices=ENGINE_NAMES)
    p.add_argument("--scenarios", type=Path, default=paths.SCENARIO_DIR, help="scenario file or folder")
    add_widget_option(p)
    p.add_argument("--profile", type=Path, help="the widget profile (YAML) of that build")
    p.add_argument(
        "--judge",
        choices=("contract", "universal"),
        default=None,
        help="what decides the cell (default: the profile's judge; a snapshot judge needs run --against)",
    )
    p.add_argument("--output", type=Path, default=paths.DEFAULT_OUTPUT / "repro")
    p.add_argument("--headed", action="store_true", help="show the browser")
    p.add_argument("--trace", action="store_true", help="record a Playwright trace (Playwright engines)")
    p.add_argument("--slowmo", type=int, default=0, metavar="MS", help="slow each browser action down")
    p.add_argument("--keep-server", action="store_true", help="keep the fixture server up after the cell")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from harness.engines.usable import engines_not_run
    from harness.profile import REFERENCE, load_profile
    from harness.runner import Harness, RunOptions
    from harness.scenarios import load_all

    scenarios = {s.id: s for s in load_all([args.scenarios])}  # a bad file raises UsageError's kind
    profile = load_profile(args.profile) if args.profile else REFERENCE
    scenario = scenarios.get(args.scenario)
    if scenario is None:
        near = difflib.get_close_matches(args.scenario, list(scenarios), n=3)
        raise UsageError(f"no scenario {args.scenario!r}" + (f"; did you mean {', '.join(near)}?" if near else ""))
    if args.browser not in scenario.engines:
        raise UsageError(f"{args.scenario} does not run in {args.browser} (engines: {', '.join(scenario.engines)})")
    # As run --browser: an engine that cannot run here stops with why (exit 2), not a skipped cell.
    engines_not_run([args.browser])
    from harness.input_checks import check_output_folder

    check_output_folder(args.output)
    widget = check_widget(args.widget, args.output) or paths.REFERENCE_WIDGET

    print(f"repro: {sandbox.seal()}")
    options = RunOptions(
        output_dir=args.output,
        widget=widget,
        profile=profile,
        headed=args.headed,
        slowmo_ms=args.slowmo,
        trace=args.trace,
        on_event=lambda line: print(f"  {line}", flush=True),
        keep_sites=args.keep_server,
        judge=args.judge or (profile.judge if profile.judge != "snapshot" else "contract"),
    )
    with Harness(options) as harness:
        print(f"{cell_id(scenario.id, args.browser)}: {scenario.title}\n  from {scenario.source}")
        result = harness.run_cell(scenario, args.browser)
        for line in result.means:
            print(f"  means: {line}")
        print(f"  artifacts: {result.artifacts}")
        if result.screenshot:
            print(f"  final screenshot: {result.screenshot}")
        trace = Path(result.artifacts) / "trace.zip"
        if trace.exists():
            print(f"  trace: {trace}  (open with: playwright show-trace {trace})")
        print(f"{result.cell_id}: pass" if result.outcome is Outcome.PASS else result.explain())
        if args.keep_server:
            keep_serving(harness, result.url)
    return EXIT_OK if result.ok else EXIT_FAILED


def keep_serving(harness: Harness, url: str) -> None:
    from harness.engines.playwright.chromium import command_line
    from harness.origins import LOOPBACK, MAPPED_HOSTS

    om = harness.env.origins
    # Ctrl-C and SIGTERM end the wait; armed before the lines that tell a person (or a test)
    # the server is up, so a signal right after them cannot land outside the wait.
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print("\nThe fixture server stays up (Ctrl-C ends it). The cell's page:")
    print(f"  {url}")
    print(f"Hostnames map to {LOOPBACK}; for Chromium:\n  {command_line(MAPPED_HOSTS, harness.server.ca.leaf_spki_sha256())}")
    if sandbox.seal_status() == sandbox.SEALED:
        print(
            f"The run is sealed in its own network namespace; reach it from there, e.g.:\n"
            f"  nsenter --net=/proc/{os.getpid()}/ns/net chromium {url}  (ports {om.http_port}, {om.https_port})"
        )
    sys.stdout.flush()
    stop.wait()
