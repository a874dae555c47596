"""spelo-harness gate: hold a release to its baseline.

The baseline (--baseline, repeatable) is the last release's results.json, a reviewed
known-issues file, or both:
    engines: [chromium, firefox, webkit]   # each must run a cell (default: all three)
    known_issues:                          # cells that may fail
      - cell: "allow[firefox]"
        reason: "ticket 123: ..."
    known_skips:                           # cells that may now be skipped, or engines that may not run
      - cell: "silent-device[chromium]"    #   (one of cell / engine)
        reason: "ticket 124: ..."
      - engine: webkit
        reason: "no WebKit build for this release's runners yet"
The gate FAILS on: a cell that fails now and did not fail (or was not known) in the baseline (a
NEW failure); an engine the baseline ran (or the known-issues file names) that ran no cell now;
a cell that ran in a results baseline and is skipped now. known_skips excuses the last two. A
cell that failed in the baseline and passes now is reported as fixed. The output is a short
Markdown diff a release manager can paste into a release note.
Exit codes: 0 the gate passes, 1 it fails, 2 bad input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.engines import ENGINE_NAMES
from harness.errors import UsageError
from harness.model import CellId
from harness.results import Result, read_results


class GateError(UsageError):
    pass


def load_results(path: Path) -> dict[str, Result]:
    """cell id -> Result from one of our results files (read and checked by harness/results.py);
    a cell that is there twice is one line (which of the two would count?)."""
    found: dict[str, Result] = {}
    for i, r in enumerate(read_results(path).results):
        if r.cell_id in found:
            raise GateError(f"{path}: results[{i}]: {r.cell_id} is there twice")
        found[r.cell_id] = r
    return found


def engines_not_run(path: Path) -> dict[str, str]:
    """engine -> why, as the run recorded it (results.json meta "engines_not_run")."""
    found = read_results(path).meta.get("engines_not_run")
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


@dataclass
class Baseline:
    failing: dict[str, str] = field(default_factory=dict)  # cell id -> why (a failure, or a known issue)
    cells: set[str] = field(default_factory=set)  # every cell of the results baselines
    ran: set[str] = field(default_factory=set)  # cells that ran (not skipped) in a results baseline
    engines: set[str] = field(default_factory=set)  # engines that must run a cell now
    may_skip: dict[str, str] = field(default_factory=dict)  # cell id or engine -> why it may be skipped

    def add(self, other: "Baseline") -> None:
        self.failing.update(other.failing)
        self.cells |= other.cells
        self.ran |= other.ran
        self.engines |= other.engines
        self.may_skip.update(other.may_skip)


def load_baseline(path: Path) -> Baseline:
    if path.suffix in (".yaml", ".yml"):
        return _known_issues(path)
    results = load_results(path)
    ran = {c for c, r in results.items() if r.outcome.ran}
    return Baseline(
        failing={c: r.reason for c, r in results.items() if r.outcome.failing},
        cells=set(results),
        ran=ran,
        engines={results[c].engine for c in ran},
    )


def _known_issues(path: Path) -> Baseline:
    from harness.yamlfile import read_yaml

    data, _ = read_yaml(path)  # one line for an unreadable, non-UTF-8, bad or bottomless file
    issues = data.get("known_issues") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(issues, list):
        raise GateError(f"{path}: expected a mapping with a 'known_issues' list")
    failing: dict[str, str] = {}
    for i, issue in enumerate(issues):
        if not isinstance(issue, dict) or not isinstance(issue.get("cell"), str) or not issue.get("reason"):
            raise GateError(f"{path}: known_issues[{i}]: needs 'cell' (e.g. \"allow[firefox]\") and 'reason'")
        cell = _cell(path, f"known_issues[{i}].cell", issue["cell"])
        if cell in failing:
            raise GateError(f"{path}: known_issues[{i}].cell: {cell!r} is listed twice")
        failing[cell] = str(issue["reason"])
    engines = data.get("engines", list(ENGINE_NAMES))
    if not isinstance(engines, list) or not all(e in ENGINE_NAMES for e in engines):
        raise GateError(f"{path}: engines: expected a list of {', '.join(ENGINE_NAMES)}")
    may_skip: dict[str, str] = {}
    skips = data.get("known_skips", [])
    if not isinstance(skips, list):
        raise GateError(f"{path}: known_skips: expected a list")
    for i, skip in enumerate(skips):
        what = skip.get("cell") or skip.get("engine") if isinstance(skip, dict) else None
        if not isinstance(what, str) or not skip.get("reason") or ("cell" in skip) == ("engine" in skip):
            raise GateError(f"{path}: known_skips[{i}]: needs one of 'cell' or 'engine', and 'reason'")
        if "engine" in skip and what not in ENGINE_NAMES:
            raise GateError(f"{path}: known_skips[{i}].engine: {what!r} is none of {', '.join(ENGINE_NAMES)}")
        key = what if "engine" in skip else _cell(path, f"known_skips[{i}].cell", what)
        if key in may_skip:
            raise GateError(f"{path}: known_skips[{i}]: {key!r} is listed twice")
        may_skip[key] = str(skip["reason"])
    return Baseline(failing=failing, engines=set(engines), may_skip=may_skip)


def _cell(path: Path, where: str, text: str) -> str:
    """A known issue's cell, as the one parser reads it; one line naming file and field if not."""
    try:
        cell = CellId.parse(text)
    except ValueError as e:
        raise GateError(f"{path}: {where}: {e}") from None
    if cell.engine not in ENGINE_NAMES:
        raise GateError(f"{path}: {where}: {cell.engine!r} is none of {', '.join(ENGINE_NAMES)}")
    return str(cell)


def compare(current: dict[str, Result], baseline: Baseline, not_run: dict[str, str] | None = None) -> tuple[int, str]:
    """(exit code, Markdown). not_run: engine -> why, as the current run recorded it."""
    if baseline.cells and not (set(current) & baseline.cells):
        raise GateError("the baseline has none of these cells: it is for another scenario set")
    new = {c: r for c, r in current.items() if r.outcome.failing and c not in baseline.failing}
    still = {c: r for c, r in current.items() if r.outcome.failing and c in baseline.failing}
    fixed = {c: baseline.failing[c] for c in baseline.failing if c in current and not current[c].outcome.failing}
    gone = sorted(baseline.cells - set(current))
    ran_now = {r.engine for r in current.values() if r.outcome.ran}
    vanished = sorted(e for e in baseline.engines - ran_now if e not in baseline.may_skip)
    excused = sorted(e for e in baseline.engines - ran_now if e in baseline.may_skip)
    skipped = {
        c: current[c] for c in sorted(baseline.ran) if c in current and not current[c].outcome.ran and current[c].engine in ran_now
    }  # an engine that ran nothing is judged above, once
    newly_skipped = {c: r for c, r in skipped.items() if c not in baseline.may_skip and r.engine not in baseline.may_skip}
    failed = bool(new or vanished or newly_skipped)
    lines = [
        f"## Release gate: {'FAILED' if failed else 'passed'}",
        f"{len(current)} cells; {len(new)} new failure(s), {len(vanished)} engine(s) that ran no cell, "
        f"{len(newly_skipped)} cell(s) skipped that ran before, {len(fixed)} fixed, "
        f"{len(still)} known failure(s) remain.",
    ]

    def section(title: str, rows: list[str]) -> None:
        if rows:
            lines.append(f"\n### {title}")
            lines.extend(rows)

    why = not_run or {}
    section("New failures", [f"- `{c}`: {r.reason}" for c, r in sorted(new.items())])
    section("Engines that ran no cell", [f"- `{e}`: {why.get(e, 'every cell skipped or absent')}" for e in vanished])
    section("Skipped now, ran in the baseline", [f"- `{c}`: {r.reason}" for c, r in newly_skipped.items()])
    section("Fixed", [f"- `{c}` (was: {w})" for c, w in sorted(fixed.items())])
    section("Still failing (known)", [f"- `{c}`: {baseline.failing[c]}" for c in sorted(still)])
    section(
        "Not run, as the baseline allows",
        [f"- `{e}`: {baseline.may_skip[e]}" for e in excused]
        + [f"- `{c}`: {baseline.may_skip.get(c) or baseline.may_skip[r.engine]}" for c, r in skipped.items() if c not in newly_skipped],
    )
    section("Not run this time", [f"- `{c}`" for c in gone])
    return (1 if failed else 0), "\n".join(lines) + "\n"
