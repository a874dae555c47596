"""The pytest plugin: every scenario × engine is one test item, e.g. `blocked-prompt[firefox]`.

The run's state is one object, SpeloState (harness/plugin_state.py), registered with pytest's
plugin manager as "spelo_state" (as pytest-xdist registers its own): the options computed once,
the harness, the record of results, and the schedule of when a browser may close. Its hooks are
its methods. This module keeps the options, the collection of cells and their order.

Fixtures (harness/fixtures.py, registered with this module) form a ladder, as pytest-playwright's
do; a conftest may override any rung:
  spelo_options (session: RunOptions) → spelo_harness (session: fixture server + engine pool)
  → spelo_new_tab (function: a factory, a fresh context and page per call)
  → spelo_tab (function: one Tab for spelo_engine × spelo_situation).
spelo_engine is parametrized over --browser (chromium when none is given, as pytest-playwright
does); spelo_situation is Situation() unless overridden. There is no separate browser rung: the
pool owns the browsers, one per launch profile, since a situation decides the launch flags.
Scenario items use the same per-process harness, so a worker starts one server and one browser
per launch profile, whatever mix of YAML cells and hand-written tests it runs. A short user test:
examples/test_user_example.py.

Options: --browser / --headed / --slowmo / --output / --tracing / --screenshot come from
pytest-playwright (a dependency) and mean the same here: `--tracing retain-on-failure` keeps the
traces of failed cells only, `--screenshot only-on-failure` is our `--spelo-screenshots failure`.
Ours are --widget, --spelo-scenarios, --spelo-screenshots, --spelo-profile ... Whichever way they
come (these options, or `spelo-harness run`'s whole request in --spelo-request), the plugin reads
the run's settings only from one RunRequest, made once per process (harness/settings.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Hashable, Iterator

import pytest

from harness import paths, sandbox
from harness.engines import ENGINE_NAMES, get_engine

# The fixtures are registered with this plugin module: imported here, used by pytest only.
from harness.fixtures import spelo_harness, spelo_new_tab, spelo_options, spelo_site, spelo_situation, spelo_tab  # noqa: F401
from harness.matrix import REQUEST_OPTION
from harness.model import Outcome, Stop
from harness.plugin_state import STATE, SpeloState, selected_engines, spelo_state, tracing
from harness.results import Result, cell_id
from harness.scenarios import Scenario, ScenarioError, load_file
from harness.shard import ShardError, parse_shard, pick_shard

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

    from harness.runner import Harness


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spelo", "Spelo widget harness")
    group.addoption("--widget", default=None, metavar="PATH", help="the widget build to test in place of fixtures_site/spelo.js")
    group.addoption(
        "--spelo-scenarios",
        action="append",
        default=None,
        metavar="DIR",
        help="folders whose *.yaml files are scenario matrices (default: scenarios/)",
    )
    group.addoption(
        "--spelo-screenshots",
        default="each",
        choices=("each", "end", "failure"),
        help="screenshots after each step (default, for the report), at the end of each cell, or on failure "
        "only; a failed step always has its own",
    )
    group.addoption("--spelo-results", default=None, metavar="FILE", help="where to write the JSON results (default: OUTPUT/results.json)")
    group.addoption(
        "--spelo-profile", default=None, metavar="FILE", help="the widget profile (YAML) of the build under test (default: the reference's)"
    )
    group.addoption("--spelo-shard", default=None, metavar="I/N", help="run only shard I of N (cells split evenly by measured duration)")
    group.addoption(
        "--spelo-durations",
        default=None,
        metavar="FILE",
        help="a results.json whose cell durations balance the shards (default: OUTPUT/results.json if present)",
    )
    group.addoption(
        "--spelo-progress",
        action="store_true",
        default=False,
        help="show cells done of total, failures so far and time left (a live line in a terminal, "
        "a line per cell elsewhere) in place of pytest's dots",
    )
    group.addoption(
        "--spelo-no-seal",
        action="store_true",
        default=False,
        help="do not enter a network namespace with only lo (not recommended: WebRTC then also uses the machine's outside interface)",
    )
    group.addoption(
        "--spelo-connect",
        default=None,
        metavar="WS_ENDPOINT",
        help="take Chromium and Firefox from this Playwright server (`playwright run-server "
        "--unsafe`) instead of launching them; implies --spelo-no-seal",
    )
    group.addoption(
        "--spelo-listen",
        default=None,
        metavar="ADDRESS",
        help="with --spelo-connect to another host: the fixture server's address (default: derived)",
    )
    group.addoption(
        "--spelo-against",
        default=None,
        metavar="SNAPSHOT",
        help="judge each cell by this snapshot (spelo-harness record) instead of the scenarios' expectations",
    )
    group.addoption(
        "--spelo-grid",
        default="outcome",
        choices=("outcome", "detail"),
        help="the terminal grid: each cell's verdict, or with the state read and the visitor's text (detail)",
    )
    group.addoption(
        "--spelo-judge",
        default=None,
        choices=("contract", "universal", "snapshot"),
        help="what decides each cell: contract (the scenarios' expectations), universal (the properties "
        "any microphone widget holds), snapshot (with --spelo-against); default: the profile's",
    )
    group.addoption(
        "--spelo-observe",
        action="store_true",
        default=False,
        help="record what the visitor perceived at rest in each result (for spelo-harness record)",
    )
    group.addoption(
        REQUEST_OPTION,
        default=None,
        metavar="JSON",
        help="the whole run request, checked (spelo-harness run passes it; it replaces the --spelo-* "
        "options above and --browser, --output, --widget, --headed, --slowmo, --tracing)",
    )
    try:
        import pytest_playwright  # noqa: F401  (it owns --browser, --headed, --output ...)
    except ImportError:
        group.addoption("--browser", action="append", default=[], choices=ENGINE_NAMES)
        group.addoption("--headed", action="store_true", default=False)
        group.addoption("--slowmo", type=int, default=0)
        group.addoption("--output", default=str(paths.DEFAULT_OUTPUT))
        group.addoption("--tracing", default="off", choices=("on", "off", "retain-on-failure"))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # The seal before anything else that starts a thread: everything the run starts (server, peer,
    # Playwright's driver, browsers, xdist workers) inherits the namespace. Whether to seal or
    # not (--spelo-connect) is sandbox.seal_for's decision, the same as the CLI's; with a server
    # there is no seal, and the run's network (checked first) words its status.
    # The run's settings, read once (and for a plain pytest run checked once: settings.request_of).
    from harness.settings import request_of

    request = request_of(config)
    net = None
    if request.connect and not hasattr(config, "workerinput"):  # no seal with it: threads do not matter here
        from harness.engines.playwright.remote import network

        try:
            net = network(request.connect, request.listen)  # checked already: for the status's words
        except ValueError as e:
            raise pytest.UsageError(str(e)) from None
    if not config.getoption("--spelo-no-seal") and not hasattr(config, "workerinput"):
        sandbox.seal_for(request.connect, net)
    config.pluginmanager.register(SpeloState(config, request), STATE)
    if config.getoption("--spelo-progress") and not hasattr(config, "workerinput"):
        from harness.plugin_progress import ProgressReporter

        config.pluginmanager.register(ProgressReporter(), "spelo_progress")
    # SIGTERM ends the session as Ctrl-C does: browsers closed, results written (controller and workers).
    from harness import reaper

    reaper.sigterm_as_interrupt()
    config.addinivalue_line("markers", "spelo_cell: a scenario × engine cell of the matrix")
    for engine in ENGINE_NAMES:
        config.addinivalue_line("markers", f"{engine}: a cell that runs in {engine}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "spelo_engine" in metafunc.fixturenames:  # as pytest-playwright's browser_name: chromium by default
        engines = [e for e in ENGINE_NAMES if e in spelo_state(metafunc.config).request.browsers] or ["chromium"]
        metafunc.parametrize("spelo_engine", engines, scope="session")


def pytest_report_header(config: pytest.Config) -> str:
    return f"spelo: {sandbox.status_line(sandbox.seal_status())}"


# -- collection: scenario files → items --------------------------------------------------------------


def _scenario_dirs(config: pytest.Config) -> list[Path]:
    """Only these folders' YAML files are collected as cells: the request's scenario folders."""
    return [(p if p.is_dir() else p.parent).resolve() for p in spelo_state(config).request.scenarios]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    named = any(Path(a.split("::")[0]).resolve() == file_path for a in parent.config.args)
    if named or any(d in file_path.resolve().parents for d in _scenario_dirs(parent.config)):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioLoadError(Exception):
    pass


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[ScenarioItem]:
        try:
            scenarios = load_file(self.path)
        except ScenarioError as e:
            raise ScenarioLoadError(str(e)) from None
        engines = selected_engines(self.config)
        for sc in scenarios:
            for engine in engines:
                if engine in sc.engines:
                    yield ScenarioItem.from_parent(self, name=cell_id(sc.id, engine), scenario=sc, engine=engine)

    def repr_failure(  # style as Node's (pytest's Collector drops it), so both signatures hold
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        if excinfo.errisinstance(ScenarioLoadError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class CellFailed(Exception):
    def __init__(self, result: Result):
        super().__init__(result.reason)
        self.result = result


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, engine: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.scenario = scenario
        self.engine = engine
        # Set by order_by_browser: this cell's place and its browser (SpeloState keeps the schedule).
        self.position: int | None = None
        self.launch_key: Hashable = None
        self.add_marker("spelo_cell")
        self.add_marker(engine)
        # A hung browser call must not hold a worker for pytest-timeout's default 300 s: a cell
        # gets a few times its own waiting budget, plus room for a browser launch.
        self.add_marker(pytest.mark.timeout(int(scenario.timeout_s * 3 + 45)))

    def runtest(self) -> None:
        state = spelo_state(self.config)
        harness = state.harness()
        try:
            result = harness.run_cell(self.scenario, self.engine)
        except pytest.fail.Exception as e:
            if not str(e).startswith("Timeout"):
                raise
            result = past_last_resort(harness, self.scenario, self.engine, str(e))
        against = spelo_state(self.config).request.against
        if against is not None:  # the snapshot judges instead of the contract
            from harness.snapshot import judge, loaded

            result = judge(result, loaded(str(against)))
        state.after_cell(self.position)  # ordered by browser: close those no later cell needs
        if tracing(self.config) == "retain-on-failure" and result.ok:
            (Path(result.artifacts) / "trace.zip").unlink(missing_ok=True)  # pytest-playwright's meaning
        self.user_properties.append(("spelo_result", json.dumps(result.to_dict(), default=str)))
        self.user_properties.append(
            (
                "spelo_pool",
                json.dumps(
                    {
                        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
                        "launches": harness.pool.launches,
                        "versions": harness.pool.versions,
                    }
                ),
            )
        )
        if not result.outcome.ran:
            pytest.skip(f"{self.name}: {result.reason}")
        if not result.ok:
            raise CellFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, CellFailed):
            return excinfo.value.result.explain()
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        line = int(self.scenario.source.rsplit(":", 1)[-1]) - 1 if ":" in self.scenario.source else 0
        return self.path, line, self.name


def past_last_resort(harness: Harness, scenario: Scenario, engine: str, why: str) -> Result:
    """The cell that ran into pytest-timeout (the harness's own bounds should have ended it
    first): every browser of this worker is ended and the cell is still written, failed."""
    from harness.engines.playwright.tab import abandon_driver

    abandon_driver()
    try:
        harness.pool.close()
    except Exception:  # noqa: BLE001 (whatever is left is the process's exit's to end)
        pass
    return Result(
        scenario=scenario.id,
        engine=engine,
        outcome=Outcome.FAIL,
        stopped=Stop.TIMEOUT,
        title=scenario.title,
        source=scenario.source,
        reason=f"the cell passed pytest-timeout's last-resort bound ({why.splitlines()[0]}); the harness ended every browser of its worker",
    )


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    shard(config, items)
    spelo_state(config).last_of_browser = order_by_browser(items)


def order_by_browser(items: list[pytest.Item]) -> dict[Hashable, int]:
    """Cells grouped by the browser that serves them (engine, then launch key), in file order
    within a group; other tests keep their places. The schedule is each browser's last cell
    position. xdist's load scheduling hands each worker its cells in this order,
    so once a worker has run a cell past that position it will never need that browser again,
    and SpeloState.after_cell lets the pool close it. Returns browser → its last position."""
    slots = [n for n, item in enumerate(items) if isinstance(item, ScenarioItem)]
    found = [item for item in items if isinstance(item, ScenarioItem)]
    for cell in found:
        cell.launch_key = get_engine(cell.engine).launch_key(cell.scenario.situation(cell.engine))
    cells = sorted(
        found,  # stable: file order within a browser
        key=lambda c: (ENGINE_NAMES.index(c.engine), repr(c.launch_key)),
    )
    last: dict[Hashable, int] = {}
    for n, cell in zip(slots, cells, strict=True):
        items[n] = cell
        cell.position, last[cell.launch_key] = n, n
    return last


def shard(config: pytest.Config, items: list[pytest.Item]) -> None:
    request = spelo_state(config).request
    spec = request.shard
    if not spec:
        return
    try:
        index, total = parse_shard(spec)
    except ShardError as e:
        raise pytest.UsageError(str(e)) from None
    cells = [i for i in items if isinstance(i, ScenarioItem)]
    durations = request.durations if request.durations is not None else request.output / "results.json"
    keep = set(pick_shard([c.name for c in cells], index, total, durations))
    deselected = [c for c in cells if c.name not in keep]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [i for i in items if i not in deselected]
