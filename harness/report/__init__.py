"""Readers of Results: the terminal grid (grid.py), and the files a run leaves in its output
folder next to results.json: the HTML report (html.py) and JUnit XML (junit.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.results import Result


def write_reports(out_dir: Path, results: list[Result], meta: dict[str, Any]) -> dict[str, Path]:
    """Write every report of a run into out_dir; returns {kind: path} for the summary."""
    from harness.report.html import write_html
    from harness.report.junit import write_junit

    out_dir = Path(out_dir)
    return {"html report": write_html(out_dir / "report.html", results, meta), "junit": write_junit(out_dir / "junit.xml", results)}
