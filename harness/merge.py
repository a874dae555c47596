"""spelo-harness merge: join the results files of several runs (e.g. shards on several machines)
into one results.json + report.html + junit.xml.

The same cell (scenario, engine) in two files is accepted when both have the same outcome (e.g.
a file given twice by a glob; the first file's result is kept), and refused when the outcomes
differ, since picking one would hide the other's verdict. Screenshot and trace paths are looked
up next to the file each result came from, so the merged report still shows them.
An engine a shard could not run and no shard ran a cell of stays named (meta engines_not_run).
Exit codes: 0 merged, 2 bad input (one line naming the file and what is wrong).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.results import Result, ResultsError, StepRecord, read_results

DEFAULT_OUTPUT = Path("test-results") / "merged"


class MergeError(UsageError):
    """Bad input to merge; its line starts with "merge: "."""

    def __init__(self, message: str):
        super().__init__(f"merge: {message}")


def read(path: Path) -> tuple[Path, list[Result], dict[str, Any]]:
    """One of our results files: (path, results with paths found on this machine, meta)."""
    try:
        f = read_results(path)  # the one reader and validator (harness/results.py)
    except ResultsError as e:
        raise MergeError(str(e)) from None
    return path, [_found_here(r, path.parent) for r in f.results], f.meta


def _found_here(r: Result, base: Path) -> Result:
    """The result with its files' paths as found next to its results file (absolute), or as they
    were when they are not here (the report then says the screenshot was not found)."""
    from harness.report.artifacts import locate, locate_dir

    def here(p: str | None) -> str | None:
        found = locate(p, base)
        return str(found) if found else p

    folder = locate_dir(r.artifacts, base)
    steps = [replace(s, screenshot=here(s.screenshot)) if isinstance(s, StepRecord) else s for s in r.steps]
    return replace(r, screenshot=here(r.screenshot), steps=steps, artifacts=str(folder) if folder else r.artifacts)


def merge(files: list[tuple[Path, list[Result], dict[str, Any]]]) -> tuple[list[Result], dict[str, Any], int]:
    """(results, meta, cells seen in more than one file with the same outcome)."""
    if not files:
        raise MergeError("no results files given (usage: spelo-harness merge RESULTS.json... [--output DIR])")
    seen: dict[tuple[str, str], tuple[Path, Result]] = {}
    results: list[Result] = []
    repeats = 0
    for path, rs, _ in files:
        for r in rs:
            key = (r.scenario, r.engine)
            if key in seen:
                first_path, first = seen[key]
                if first.outcome != r.outcome:
                    raise MergeError(
                        f"{r.cell_id} is in {first_path} ({first.outcome}) and in {path} "
                        f"({r.outcome}): different outcomes, refusing to pick one"
                    )
                repeats += 1
                continue
            seen[key] = (path, r)
            results.append(r)
    if not results:
        raise MergeError("the given files hold no cells")
    return results, merge_meta(files, results), repeats


def merge_meta(files: list[tuple[Path, list[Result], dict[str, Any]]], results: list[Result]) -> dict[str, Any]:
    """The runs' meta side by side: launches per file and worker, every version and widget seen."""

    def joined(key: str) -> str:
        values = list(dict.fromkeys(str(m.get(key)) for _, _, m in files if m.get(key)))
        return values[0] if len(values) == 1 else " | ".join(values) if values else ""

    versions: dict[str, list[str]] = {}
    launches: dict[str, Any] = {}
    for i, (path, _, m) in enumerate(files, 1):
        for engine, v in (m.get("versions") or {}).items():
            versions.setdefault(engine, [])
            if str(v) not in versions[engine]:
                versions[engine].append(str(v))
        for worker, per in (m.get("launches") or {}).items():
            if isinstance(per, dict):
                launches[f"{i}:{worker}"] = per
    return {
        "launches": launches,
        "versions": {e: " | ".join(v) for e, v in versions.items()},
        "widget": joined("widget"),
        "seal": joined("seal"),
        "exitstatus": 0 if all(r.ok for r in results) else 1,
        "engines_not_run": engines_not_run(files, results),
        "merged_from": [str(p) for p, _, _ in files],
    }


def engines_not_run(files: list[tuple[Path, list[Result], dict[str, Any]]], results: list[Result]) -> dict[str, str]:
    """engine -> why, for an engine some shard could not run and no shard ran a cell of: it stays
    named in the merged run (the grid and the gate read it), not lost in the join. The reasons of
    the shards that recorded one, each once; the file is named where they differ."""
    ran = {r.engine for r in results if r.outcome.ran}
    why: dict[str, dict[str, list[str]]] = {}  # engine -> reason -> files
    for path, _, m in files:
        found = m.get("engines_not_run")
        for engine, reason in found.items() if isinstance(found, dict) else ():
            if str(engine) not in ran:
                why.setdefault(str(engine), {}).setdefault(str(reason), []).append(str(path))
    return {
        e: next(iter(reasons)) if len(reasons) == 1 else " | ".join(f"{', '.join(paths)}: {reason}" for reason, paths in reasons.items())
        for e, reasons in sorted(why.items())
    }
