"""Print the hostile corpus's table: case → verdict or line → seconds.

Runs the tests under tests/hostile/ (each records what its case ended with: hostile_notes.note)
with a JUnit file, then prints one Markdown row per case from it. The seconds are the case's own
(a hostile build's cell without its browser's launch) where the test noted them, else the test's.

    .venv/bin/python scripts/hostile-table.py                  # run the corpus (2 workers), print
    .venv/bin/python scripts/hostile-table.py --junit out.xml  # print from an earlier run's file
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERDICT_CHARS = 170  # a table cell, not the whole reason (results.json keeps that)
TMP_DIR = re.compile(r"/tmp/pytest-of-[^/]+/pytest-\d+/(?:popen-gw\d+/)?[^/]+/")  # the test's own folder says nothing


def run_corpus(junit: Path, workers: str) -> int:
    cmd = [sys.executable, "-m", "pytest", "tests/hostile", "-p", "no:cacheprovider", "-q",
           "-o", "junit_family=xunit1", f"--junitxml={junit}", "-n", workers]
    return subprocess.run(cmd, cwd=ROOT).returncode


def rows(junit: Path) -> list[tuple[str, str, str, str]]:
    out = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") or "" for p in case.iter("property")}
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        status = "FAILED" if failed else "skipped" if skipped else "ok"
        verdict = TMP_DIR.sub("", props.get("verdict", ""))
        if len(verdict) > VERDICT_CHARS:
            verdict = verdict[:VERDICT_CHARS - 1] + "…"
        seconds = props.get("seconds") or f"{float(case.get('time') or 0):.1f}"
        module = (case.get("classname") or "").rsplit(".", 1)[-1].removeprefix("test_")
        out.append((f"{module}: {case.get('name')}", verdict.replace("|", "\\|"), seconds, status))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--junit", type=Path, help="print from this JUnit file instead of running the corpus")
    ap.add_argument("--workers", default="2", help="pytest-xdist workers for the run (default 2)")
    args = ap.parse_args()
    code = 0
    junit = args.junit
    if junit is None:
        junit = Path(tempfile.mkdtemp(prefix="hostile-")) / "junit.xml"
        code = run_corpus(junit, args.workers)
    if not junit.is_file():
        print(f"hostile-table: {junit}: no JUnit file (the run wrote none)", file=sys.stderr)
        return 2
    print("| case | verdict or line | seconds | test |")
    print("|---|---|---|---|")
    for case, verdict, seconds, status in rows(junit):
        print(f"| {case} | {verdict} | {seconds} | {status} |")
    print(f"\n(JUnit: {junit})")
    return code


if __name__ == "__main__":
    sys.exit(main())
