"""spelo-harness gate: hold a release to its baseline (the diff itself: harness/gate.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.errors import UsageError
from harness.gate import Baseline, compare, engines_not_run, load_baseline, load_results


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("gate", help="compare a results file with a baseline; fail on new failures")
    p.add_argument("results", type=Path, help="the results.json of the release candidate")
    p.add_argument(
        "--baseline",
        type=Path,
        required=True,
        action="append",
        help="the last release's results.json, a known-issues YAML file (repeatable: both), or a snapshot (spelo-harness record)",
    )
    p.add_argument("--output", type=Path, help="also write the Markdown diff to this file")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from harness import snapshot

    if args.output is not None and (args.output.is_dir() or not args.output.parent.is_dir()):
        raise UsageError(
            f"--output: {args.output}: " + ("is a folder, not a file" if args.output.is_dir() else "its folder does not exist")
        )
    current = load_results(args.results)  # GateError is a UsageError: cli.main makes it exit 2
    if len(args.baseline) == 1 and snapshot.is_snapshot(args.baseline[0]):
        # What each cell perceived, not which cells failed (SnapshotError is a UsageError too).
        code, text = snapshot.gate(current, snapshot.load(args.baseline[0]))
        return _emit(args, code, text)
    baseline = Baseline()
    for path in args.baseline:
        baseline.add(load_baseline(path))
    code, text = compare(current, baseline, engines_not_run(args.results))
    return _emit(args, code, text)


def _emit(args: argparse.Namespace, code: int, text: str) -> int:
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return code
