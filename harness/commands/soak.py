"""spelo-harness soak: run the matrix N times and name every cell whose outcome changed
(comparing and rendering: harness/soak.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness import paths
from harness.commands.options import add_matrix_options
from harness.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from harness.matrix import RunRequest, run_matrix
from harness.soak import MISSING, compare, read_outcomes, render


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("soak", help="run the matrix N times and report every cell whose outcome changed")
    add_matrix_options(
        p,
        output=paths.DEFAULT_OUTPUT / "soak",
        output_help="folder for run-01, run-02 ... and soak.json (default: test-results/soak)",
        workers_help="parallel workers per run: a number or 'auto'",
    )
    p.add_argument("--runs", type=int, default=3, help="how many times to run the matrix (at least 2)")
    p.set_defaults(func=main)


def run_request(args: argparse.Namespace, out: Path) -> RunRequest:
    """One run of the soak: `run`'s defaults, the soak's matrix options, its own folder."""
    return RunRequest(
        scenarios=list(args.scenarios), browsers=list(args.browser or []), workers=args.workers, keyword=args.keyword, output=out
    )


def main(args: argparse.Namespace) -> int:
    if args.runs < 2:
        raise UsageError(f"--runs: at least 2 runs are needed to compare outcomes, got {args.runs}")
    runs: list[dict[str, dict[str, str]]] = []  # per run: cell id -> {outcome, reason}
    codes: list[int] = []
    for i in range(1, args.runs + 1):
        out = args.output / f"run-{i:02d}"
        (out / "results.json").unlink(missing_ok=True)  # never read a previous soak's file
        print(f"spelo-harness soak: run {i} of {args.runs} → {out}", flush=True)
        code = run_matrix(run_request(args, out))  # the `run` command's own path; bad input raises UsageError
        if code == EXIT_USAGE:
            return code
        codes.append(code)
        runs.append(read_outcomes(out / "results.json"))
    changed = compare(runs)
    summary = {
        "runs": args.runs,
        "exit_codes": codes,
        "cells": len(set().union(*runs)),
        "changed": {cell: [r.get(cell, {"outcome": MISSING}) for r in runs] for cell in changed},
    }
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "soak.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(render(summary, runs))
    return EXIT_OK if not changed else EXIT_FAILED
