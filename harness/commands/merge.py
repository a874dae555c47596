"""spelo-harness merge: join results files of several runs (the joining itself: harness/merge.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.errors import EXIT_OK
from harness.merge import DEFAULT_OUTPUT, MergeError, merge, read
from harness.model import Outcome
from harness.results import write_results


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("merge", help="join results files (e.g. from shards) into one results.json and reports")
    p.add_argument("files", nargs="*", type=Path, metavar="RESULTS.json", help="results files of runs")
    p.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"folder for the merged results.json, report.html and junit.xml (default: {DEFAULT_OUTPUT})",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from harness.report import write_reports

    results, meta, repeats = merge([read(f) for f in args.files])  # MergeError: one line, exit 2
    out = args.output
    try:
        write_results(out / "results.json", results, meta)
        reports = write_reports(out, results, meta)
    except OSError as e:
        raise MergeError(f"cannot write to {out}: {e.strerror or e}") from None
    counts = ", ".join(f"{sum(r.outcome == o for r in results)} {o}" for o in Outcome if any(r.outcome == o for r in results))
    n = len(args.files)
    print(
        f"merged {n} file{'s' if n != 1 else ''}: {len(results)} cells ({counts})"
        + (f"; {repeats} cells in more than one file with the same outcome, counted once" if repeats else "")
    )
    print(f"results: {out / 'results.json'}")
    for kind, path in reports.items():
        print(f"{kind}: {path}")
    return EXIT_OK
