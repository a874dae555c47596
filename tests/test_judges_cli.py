"""--judge on the command line: the three judges, the profile's default, and bad combinations as
one line with exit 2 before any browser starts; the judge shown in the grid and results meta."""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
from pathlib import Path

if TYPE_CHECKING:
    from conftest import RunCli


def test_a_snapshot_judge_needs_its_baseline_and_a_baseline_judges_by_snapshot(run_cli: RunCli, tmp_path: Path) -> None:
    out = run_cli("run", "--judge", "snapshot", "-k", "allow", "--output", str(tmp_path / "o"))
    assert out.returncode == 2
    assert (
        out.stderr.strip()
        .splitlines()[-1]
        .endswith("--judge snapshot needs its baseline: give --against SNAPSHOT (made by spelo-harness record)")
    )
    profile = tmp_path / "p.yaml"
    profile.write_text("name: x\njudge: snapshot\n", encoding="utf-8")
    out = run_cli("run", "--profile", str(profile), "-k", "allow", "--output", str(tmp_path / "o"))
    assert out.returncode == 2 and f"{profile}: judge: snapshot needs its baseline" in out.stderr
    profile.write_text("name: x\njudge: lenient\n", encoding="utf-8")
    out = run_cli("run", "--profile", str(profile), "-k", "allow", "--output", str(tmp_path / "o"))
    assert out.returncode == 2 and f"{profile}:2" in out.stderr and "judge" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_universal_judge_runs_from_the_cli_and_is_shown(run_cli: RunCli, tmp_path: Path) -> None:
    out = run_cli(
        "run", "--judge", "universal", "--browser", "chromium", "-k", "blocked-prompt", "--output", str(tmp_path / "o"), timeout=300
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "judge: universal" in out.stdout
    data = json.loads((tmp_path / "o" / "results.json").read_text())
    assert data["meta"]["judge"] == "universal"
    (r,) = data["results"]
    assert r["judge"] == "universal" and r["outcome"] == "pass"
    by_id = {v["id"]: v for v in r["verdicts"]}
    assert by_id["no-reprompt-after-refusal"]["verdict"] == "pass"
    assert by_id["failure-told"]["verdict"] == "pass" and "Microphone access needed" in by_id["failure-told"]["observation"]
    html = (tmp_path / "o" / "report.html").read_text()
    assert "Universal properties" in html and "no-reprompt-after-refusal" in html
