"""spelo-harness promises: every promise of the contract with the cells that guard it, per engine
(the map itself: harness/promises.py)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from harness import paths
from harness.engines import ENGINE_NAMES
from harness.promises import markdown, promise_map
from harness.scenarios import load_all


def register(sub: Any) -> None:
    p = sub.add_parser("promises", help="every promise of the contract with the cells that guard it, per engine")
    p.add_argument("scenarios", nargs="*", type=Path, default=[paths.SCENARIO_DIR],
                   help="scenario files or folders (default: scenarios/)")
    p.add_argument("--json", action="store_true", help="print the map as JSON")
    p.add_argument("--markdown", action="store_true", help="print the map as a Markdown table (the README's)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    scenarios = load_all(list(args.scenarios))  # a ScenarioError is a UsageError: one line, exit 2
    rows = promise_map(scenarios, list(ENGINE_NAMES))
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif args.markdown:
        print(markdown(rows, list(ENGINE_NAMES)))
    else:
        for r in rows:
            print(f"{r['id']}: {r['text']}")
            for e, cells in r["cells"].items():
                lim = r["limits"].get(e)
                print(f"    {e:9} {', '.join(cells) or '-'}" + (f"   (limit: {', '.join(lim)})" if lim else ""))
    open_rows = [r for r in rows if not r["guarded"] and not r["unguardable"]]
    for r in rows:
        if not r["guarded"] and r["unguardable"]:
            print(f"cannot be guarded: {r['id']}: {r['unguardable']}")
    print(f"unguarded: {', '.join(r['id'] for r in open_rows) or 'none'}"
          f" ({sum(r['guarded'] for r in rows)} of {len(rows)} promises guarded)")
    return 1 if open_rows else 0
