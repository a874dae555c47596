"""spelo-harness promises: every promise of the contract with the cells that guard it, per engine
(the map itself: harness/promises.py), and beside it every configuration value of the contract
with the cells that set it otherwise than its default (harness/config_coverage.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness import config_coverage, paths
from harness.engines import ENGINE_NAMES
from harness.promises import markdown, promise_map
from harness.scenarios import load_all


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("promises", help="every promise of the contract with the cells that guard it, per engine")
    p.add_argument("scenarios", nargs="*", type=Path, default=[paths.SCENARIO_DIR], help="scenario files or folders (default: scenarios/)")
    p.add_argument("--json", action="store_true", help="print the map as JSON")
    p.add_argument("--markdown", action="store_true", help="print the map as a Markdown table (the README's)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    scenarios = load_all(list(args.scenarios))  # a ScenarioError is a UsageError: one line, exit 2
    engines = list(ENGINE_NAMES)
    rows = promise_map(scenarios, engines)
    values = config_coverage.coverage(scenarios, engines)
    if args.json:
        print(json.dumps({"promises": rows, "config_values": values}, indent=2, ensure_ascii=False))
    elif args.markdown:
        print(markdown(rows, engines))
        print()
        print(config_coverage.markdown(values, engines))
    else:
        for r in rows:
            print(f"{r['id']}: {r['text']}")
            for e, cells in r["cells"].items():
                lim = r["limits"].get(e)
                print(f"    {e:9} {', '.join(cells) or '-'}" + (f"   (limit: {', '.join(lim)})" if lim else ""))
        print("configuration values (cells that set each otherwise than its default):")
        for v in values:
            print(f"  {v['id']} ({v['set']}, default {v['default']!r}): {v['text']}")
            for e, cells in v["cells"].items():
                lim = v["limits"].get(e)
                print(f"    {e:9} {', '.join(cells) or '-'}" + (f"   (limit: {', '.join(lim)})" if lim else ""))
    open_rows = [r for r in rows if not r["guarded"] and not r["unguardable"]]
    for r in rows:
        if not r["guarded"] and r["unguardable"]:
            print(f"cannot be guarded: {r['id']}: {r['unguardable']}")
    unset = [v["id"] for v in values if not v["covered"]]
    print(
        f"configuration values no cell sets: {', '.join(unset) or 'none'}"
        f" ({sum(v['covered'] for v in values)} of {len(values)} set by a cell)"
    )
    print(
        f"unguarded: {', '.join(r['id'] for r in open_rows) or 'none'} ({sum(r['guarded'] for r in rows)} of {len(rows)} promises guarded)"
    )
    return 1 if open_rows or unset else 0
