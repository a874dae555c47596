"""spelo-harness mutate: the catalog's mutation score against a build (the engine: harness/mutate.py)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from harness import paths
from harness.engines import ENGINE_NAMES
from harness.errors import UsageError
from harness.mutate import html_report, load_equivalents, print_report, run


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("mutate", help="the catalog's mutation score against a build (Stryker's mutants)")
    p.add_argument("scenarios", nargs="*", type=Path, default=[paths.SCENARIO_DIR], help="scenario files or folders (default: scenarios/)")
    p.add_argument("--widget", type=Path, default=paths.REFERENCE_WIDGET, help="the build to mutate (default: the reference)")
    p.add_argument(
        "--browser", action="append", choices=ENGINE_NAMES, help="an engine (repeat for more; default: every engine usable here)"
    )
    p.add_argument(
        "--workers", type=int, default=2, metavar="N", help="worker processes, each with its own server and browsers (default: 2)"
    )
    p.add_argument(
        "--budget",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="seconds for testing mutants, after the coverage pass; the rest are reported 'not run (budget)' (default: 600)",
    )
    p.add_argument("-k", dest="keyword", help="only scenarios whose id contains one of these comma-separated words")
    p.add_argument("--sample", type=int, metavar="N", help="test N mutants spread evenly over the build (the same N every run)")
    p.add_argument("--mutants", help="only these mutant ids (comma-separated), e.g. to re-check survivors")
    p.add_argument(
        "--fail-under", type=float, metavar="PERCENT", help="exit 1 when the mutation score (reviewed equivalents left out) is below this"
    )
    p.add_argument("--output", type=Path, default=paths.DEFAULT_OUTPUT / "mutate", help="where mutation.json and the cells go")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from harness import sandbox
    from harness.engines.usable import engines_not_run
    from harness.scenarios import load_all

    scenarios = load_all(list(args.scenarios))  # a ScenarioError is a UsageError: one line, exit 2
    if args.keyword:
        words = [w.strip() for w in args.keyword.split(",") if w.strip()]
        scenarios = [sc for sc in scenarios if any(w in sc.id for w in words)]
    if not args.widget.is_file():
        raise UsageError(f"--widget: no such file: {args.widget}")
    if args.budget <= 0:
        raise UsageError(f"--budget: expected seconds > 0, got {args.budget:g}")
    if args.workers < 1:
        raise UsageError(f"--workers: expected a number ≥ 1, got {args.workers}")
    if args.fail_under is not None and not 0 <= args.fail_under <= 100:
        raise UsageError(f"--fail-under: expected a percentage 0-100, got {args.fail_under:g}")
    if args.sample is not None and args.sample < 1:
        raise UsageError(f"--sample: expected a number ≥ 1, got {args.sample}")
    only = {m.strip() for m in args.mutants.split(",")} if args.mutants else None
    load_equivalents()  # a bad review file stops here, before any browser starts

    # SIGTERM ends it like Ctrl-C: the workers close their browsers and servers on the way out.
    def interrupted(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    # Sealed like `run` (WebRTC on loopback only) while this process has no other thread; the
    # workers inherit the namespace.
    print(f"spelo-harness: {sandbox.seal()}", file=sys.stderr, flush=True)
    from harness.input_checks import check_output_folder

    check_output_folder(args.output)
    requested = list(dict.fromkeys(args.browser or []))
    not_run = engines_not_run(requested)  # a named engine that cannot run: one line, exit 2
    engines = [e for e in requested or ENGINE_NAMES if e not in not_run]
    for name, why in not_run.items():
        print(f"NOT RUN: {name}: {why}", file=sys.stderr)
    scenarios = [sc for sc in scenarios if any(e in sc.engines and e not in sc.skip for e in engines)]
    if not scenarios or not engines:
        raise UsageError(
            f"no scenario runs in {', '.join(engines) or 'any usable engine'}" + (f" with -k {args.keyword}" if args.keyword else "")
        )
    rep = run(scenarios, engines, args.widget.resolve(), args.output, args.budget, only, args.sample, args.workers)
    rep["engines_not_run"] = not_run
    path = args.output / "mutation.json"
    path.write_text(json.dumps(rep, indent=2, ensure_ascii=False), encoding="utf-8")
    (args.output / "mutation.html").write_text(html_report(rep), encoding="utf-8")
    print_report(rep)
    print(f"results: {path} (and mutation.html beside it)")
    if args.fail_under is not None and (rep["score"] is None or rep["score"] < args.fail_under):
        print(f"mutation score {rep['score']}% is below --fail-under {args.fail_under:g}%")
        return 1
    return 0
