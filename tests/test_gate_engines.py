"""The gate never passes an engine or a cell that did not run: an engine of the baseline that ran
no cell, or a cell that ran in the baseline and is skipped now, fails it unless the baseline's
known_skips lists it (harness/gate.py)."""

from __future__ import annotations

import subprocess

from typing import Any, TYPE_CHECKING

from pathlib import Path

from harness.results import Result, write_results
from harness.model import Outcome, CellId

if TYPE_CHECKING:
    from conftest import RunCli


def results_file(path: Path, outcomes: dict[str, str], meta: dict[str, Any] | None = None) -> Path:
    results = []
    for cell, outcome in outcomes.items():
        scenario, engine = CellId.parse(cell).scenario, CellId.parse(cell).engine
        results.append(
            Result(
                scenario=scenario,
                engine=engine,
                outcome=Outcome(outcome),
                reason="" if outcome == "pass" else f"{scenario}: {outcome} here",
            )
        )
    write_results(path, results, meta or {})
    return path


ALL = {"a[chromium]": "pass", "a[firefox]": "pass", "a[webkit]": "pass", "b[webkit]": "pass"}


def gate(run_cli: RunCli, results: Path, *baselines: Path) -> subprocess.CompletedProcess[str]:
    args = ["gate", str(results)]
    for b in baselines:
        args += ["--baseline", str(b)]
    return run_cli(*args)


def test_an_engine_that_vanished_fails_the_gate_with_the_runs_reason(run_cli: RunCli, tmp_path: Path) -> None:
    base = results_file(tmp_path / "base.json", ALL)
    now = results_file(
        tmp_path / "now.json",
        {**ALL, "a[webkit]": "skipped", "b[webkit]": "skipped"},
        {"engines_not_run": {"webkit": "WebKitGTK: /nonexistent not found"}},
    )
    out = gate(run_cli, now, base)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "## Release gate: FAILED" in out.stdout
    assert "### Engines that ran no cell\n- `webkit`: WebKitGTK: /nonexistent not found" in out.stdout
    # Its cells are judged once, as the engine, not again one by one.
    assert "Skipped now" not in out.stdout


def test_an_engine_absent_from_the_results_fails_a_known_issues_gate(run_cli: RunCli, tmp_path: Path) -> None:
    now = results_file(tmp_path / "now.json", {"a[chromium]": "pass", "a[firefox]": "pass"})
    known = tmp_path / "known-issues.yaml"
    known.write_text("known_issues: []\n")  # no `engines`: every engine must run
    out = gate(run_cli, now, known)
    assert out.returncode == 1 and "- `webkit`: every cell skipped or absent" in out.stdout
    known.write_text("engines: [chromium, firefox]\nknown_issues: []\n")
    assert gate(run_cli, now, known).returncode == 0


def test_a_cell_that_ran_before_and_is_skipped_now_fails_unless_listed(run_cli: RunCli, tmp_path: Path) -> None:
    base = results_file(tmp_path / "base.json", ALL)
    now = results_file(tmp_path / "now.json", {**ALL, "b[webkit]": "skipped"})
    out = gate(run_cli, now, base)
    assert out.returncode == 1
    assert "### Skipped now, ran in the baseline\n- `b[webkit]`: b: skipped here" in out.stdout
    known = tmp_path / "known-issues.yaml"
    known.write_text('known_issues: []\nknown_skips:\n  - cell: "b[webkit]"\n    reason: "ticket 7"\n')
    out = gate(run_cli, now, base, known)
    assert out.returncode == 0, out.stdout
    assert "### Not run, as the baseline allows\n- `b[webkit]`: ticket 7" in out.stdout


def test_known_skips_can_excuse_a_whole_engine(run_cli: RunCli, tmp_path: Path) -> None:
    base = results_file(tmp_path / "base.json", ALL)
    now = results_file(tmp_path / "now.json", {"a[chromium]": "pass", "a[firefox]": "pass"})
    known = tmp_path / "known-issues.yaml"
    known.write_text("known_issues: []\nknown_skips:\n  - engine: webkit\n    reason: no runner has it\n")
    out = gate(run_cli, now, base, known)
    assert out.returncode == 0, out.stdout
    assert "- `webkit`: no runner has it" in out.stdout


def test_bad_known_skips_is_one_line_and_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    now = results_file(tmp_path / "now.json", ALL)
    known = tmp_path / "known-issues.yaml"
    known.write_text("known_issues: []\nknown_skips:\n  - engine: safari\n    reason: x\n")
    out = gate(run_cli, now, known)
    assert out.returncode == 2 and "known_skips[0].engine: 'safari'" in out.stderr and "Traceback" not in out.stderr
