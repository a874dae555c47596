"""spelo-harness record / approve: write and update snapshots (the format and the judge: harness/snapshot.py).

    spelo-harness record BASELINE [--runs N] [RUN OPTIONS ...]   # run the matrix (N times), write what each cell perceived
    spelo-harness run --against BASELINE ...          # each cell judged by the baseline: moved = failed
    spelo-harness approve BASELINE [--results R.json ...]  # take a run's observations into the baseline

`record` is `run` itself (same parser, same defaults, so shards, --widget, --profile all work)
with the observation at rest switched on; the baseline is then written from the run's
results.json. A sharded recording joins its shards with `approve BASELINE --replace --results R1 R2`.
The baseline is read and checked before any browser starts: a bad one is one line, exit 2.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from harness import paths
from harness.commands import run
from harness.errors import EXIT_USAGE, UsageError
from harness.matrix import run_matrix


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rec = sub.add_parser(
        "record",
        help="run the matrix and write what a visitor perceived in each cell to a baseline",
        description="Everything after BASELINE is passed to `spelo-harness run` "
        "(scenarios, --browser, -k, --widget, --profile, --shard, --output ...).",
    )
    rec.add_argument("baseline", type=Path, help="the snapshot file to write (YAML), e.g. snapshots/mybuild.yaml")
    rec.add_argument(
        "--runs",
        type=_runs,
        default=1,
        metavar="N",
        help="run the matrix N times; a fact that differs between the runs is recorded as varying, "
        "with each value seen (the build's races), and a later run may show any of them",
    )
    rec.add_argument("run_args", nargs=argparse.REMAINDER, help="options of `spelo-harness run`")
    rec.set_defaults(func=main)

    app = sub.add_parser("approve", help="take a run's new observations into a baseline snapshot")
    app.add_argument("baseline", type=Path, help="the snapshot file to update (created when missing)")
    app.add_argument(
        "--results",
        type=Path,
        nargs="+",
        metavar="RESULTS.json",
        help=f"results of `record` or `run --against` runs, e.g. each shard's (default: {paths.DEFAULT_OUTPUT}/results.json)",
    )
    app.add_argument(
        "--replace", action="store_true", help="the baseline holds exactly these results' cells (e.g. joining a sharded recording)"
    )
    app.set_defaults(func=approve)


class _RunOptions(argparse.ArgumentParser):
    """`run`'s options as record takes them: a bad one is a usage error (one line, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"record: {message}")


def main(args: argparse.Namespace) -> int:
    if args.baseline.suffix not in (".yaml", ".yml"):
        raise UsageError(f"record: {args.baseline}: a snapshot is a YAML file (.yaml)")
    args.runs, run_args = _runs_option(args.runs, list(args.run_args))
    parser = _RunOptions(prog="spelo-harness record BASELINE")
    run.add_arguments(parser)
    parsed = parser.parse_args(run_args)
    if "--screenshots" not in args.run_args:
        parsed.screenshots = "end"  # the baseline keeps the final picture; step pictures cost time
    request = replace(run.request(parsed), observe=True)
    outputs = [request.output] if args.runs == 1 else [request.output / f"run-{k}" for k in range(1, args.runs + 1)]
    for k, output in enumerate(outputs, 1):
        if len(outputs) > 1:
            print(f"record: run {k} of {len(outputs)} into {output}", flush=True)
        code = run_matrix(replace(request, output=output))
        if code == EXIT_USAGE:
            return code
    from harness.profile import load_profile  # checked by run_matrix already

    profile = load_profile(request.profile).name if request.profile is not None else "reference"
    return _take(
        args.baseline,
        [outputs[0] / "results.json"],
        replace=True,
        verb="recorded",
        profile=profile,
        more=[o / "results.json" for o in outputs[1:]],
    )


def approve(args: argparse.Namespace) -> int:
    files = args.results or [paths.DEFAULT_OUTPUT / "results.json"]
    return _take(args.baseline, files, replace=args.replace, verb="approved")


def _runs_option(runs: int, rest: list[str]) -> tuple[int, list[str]]:
    """--runs N given after BASELINE lands among the run options (argparse's REMAINDER): taken out."""
    out: list[str] = []
    i = 0
    while i < len(rest):
        if rest[i] == "--runs":
            if i + 1 >= len(rest):
                raise UsageError("record: --runs: expected a number of runs")
            runs, i = _checked_runs(rest[i + 1]), i + 2
            continue
        if rest[i].startswith("--runs="):
            runs = _checked_runs(rest[i].split("=", 1)[1])
        else:
            out.append(rest[i])
        i += 1
    return runs, out


def _checked_runs(value: str) -> int:
    try:
        return _runs(value)
    except argparse.ArgumentTypeError as e:
        raise UsageError(f"record: --runs: {e}") from None


def _runs(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 20:
        raise argparse.ArgumentTypeError(f"expected a number of runs from 1 to 20, got {value!r}")
    return int(value)


def _take(baseline: Path, files: list[Path], replace: bool, verb: str, profile: str | None = None, more: list[Path] | None = None) -> int:
    from harness.merge import merge, read
    from harness.snapshot import load, races, take

    results, _, _ = merge([read(f) for f in files])  # MergeError and SnapshotError are UsageErrors
    more_runs = [merge([read(f)])[0] for f in more or []]
    try:
        moved, count = take(baseline, results, profile, replace, more_runs=more_runs)
    except OSError as e:
        raise UsageError(f"{baseline}: cannot write: {e.strerror or e}") from None
    observed = sum(r.outcome.ran for r in results)
    print(
        f"{verb} {count} cells into {baseline} ({observed} observed, {count - observed} not observed)"
        + (f"; {len(moved)} moved:" if moved else "")
    )
    for cell, moves in sorted(moved.items()):
        print(f"  {cell}")
        for m in moves:
            print(f"    {m}")
    if more_runs:
        found = races(load(baseline).cells)
        print(
            f"races: {len(found)} facts varied between the {len(more_runs) + 1} runs"
            + (" (recorded as varying: a later run may show any value seen)" if found else "")
        )
        for line in found:
            print(f"  {line}")
    return 0
