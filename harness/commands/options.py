"""Options more than one command takes, defined once (run and soak share the matrix's)."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness import paths
from harness.engines import ENGINE_NAMES
from harness.matrix import RunRequest


SEED = ":seed"  # names the harness's own seed catalog among scenario folders


def scenario_path(text: str) -> Path:
    """A scenario file or folder; `:seed` is the seed catalog that comes with the harness, so a
    user's folder can extend it (`spelo-harness run :seed my-scenarios`)."""
    return paths.SCENARIO_DIR if text == SEED else Path(text)


def add_matrix_options(p: argparse.ArgumentParser, *, output: Path, output_help: str, workers_help: str) -> None:
    """Which cells to run and where: scenarios, --browser, -k, --workers, --output."""
    p.add_argument(
        "scenarios",
        nargs="*",
        type=scenario_path,
        default=[paths.SCENARIO_DIR],
        help=f"scenario files or folders; {SEED} is the seed catalog that comes with the harness (the default)",
    )
    p.add_argument("--browser", action="append", choices=ENGINE_NAMES, help="an engine to run (repeatable; default: all usable engines)")
    p.add_argument("--workers", "-n", default=RunRequest.workers, help=workers_help)
    p.add_argument("-k", dest="keyword", help="only cells matching this pytest -k expression")
    p.add_argument("--output", type=Path, default=output, help=output_help)


def add_widget_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--widget",
        help="a widget build to test in place of the reference spelo.js: a path, an http(s) URL, or an npm "
        "package at an exact version (npm:NAME@X.Y.Z[/file], fetched with npm and checked against its integrity hash)",
    )
