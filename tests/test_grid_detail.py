"""`--grid detail`: each cell of the terminal grid shows its verdict, the state read and the text
the visitor saw, in the build's own words (as the README's ElevenLabs table)."""

from __future__ import annotations

from typing import Any

import subprocess
import sys

from harness.model import Outcome
from harness import paths
from harness.report.grid import perceived, render_grid
from harness.results import Result


def cell(scenario: str, engine: str, outcome: str, seen: dict[str, Any], reason: str = "") -> Result:
    return Result(
        scenario=scenario, engine=engine, outcome=Outcome(outcome), reason=reason, seen=seen, source=f"scenarios/x.yaml:{len(scenario)}"
    )


RESULTS = [
    cell(
        "blocked-prompt",
        "chromium",
        "fail",
        {"state": "denied", "status": "", "text": "An error occurred Permission denied"},
        reason="state: expected 'blocked'",
    ),
    cell("blocked-prompt", "firefox", "pass", {"state": "denied", "status": "Check your microphone settings."}),
    cell("allow", "chromium", "fail", {"state": None, "status": "", "text": "x" * 80}),
    cell("allow", "firefox", "skipped", {}, reason="not applicable"),
]


def test_detail_shows_state_and_the_builds_own_words() -> None:
    assert perceived(RESULTS[0]) == "denied “An error occurred Permission denied”"
    assert perceived(RESULTS[1]) == "denied “Check your microphone settings.”"
    assert perceived(RESULTS[2]) == "“" + "x" * 59 + "…”"
    assert perceived(RESULTS[3]) == ""
    grid = render_grid(RESULTS, {}, {}, width=200, detail=True)
    assert "FAIL: denied “An error occurred Permission denied” (2)" in grid
    assert "pass: denied “Check your microphone settings.”" in grid


def test_the_default_grid_is_unchanged() -> None:
    grid = render_grid(RESULTS, {}, {}, width=200)
    assert "Permission denied" not in grid and "FAIL (2)" in grid


def test_run_refuses_an_unknown_grid_with_exit_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(paths.SCENARIO_DIR / "policy.yaml"), "--grid", "fancy"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "--grid" in proc.stderr and "Traceback" not in proc.stderr
