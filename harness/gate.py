"""spelo-harness gate: hold a release to its baseline.

The baseline is either the last release's results.json or a reviewed known-issues file:
    known_issues:
      - cell: "allow[firefox]"
        reason: "ticket 123: ..."
A cell that fails now and did not fail (or was not known) in the baseline is a NEW failure and
fails the gate; a cell that failed in the baseline and passes now is reported as fixed. The
output is a short Markdown diff a release manager can paste into a release note.
Exit codes: 0 the gate passes, 1 new failures, 2 bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.results import FORMAT, Result

FAILED = ("fail", "stale-quirk")


class GateError(Exception):
    pass


def register(sub) -> None:
    p = sub.add_parser("gate", help="compare a results file with a baseline; fail on new failures")
    p.add_argument("results", type=Path, help="the results.json of the release candidate")
    p.add_argument("--baseline", type=Path, required=True,
                   help="the last release's results.json, a known-issues YAML file, or a snapshot (spelo-harness record)")
    p.add_argument("--output", type=Path, help="also write the Markdown diff to this file")
    p.set_defaults(func=cmd)


def load_results(path: Path) -> dict[str, Result]:
    """cell id -> Result from one of our results files."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise GateError(f"{path}: cannot read: {e.strerror}") from None
    except ValueError as e:
        raise GateError(f"{path}: not JSON: {e}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise GateError(f"{path}: not a spelo-harness results file (no \"format\": \"{FORMAT}\")")
    try:
        results = [Result.from_dict(r) for r in data["results"]]
    except (KeyError, TypeError) as e:
        raise GateError(f"{path}: malformed results: {e}") from None
    return {r.cell_id: r for r in results}


@dataclass
class Baseline:
    failing: dict[str, str]   # cell id -> why (the baseline's failure reason or the known issue's)
    cells: set[str]           # every cell the baseline knows of


def load_baseline(path: Path) -> Baseline:
    if path.suffix in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise GateError(f"{path}: cannot read: {e.strerror}") from None
        except yaml.YAMLError as e:
            raise GateError(f"{path}: not valid YAML: {e}") from None
        issues = data.get("known_issues") if isinstance(data, dict) else None
        if not isinstance(issues, list):
            raise GateError(f"{path}: expected a mapping with a 'known_issues' list")
        failing = {}
        for i, issue in enumerate(issues):
            if not isinstance(issue, dict) or not isinstance(issue.get("cell"), str) or not issue.get("reason"):
                raise GateError(f"{path}: known_issues[{i}]: needs 'cell' (e.g. \"allow[firefox]\") and 'reason'")
            failing[issue["cell"]] = str(issue["reason"])
        return Baseline(failing=failing, cells=set(failing))
    results = load_results(path)
    return Baseline(failing={c: r.reason for c, r in results.items() if r.outcome in FAILED}, cells=set(results))


def compare(current: dict[str, Result], baseline: Baseline, known_issues_file: bool) -> tuple[int, str]:
    if not known_issues_file and not (set(current) & baseline.cells):
        raise GateError("the baseline has none of these cells: it is for another scenario set")
    new = {c: r for c, r in current.items() if r.outcome in FAILED and c not in baseline.failing}
    still = {c: r for c, r in current.items() if r.outcome in FAILED and c in baseline.failing}
    fixed = {c: baseline.failing[c] for c in baseline.failing if c in current and current[c].outcome not in FAILED}
    gone = sorted(baseline.cells - set(current)) if not known_issues_file else []
    verdict = "FAILED" if new else "passed"
    lines = [f"## Release gate: {verdict}",
             f"{len(current)} cells; {len(new)} new failure(s), {len(fixed)} fixed, {len(still)} known failure(s) remain."]

    def section(title: str, rows: list[str]) -> None:
        if rows:
            lines.append(f"\n### {title}")
            lines.extend(rows)

    section("New failures", [f"- `{c}`: {r.reason}" for c, r in sorted(new.items())])
    section("Fixed", [f"- `{c}` (was: {why})" for c, why in sorted(fixed.items())])
    section("Still failing (known)", [f"- `{c}`: {baseline.failing[c]}" for c in sorted(still)])
    section("Not run this time", [f"- `{c}`" for c in gone])
    return (1 if new else 0), "\n".join(lines) + "\n"


def cmd(args: argparse.Namespace) -> int:
    from harness import snapshot
    from harness.errors import UsageError

    try:
        current = load_results(args.results)
        if snapshot.is_snapshot(args.baseline):  # what each cell perceived, not which cells failed
            code, text = snapshot.gate(current, snapshot.load(args.baseline))
            return _emit(args, code, text)
        baseline = load_baseline(args.baseline)
        code, text = compare(current, baseline, args.baseline.suffix in (".yaml", ".yml"))
    except (GateError, snapshot.SnapshotError) as e:
        raise UsageError(str(e)) from None
    return _emit(args, code, text)


def _emit(args: argparse.Namespace, code: int, text: str) -> int:
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return code
