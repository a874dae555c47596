"""spelo-harness soak: every run goes through `run`'s own run_matrix; a cell whose outcome moves is named with
each run's outcome and the differing reason, and the exit is 1; a steady matrix exits 0."""

from __future__ import annotations

from typing import Any

import pytest

import json
from pathlib import Path

from harness import cli
from harness.commands import soak
from harness.matrix import RunRequest
from harness.model import Outcome, CellId
from harness.results import Result, write_results


def fake_runs(monkeypatch: pytest.MonkeyPatch, outcomes_per_run: list[dict[str, str]]) -> list[list[str]]:
    """Replace run_matrix by one that writes the given outcomes; returns what each run was asked."""
    seen: list[list[Any]] = []

    def fake_run_matrix(request: RunRequest) -> int:
        assert isinstance(request, RunRequest)
        assert request.screenshots == RunRequest.screenshots  # run's own defaults where soak says nothing
        seen.append([str(request.output), request.workers, request.keyword, request.browsers])
        outcomes = outcomes_per_run[len(seen) - 1]
        results = [
            Result(scenario=CellId.parse(c).scenario, engine=CellId.parse(c).engine, outcome=Outcome(o), reason=f"reason of {o}")
            for c, o in outcomes.items()
        ]
        write_results(Path(request.output) / "results.json", results, {})
        return 0 if all(o == "pass" for o in outcomes.values()) else 1

    monkeypatch.setattr(soak, "run_matrix", fake_run_matrix)
    return seen


def test_a_moving_cell_is_named_and_exits_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seen = fake_runs(
        monkeypatch,
        [
            {"a[chromium]": "pass", "b[firefox]": "pass"},
            {"a[chromium]": "fail", "b[firefox]": "pass"},
            {"a[chromium]": "pass"},
        ],
    )
    code = cli.main(["soak", "--runs", "3", "--output", str(tmp_path), "--workers", "2", "-k", "a or b", "--browser", "chromium"])
    out = capsys.readouterr().out
    assert code == 1
    assert [s[0] for s in seen] == [str(tmp_path / f"run-0{i}") for i in (1, 2, 3)]
    assert seen[0][1:] == ["2", "a or b", ["chromium"]]  # run's own options, passed through
    assert "FLAKY a[chromium]: pass, fail, pass" in out and "run-02 fail: reason of fail" in out
    assert "FLAKY b[firefox]: pass, pass, missing" in out
    summary = json.loads((tmp_path / "soak.json").read_text())
    assert set(summary["changed"]) == {"a[chromium]", "b[firefox]"}


def test_a_steady_matrix_exits_0(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_runs(monkeypatch, [{"a[chromium]": "fail"}] * 2)  # failing every time is not flaky
    assert cli.main(["soak", "--runs", "2", "--output", str(tmp_path)]) == 0
    assert "0 changed outcome" in capsys.readouterr().out


def test_bad_runs_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["soak", "--runs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--runs" in err
