"""Options more than one command takes, defined once (run and soak share the matrix's)."""
from __future__ import annotations

import argparse
from pathlib import Path

from harness import paths
from harness.engines import ENGINE_NAMES
from harness.matrix import RunRequest


def add_matrix_options(p: argparse.ArgumentParser, *, output: Path, output_help: str, workers_help: str) -> None:
    """Which cells to run and where: scenarios, --browser, -k, --workers, --output."""
    p.add_argument("scenarios", nargs="*", type=Path, default=[paths.SCENARIO_DIR],
                   help="scenario files or folders (default: scenarios/)")
    p.add_argument("--browser", action="append", choices=ENGINE_NAMES,
                   help="an engine to run (repeatable; default: all usable engines)")
    p.add_argument("--workers", "-n", default=RunRequest.workers, help=workers_help)
    p.add_argument("-k", dest="keyword", help="only cells matching this pytest -k expression")
    p.add_argument("--output", type=Path, default=output, help=output_help)


def add_widget_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--widget", help="a widget build to test in place of the reference spelo.js: a path, an http(s) URL, or an npm "
                   "package at an exact version (npm:NAME@X.Y.Z[/file], fetched with npm and checked against its integrity hash)")
