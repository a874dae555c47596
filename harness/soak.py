"""spelo-harness soak: run the matrix N times and name every cell whose outcome changed.

Each run goes through exactly the path of `spelo-harness run` (the same parser, so the same
defaults, and cmd_run itself) into OUTPUT/run-01, run-02 ...; the soak then compares the
outcomes cell by cell. A cell that passed once and failed once is flaky: the soak exits 1 and
shows, for each such cell, every run's outcome and the reason of each run that differed.
A cell missing from a run (its worker died, the run was cut short) counts as a change.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from harness import paths
from harness.engines import ENGINE_NAMES

MISSING = "missing"


def register(sub) -> None:
    p = sub.add_parser("soak", help="run the matrix N times and report every cell whose outcome changed")
    p.add_argument("scenarios", nargs="*", type=Path, default=[paths.SCENARIO_DIR],
                   help="scenario files or folders (default: scenarios/)")
    p.add_argument("--runs", type=int, default=3, help="how many times to run the matrix (at least 2)")
    p.add_argument("--browser", action="append", choices=ENGINE_NAMES, help="an engine to run (repeatable)")
    p.add_argument("-k", dest="keyword", help="only cells matching this pytest -k expression")
    p.add_argument("--workers", "-n", default="1", help="parallel workers per run: a number or 'auto'")
    p.add_argument("--output", type=Path, default=paths.DEFAULT_OUTPUT / "soak",
                   help="folder for run-01, run-02 ... and soak.json (default: test-results/soak)")
    p.set_defaults(func=cmd)


def cmd(args: argparse.Namespace) -> int:
    from harness import cli
    from harness.errors import UsageError

    if args.runs < 2:
        raise UsageError(f"--runs: at least 2 runs are needed to compare outcomes, got {args.runs}")
    runs: list[dict[str, dict]] = []  # per run: cell id -> {outcome, reason}
    codes: list[int] = []
    for i in range(1, args.runs + 1):
        out = args.output / f"run-{i:02d}"
        (out / "results.json").unlink(missing_ok=True)  # never read a previous soak's file
        run_args = cli.build_parser().parse_args(run_argv(args, out))
        print(f"spelo-harness soak: run {i} of {args.runs} → {out}", flush=True)
        code = cli.cmd_run(run_args)  # the `run` command itself; bad input raises UsageError here
        if code == cli.EXIT_USAGE:
            return code
        codes.append(code)
        runs.append(read_outcomes(out / "results.json"))
    changed = compare(runs)
    summary = {"runs": args.runs, "exit_codes": codes, "cells": len(set().union(*runs)),
               "changed": {cell: [r.get(cell, {"outcome": MISSING}) for r in runs] for cell in changed}}
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "soak.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(render(summary, runs))
    return cli.EXIT_OK if not changed else cli.EXIT_FAILED


def run_argv(args: argparse.Namespace, out: Path) -> list[str]:
    argv = ["run", *map(str, args.scenarios), "--output", str(out), "--workers", str(args.workers)]
    for b in args.browser or []:
        argv += ["--browser", b]
    if args.keyword:
        argv += ["-k", args.keyword]
    return argv


def read_outcomes(path: Path) -> dict[str, dict]:
    """cell id -> {outcome, reason} of one run; empty when the run wrote no results."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {f"{r['scenario']}[{r['engine']}]": {"outcome": r["outcome"], "reason": r.get("reason", "")}
            for r in data.get("results", [])}


def compare(runs: list[dict[str, dict]]) -> list[str]:
    """Cells whose outcome is not the same in every run (missing counts as an outcome)."""
    cells = sorted(set().union(*runs))
    return [c for c in cells if len({r.get(c, {"outcome": MISSING})["outcome"] for r in runs}) > 1]


def render(summary: dict, runs: list[dict[str, dict]]) -> str:
    lines = [f"soak: {summary['runs']} runs of {summary['cells']} cells; "
             f"{len(summary['changed'])} changed outcome between runs"]
    for cell, seen in summary["changed"].items():
        outcomes = [s["outcome"] for s in seen]
        usual = Counter(outcomes).most_common(1)[0][0]
        lines.append(f"  FLAKY {cell}: " + ", ".join(outcomes))
        for i, s in enumerate(seen, 1):
            if s["outcome"] != usual:
                lines.append(f"    run-{i:02d} {s['outcome']}: {s.get('reason', '')[:300]}")
    return "\n".join(lines)
