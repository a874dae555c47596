"""spelo-harness merge: join the results files of several runs (e.g. shards on several machines)
into one results.json + report.html + junit.xml.

The same cell (scenario, engine) in two files is accepted when both have the same outcome (e.g.
a file given twice by a glob; the first file's result is kept), and refused when the outcomes
differ, since picking one would hide the other's verdict. Screenshot and trace paths are looked
up next to the file each result came from, so the merged report still shows them.
Exit codes: 0 merged, 2 bad input (one line naming the file and what is wrong).
"""
from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.results import FORMAT, OUTCOMES, Result, StepRecord, write_results

DEFAULT_OUTPUT = Path("test-results") / "merged"
# Result fields by the JSON type they must have (null allowed where the field is optional).
TYPES: dict[str, type | tuple[type, ...]] = {
    **{k: str for k in ("title", "source", "reason", "evidence", "engine_version", "engine_source", "url",
                        "screenshot", "artifacts")},
    **{k: list for k in ("means", "injected", "mismatches", "console", "api_log", "steps")},
    **{k: dict for k in ("expected", "seen", "peer", "observed", "baseline")},
    "duration_s": (int, float), "browser_prompts": int,
}
ITEM_TYPES = {"means": str, "injected": str, "mismatches": str, "console": str, "api_log": dict, "steps": dict}


def register(sub) -> None:
    p = sub.add_parser("merge", help="join results files (e.g. from shards) into one results.json and reports")
    p.add_argument("files", nargs="*", type=Path, metavar="RESULTS.json", help="results files of runs")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                   help=f"folder for the merged results.json, report.html and junit.xml (default: {DEFAULT_OUTPUT})")
    p.set_defaults(func=cmd)


def cmd(args: argparse.Namespace) -> int:
    from harness.cli import EXIT_OK, UsageError
    from harness.report import write_reports

    try:
        results, meta, repeats = merge([read(f) for f in args.files])
    except MergeError as e:
        raise UsageError(f"merge: {e}") from None
    out = args.output
    try:
        write_results(out / "results.json", results, meta)
        reports = write_reports(out, results, meta)
    except OSError as e:
        raise UsageError(f"merge: cannot write to {out}: {e.strerror or e}") from None
    counts = ", ".join(f"{sum(r.outcome == o for r in results)} {o}" for o in OUTCOMES
                       if any(r.outcome == o for r in results))
    n = len(args.files)
    print(f"merged {n} file{'s' if n != 1 else ''}: {len(results)} cells ({counts})"
          + (f"; {repeats} cells in more than one file with the same outcome, counted once" if repeats else ""))
    print(f"results: {out / 'results.json'}")
    for kind, path in reports.items():
        print(f"{kind}: {path}")
    return EXIT_OK


class MergeError(Exception):
    pass


def read(path: Path) -> tuple[Path, list[Result], dict[str, Any]]:
    """One of our results files: (path, results with paths found on this machine, meta)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise MergeError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise MergeError(f"{path}: not a text file") from None
    except ValueError as e:
        raise MergeError(f"{path}: not JSON: {e}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise MergeError(f"{path}: not a spelo-harness results file (expected \"format\": \"{FORMAT}\""
                         + (f", found {found!r})" if found is not None else ")"))
    items, meta = data.get("results"), data.get("meta", {})
    if not isinstance(items, list) or not isinstance(meta, dict):
        raise MergeError(f"{path}: malformed: \"results\" must be a list and \"meta\" an object")
    return path, [_result(path, i, d) for i, d in enumerate(items)], meta


def _result(path: Path, i: int, d: Any) -> Result:
    where = f"{path}: results[{i}]"
    if not isinstance(d, dict):
        raise MergeError(f"{where}: expected an object")
    for key in ("scenario", "engine", "outcome"):
        if not isinstance(d.get(key), str) or not d[key]:
            raise MergeError(f"{where}: missing or empty {key!r}")
    if d["outcome"] not in OUTCOMES:
        raise MergeError(f"{where}: unknown outcome {d['outcome']!r} (one of {', '.join(OUTCOMES)})")
    for key, want in TYPES.items():  # the reports format these; a wrong type must not crash them
        if d.get(key) is not None and not isinstance(d[key], want):
            raise MergeError(f"{where} ({d['scenario']}[{d['engine']}]): {key!r} has the wrong type")
    for key, want in ITEM_TYPES.items():
        if not all(isinstance(x, want) for x in d.get(key) or []):
            raise MergeError(f"{where} ({d['scenario']}[{d['engine']}]): an item of {key!r} has the wrong type")
    try:
        r = Result.from_dict(d)
    except (TypeError, ValueError, AttributeError) as e:
        raise MergeError(f"{where} ({d['scenario']}[{d['engine']}]): malformed: {e}") from None
    return _found_here(r, path.parent)


def _found_here(r: Result, base: Path) -> Result:
    """The result with its files' paths as found next to its results file (absolute), or as they
    were when they are not here (the report then says the screenshot was not found)."""
    from harness.report.artifacts import locate, locate_dir

    def here(p: str | None) -> str | None:
        found = locate(p, base)
        return str(found) if found else p

    folder = locate_dir(r.artifacts, base)
    steps = [replace(s, screenshot=here(s.screenshot)) if isinstance(s, StepRecord) else s for s in r.steps]
    return replace(r, screenshot=here(r.screenshot), steps=steps,
                   artifacts=str(folder) if folder else r.artifacts)


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
                    raise MergeError(f"{r.cell_id} is in {first_path} ({first.outcome}) and in {path} "
                                     f"({r.outcome}): different outcomes, refusing to pick one")
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
    return {"launches": launches, "versions": {e: " | ".join(v) for e, v in versions.items()},
            "widget": joined("widget"), "seal": joined("seal"),
            "exitstatus": 0 if all(r.ok for r in results) else 1,
            "merged_from": [str(p) for p, _, _ in files]}
