"""The pytest plugin's state (see harness/plugin.py): one SpeloState per process, registered
with pytest's plugin manager as "spelo_state", as pytest-xdist registers its own. It holds the
options computed once, the harness, the record of results and the browser-closing schedule;
its hooks are its methods."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Hashable, Protocol

import pytest

from harness import sandbox
from harness.engines import ENGINE_NAMES
from harness.errors import UsageError
from harness.matrix import RunRequest, request_to_json
from harness.model import CellId, Outcome, Stop
from harness.results import Result, write_results
from harness.runner import Harness
from harness.settings import WORKER_KEY, results_path, run_options


class WorkerNode(Protocol):
    """pytest-xdist's WorkerController (untyped), as far as pytest_configure_node uses it."""

    workerinput: dict[str, Any]


STATE = "spelo_state"  # the name SpeloState is registered under


def tracing(config: pytest.Config) -> str:
    return spelo_state(config).request.tracing


def selected_engines(config: pytest.Config) -> list[str]:
    """The engines whose cells are collected: those asked for (all by default) that can run."""
    state = spelo_state(config)
    chosen, not_run = state.request.browsers, state.not_run
    return [e for e in ENGINE_NAMES if (e in chosen if chosen else True) and e not in not_run]


def engines_not_run(config: pytest.Config, request: RunRequest) -> dict[str, str]:
    """engine -> why it does not run (harness/engines/usable.py). Decided once, by the controller,
    before any cell; xdist workers get its answer, as they must collect the same cells."""
    if hasattr(config, "workerinput"):
        return dict(config.workerinput.get("spelo_engines_not_run", {}))
    from harness.engines.usable import engines_not_run as decide

    try:
        return decide(request.browsers, request.connect)
    except UsageError as e:
        raise pytest.UsageError(str(e)) from None


@dataclass
class RunRecord:
    """What the run has produced so far: the cells' results and the pools' launches and versions."""

    results: list[Result] = field(default_factory=list)
    launches: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    path: Path | None = None  # the results file, once written at the end
    reports: dict[str, Path] = field(default_factory=dict)

    def meta(self, widget: Path, not_run: dict[str, str], **more: Any) -> dict[str, Any]:
        judges = sorted({r.judge for r in self.results})
        meta = {
            "launches": self.launches,
            "versions": self.versions,
            "widget": str(widget),
            "seal": sandbox.seal_status(),
            "engines_not_run": not_run,
            "judge": ", ".join(judges),
            **more,
        }
        if "universal" in judges:  # the properties judged across the run's cells
            from harness.judge_universal import failures_told_apart

            meta["universal_run"] = failures_told_apart(self.results)
        return meta


class SpeloState:
    """The run's state in one object, registered with the plugin manager; its hooks are methods."""

    def __init__(self, config: pytest.Config, request: RunRequest):
        self.config = config
        self.request = request  # every setting of the run (harness/settings.py)
        try:
            self.options = run_options(request)  # once: the profile is read once per process
        except UsageError as e:  # a profile changed since the parent checked it
            raise pytest.UsageError(str(e)) from None
        self.not_run = engines_not_run(config, request)  # engine -> why: an asked-for one stops the run here
        self.record = RunRecord()
        self._harness: Harness | None = None
        # The browser-closing schedule (plugin.order_by_browser): each browser's last cell position.
        self.last_of_browser: dict[Hashable, int] = {}

    def harness(self) -> Harness:
        """The process's harness, started on first use and closed at the end of the session."""
        if self._harness is None:
            self._harness = Harness(self.options).start()
        return self._harness

    def after_cell(self, position: int | None) -> None:
        """Close the browsers no cell after this position needs (cells ordered by browser)."""
        pool = self._harness.pool if self._harness is not None else None
        if position is not None and pool is not None:
            pool.close_finished(lambda key: self.last_of_browser.get(key, -1) < position)

    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    # -- hooks ----------------------------------------------------------------------------------
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: WorkerNode) -> None:  # xdist, on the controller: what each worker starts with
        node.workerinput["spelo_engines_not_run"] = self.not_run
        node.workerinput[WORKER_KEY] = request_to_json(self.request)  # checked here: not again there

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        record = self.record
        if "spelo_result" in props and report.when == "call":
            record.results.append(Result.from_dict(json.loads(str(props["spelo_result"]))))
            pool = json.loads(str(props["spelo_pool"]))
            record.launches[pool["worker"]] = pool["launches"]
            record.versions.update(pool["versions"])
        # xdist reports the cell of a worker that died with when "???" (outside pytest's Literal).
        elif str(report.when) == "???" and report.failed and (lost := crashed_cell(report)) is not None:
            record.results.append(lost)  # xdist: the worker running this cell died
        else:
            return
        if not self.is_worker():
            # Rewritten (atomically) after every cell: an interrupted or killed run leaves valid JSON.
            write_results(results_path(self.request), record.results, record.meta(self.options.widget, self.not_run, partial=True))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self._harness is not None:
            self._harness.close()
            self._harness = None
        if self.is_worker():
            return  # an xdist worker: the controller writes the results
        record = self.record
        if record.results:
            path = results_path(self.request)
            meta = record.meta(self.options.widget, self.not_run, exitstatus=int(exitstatus))
            write_results(path, record.results, meta)
            record.path = path
            from harness.report import write_reports

            record.reports = write_reports(path.parent, record.results, meta)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
        record = self.record
        if not record.results:
            for engine, why in self.not_run.items():  # no grid to say it
                terminalreporter.write_line(f"spelo: {engine} did not run: {why}")
            return
        from harness.report.grid import render_grid

        terminalreporter.write_line("")
        terminalreporter.write(
            render_grid(record.results, record.versions, record.launches, not_run=self.not_run, detail=self.request.grid == "detail")
        )
        meta = record.meta(self.options.widget, self.not_run)
        for v in meta.get("universal_run") or []:  # judged across the run's cells, per engine
            terminalreporter.write_line(f"universal {v['id']} [{v['engine']}]: {v['verdict']} — {v['observation']}")
        terminalreporter.write_line(sandbox.status_line(sandbox.seal_status()))
        if record.path:
            terminalreporter.write_line(f"results: {record.path}")
        for kind, report in record.reports.items():
            terminalreporter.write_line(f"{kind}: {report}")


def spelo_state(config: pytest.Config) -> SpeloState:
    state = config.pluginmanager.get_plugin(STATE)
    assert isinstance(state, SpeloState), "the spelo plugin is not configured"
    return state


# -- a worker's died cell -------------------------------------------------------------------------


def crashed_cell(report: pytest.TestReport) -> Result | None:
    """The failed Result of a cell whose worker process died while running it."""
    found = CellId.of_nodeid(report.nodeid)
    if found is None or found[1].engine not in ENGINE_NAMES:
        return None
    file, cell = found
    return Result(
        scenario=cell.scenario,
        engine=cell.engine,
        outcome=Outcome.FAIL,
        source=file,
        stopped=Stop.CRASH,
        reason=f"no result: {str(report.longrepr).strip().splitlines()[0]}",
    )
