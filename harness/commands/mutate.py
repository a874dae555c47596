"""spelo-harness mutate: the catalog's mutation score against a build (the engine: harness/mutate.py)."""
from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from harness import paths
from harness.errors import UsageError
from harness.mutate import html_report, load_equivalents, print_report, run


def register(sub: Any) -> None:
    p = sub.add_parser("mutate", help="the catalog's mutation score against a build (Stryker's mutants)")
    p.add_argument("scenarios", nargs="*", type=Path, default=[paths.SCENARIO_DIR],
                   help="scenario files or folders (default: scenarios/)")
    p.add_argument("--widget", type=Path, default=paths.REFERENCE_WIDGET, help="the build to mutate (default: the reference)")
    p.add_argument("--browser", default="chromium", choices=("chromium", "firefox", "webkit"), help="one engine (default: chromium)")
    p.add_argument("--budget", type=float, default=600.0, metavar="SECONDS",
                   help="stop testing mutants after this long; the rest are reported 'not run (budget)' (default: 600)")
    p.add_argument("-k", dest="keyword", help="only scenarios whose id contains one of these comma-separated words")
    p.add_argument("--sample", type=int, metavar="N", help="test N mutants spread evenly over the build (the same N every run)")
    p.add_argument("--mutants", help="only these mutant ids (comma-separated), e.g. to re-check survivors")
    p.add_argument("--output", type=Path, default=paths.DEFAULT_OUTPUT / "mutate", help="where mutation.json and the cells go")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from harness import sandbox
    from harness.scenarios import load_all

    scenarios = load_all(list(args.scenarios))  # a ScenarioError is a UsageError: one line, exit 2
    if args.keyword:
        words = [w.strip() for w in args.keyword.split(",") if w.strip()]
        scenarios = [sc for sc in scenarios if any(w in sc.id for w in words)]
    scenarios = [sc for sc in scenarios if args.browser in sc.engines and args.browser not in sc.skip]
    if not scenarios:
        raise UsageError(f"no scenario runs in {args.browser}" + (f" with -k {args.keyword}" if args.keyword else ""))
    if not args.widget.is_file():
        raise UsageError(f"--widget: no such file: {args.widget}")
    if args.budget <= 0:
        raise UsageError(f"--budget: expected seconds > 0, got {args.budget:g}")
    only = {m.strip() for m in args.mutants.split(",")} if args.mutants else None
    load_equivalents()  # a bad review file stops here, before any browser starts
    # SIGTERM ends it like Ctrl-C: the harness closes its browsers and server on the way out.
    def interrupted(*_: Any) -> None:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    # Sealed like `run` (WebRTC on loopback only); this process has no other thread yet.
    print(f"spelo-harness: {sandbox.seal()}", file=sys.stderr, flush=True)
    if args.sample is not None and args.sample < 1:
        raise UsageError(f"--sample: expected a number ≥ 1, got {args.sample}")
    from harness.input_checks import check_output_folder

    check_output_folder(args.output)
    rep = run(scenarios, args.browser, args.widget.resolve(), args.output, args.budget, only, args.sample)
    path = args.output / "mutation.json"
    path.write_text(json.dumps(rep, indent=2, ensure_ascii=False), encoding="utf-8")
    (args.output / "mutation.html").write_text(html_report(rep), encoding="utf-8")
    print_report(rep)
    print(f"results: {path} (and mutation.html beside it)")
    return 0
