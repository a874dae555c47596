"""The plugin's half of the live progress (harness/progress.py): counts cells as pytest (or
xdist's controller) reports them, and hides pytest's dots, which would break the live line."""

from __future__ import annotations

import json

import pytest

from harness.progress import RunProgress


class ProgressReporter:
    def __init__(self) -> None:
        self.progress: RunProgress | None = None
        self.outcomes: dict[str, str] = {}  # nodeid -> the cell's outcome (pass, quirk, fail ...)

    def _start(self, total: int) -> None:
        if self.progress is None:
            self.progress = RunProgress(total)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not session.config.pluginmanager.hasplugin("dsession"):  # without xdist: this process ran it
            self._start(len(session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        self._start(len(ids))  # every worker collects the same cells; the first says how many

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        if report.when == "call" or report.outcome != "passed":
            # the outcome's usual word, with no dot: the progress line says it instead
            return report.outcome, "", report.outcome.upper()
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        cell = dict(report.user_properties).get("spelo_result")
        if report.failed:
            self.outcomes[report.nodeid] = json.loads(str(cell))["outcome"] if cell else "failed"
        elif report.when == "call" or report.skipped:
            self.outcomes.setdefault(report.nodeid, json.loads(str(cell))["outcome"] if cell else report.outcome)

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        if self.progress is not None:
            outcome = self.outcomes.pop(nodeid, "passed")
            self.progress.cell_done(nodeid.rpartition("::")[2], outcome)

    def pytest_sessionfinish(self) -> None:
        if self.progress is not None:
            self.progress.close()
