"""spelo-harness run: the matrix (scenario × engine), its grid and reports."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness import paths
from harness.commands.options import add_matrix_options, add_widget_option
from harness.matrix import GRIDS, JUDGES, SCREENSHOTS, RunRequest, run_matrix


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run the matrix (scenario × engine) and print the grid")
    add_arguments(p)
    p.add_argument(
        "--against",
        type=Path,
        metavar="BASELINE",
        help="judge each cell by this snapshot (spelo-harness record) instead of the scenarios' expectations",
    )
    p.set_defaults(func=main)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of a run of the matrix (record takes them too)."""
    add_matrix_options(
        p,
        output=paths.DEFAULT_OUTPUT,
        output_help="artifacts folder (default: test-results)",
        workers_help="parallel workers: a number or 'auto'",
    )
    add_widget_option(p)
    p.add_argument("--headed", action="store_true", help="show the browsers")
    p.add_argument(
        "--screenshots",
        choices=SCREENSHOTS,
        default=RunRequest.screenshots,
        help="after each step (default: the report shows every step), at the end of each cell, or on failure only; a failed "
        "step always has its own (each step costs 30-90 ms: bench/benchmark.py)",
    )
    p.add_argument(
        "--grid",
        choices=GRIDS,
        default=RunRequest.grid,
        help="the terminal grid: each cell's verdict (default), or its verdict with the state read and "
        "the text the visitor saw, in the build's own words (detail)",
    )
    p.add_argument("--profile", type=Path, help="the widget profile (YAML) of the build under test")
    p.add_argument(
        "--judge",
        choices=JUDGES,
        default=None,
        help="what decides each cell: the scenarios' expectations through the profile (contract), the "
        "properties any microphone widget holds (universal: contract/universal.yaml), or a baseline "
        "(snapshot, with --against); default: the profile's `judge`, else contract",
    )
    p.add_argument("--shard", help="run only shard I of N (e.g. 2/3), split evenly by measured duration")
    p.add_argument("--durations", type=Path, help="a results.json whose durations balance --shard")
    p.add_argument(
        "--connect", metavar="WS_ENDPOINT", help="take Chromium and Firefox from a Playwright server (`playwright run-server --unsafe`)"
    )
    p.add_argument(
        "--listen",
        metavar="ADDRESS",
        help="with --connect to another host: the address of this machine the fixture server listens on "
        "(default: the one the route to that host leaves from)",
    )


def request(args: argparse.Namespace) -> RunRequest:
    return RunRequest(
        scenarios=list(args.scenarios),
        browsers=list(args.browser or []),
        workers=args.workers,
        output=args.output,
        keyword=args.keyword,
        widget=args.widget,
        headed=args.headed,
        screenshots=args.screenshots,
        profile=args.profile,
        shard=args.shard,
        durations=args.durations,
        connect=args.connect,
        listen=args.listen,
        against=getattr(args, "against", None),
        grid=args.grid,
        judge=getattr(args, "judge", None),
    )


def main(args: argparse.Namespace) -> int:
    return run_matrix(request(args))
