"""The pytest plugin: every scenario × engine is one test item, e.g. `blocked-prompt[firefox]`.

Fixtures form a ladder, as pytest-playwright's do:
  spelo_options (session) → spelo_harness (session: fixture server + engine pool) → spelo_tab
  (function: a fresh context and page for a situation).
Scenario items use the same per-process harness, so a worker starts one server and one browser
per launch profile, whatever mix of YAML cells and hand-written tests it runs.

Options: --browser / --headed / --slowmo / --output / --tracing come from pytest-playwright
(a dependency) and mean the same here; ours are --widget, --spelo-scenarios, --spelo-screenshots.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from harness import paths, sandbox
from harness.engines import ENGINE_NAMES, get_engine
from harness.engines.base import Situation
from harness.results import Result, write_results
from harness.runner import Harness, RunOptions
from harness.profile import REFERENCE, load_profile
from harness.scenarios import Scenario, ScenarioError, load_file
from harness.shard import ShardError, parse_shard, pick_shard

HARNESS_KEY = pytest.StashKey[Harness]()
RESULTS_KEY = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spelo", "Spelo widget harness")
    group.addoption("--widget", default=None, metavar="PATH",
                    help="the widget build to test in place of fixtures_site/spelo.js")
    group.addoption("--spelo-scenarios", action="append", default=None, metavar="DIR",
                    help="folders whose *.yaml files are scenario matrices (default: scenarios/)")
    group.addoption("--spelo-screenshots", default="each", choices=("each", "end", "failure"),
                    help="screenshots after each step (default, for the report), at the end of each cell, or on failure "
                         "only; a failed step always has its own")
    group.addoption("--spelo-results", default=None, metavar="FILE",
                    help="where to write the JSON results (default: OUTPUT/results.json)")
    group.addoption("--spelo-profile", default=None, metavar="FILE",
                    help="the widget profile (YAML) of the build under test (default: the reference's)")
    group.addoption("--spelo-shard", default=None, metavar="I/N",
                    help="run only shard I of N (cells split evenly by measured duration)")
    group.addoption("--spelo-durations", default=None, metavar="FILE",
                    help="a results.json whose cell durations balance the shards (default: OUTPUT/results.json if present)")
    group.addoption("--spelo-no-seal", action="store_true", default=False,
                    help="do not enter a network namespace with only lo (not recommended: WebRTC then "
                         "also uses the machine's outside interface)")
    group.addoption("--spelo-connect", default=None, metavar="WS_ENDPOINT",
                    help="take Chromium and Firefox from this Playwright server (`playwright run-server "
                         "--unsafe`) instead of launching them; implies --spelo-no-seal")
    group.addoption("--spelo-against", default=None, metavar="SNAPSHOT",
                    help="judge each cell by this snapshot (spelo-harness record) instead of the scenarios' expectations")
    group.addoption("--spelo-observe", action="store_true", default=False,
                    help="record what the visitor perceived at rest in each result (for spelo-harness record)")
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
    # The seal first, while the process has one thread: everything the run starts (server, peer,
    # Playwright's driver, browsers, xdist workers) inherits the namespace.
    # With --spelo-connect the browsers run under the server, outside any namespace we enter; a
    # seal would only hide the fixture server from them (unless a parent sealed us both).
    connect = config.getoption("--spelo-connect")
    if not config.getoption("--spelo-no-seal") and not connect and not hasattr(config, "workerinput"):
        sandbox.seal()
    if connect and not hasattr(config, "workerinput"):
        from harness.engines.remote import check_endpoint

        try:
            check_endpoint(connect)
        except ValueError as e:
            raise pytest.UsageError(str(e)) from None
    if config.getoption("--spelo-against"):  # a bad baseline: one line, before any cell
        from harness.snapshot import SnapshotError, loaded

        try:
            loaded(config.getoption("--spelo-against"))
        except SnapshotError as e:
            raise pytest.UsageError(str(e)) from None
    config.stash[RESULTS_KEY] = {"results": [], "launches": {}, "versions": {}}
    # SIGTERM ends the session as Ctrl-C does: browsers closed, results written (controller and workers).
    from harness import reaper

    reaper.sigterm_as_interrupt()
    config.addinivalue_line("markers", "spelo_cell: a scenario × engine cell of the matrix")
    for engine in ENGINE_NAMES:
        config.addinivalue_line("markers", f"{engine}: a cell that runs in {engine}")


def pytest_report_header(config: pytest.Config) -> str:
    status = sandbox.seal_status()
    return f"spelo: {status}" + ("" if status == sandbox.SEALED else "  (WARNING: WebRTC may leave loopback)")


# -- options → harness ----------------------------------------------------------------------------

def run_options(config: pytest.Config) -> RunOptions:
    widget = config.getoption("--widget")
    profile = config.getoption("--spelo-profile")
    return RunOptions(
        profile=load_profile(Path(profile)) if profile else REFERENCE,
        output_dir=Path(config.getoption("--output")),
        widget=Path(widget) if widget else paths.REFERENCE_WIDGET,
        headed=bool(config.getoption("--headed")),
        slowmo_ms=int(config.getoption("--slowmo") or 0),
        trace=config.getoption("--tracing") in ("on", "retain-on-failure"),
        screenshots=config.getoption("--spelo-screenshots"),
        connect=config.getoption("--spelo-connect"),
        observe=bool(config.getoption("--spelo-observe") or config.getoption("--spelo-against")),
    )


def selected_engines(config: pytest.Config) -> list[str]:
    chosen = config.getoption("--browser") or []
    return [e for e in ENGINE_NAMES if e in chosen] if chosen else list(ENGINE_NAMES)


def session_harness(config: pytest.Config) -> Harness:
    """The process's harness, started on first use and closed at the end of the session."""
    if HARNESS_KEY not in config.stash:
        config.stash[HARNESS_KEY] = Harness(run_options(config)).start()
    return config.stash[HARNESS_KEY]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if HARNESS_KEY in config.stash:
        config.stash[HARNESS_KEY].close()
        del config.stash[HARNESS_KEY]
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller writes the results
    store = config.stash[RESULTS_KEY]
    if store["results"]:
        path = results_path(config)
        meta = {"launches": store["launches"], "versions": store["versions"],
                "widget": str(run_options(config).widget), "exitstatus": int(exitstatus),
                "seal": sandbox.seal_status()}
        write_results(path, store["results"], meta)
        store["path"] = path
        from harness.report import write_reports

        store["reports"] = write_reports(path.parent, store["results"], meta)


def results_path(config: pytest.Config) -> Path:
    given = config.getoption("--spelo-results")
    return Path(given) if given else Path(config.getoption("--output")) / "results.json"


@pytest.fixture(scope="session")
def spelo_options(pytestconfig: pytest.Config) -> RunOptions:
    return run_options(pytestconfig)


@pytest.fixture(scope="session")
def spelo_harness(pytestconfig: pytest.Config, spelo_options: RunOptions) -> Harness:
    return session_harness(pytestconfig)


@pytest.fixture
def spelo_tab(spelo_harness: Harness):
    """A factory: spelo_tab(engine, Situation(...)) → a Tab in a fresh context, closed after the test."""
    tabs = []

    def make(engine: str, situation: Situation | None = None):
        tab = spelo_harness.pool.new_tab(engine, situation or Situation())
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        tab.close()


# -- collection: scenario files → items --------------------------------------------------------------

def _scenario_dirs(config: pytest.Config) -> list[Path]:
    given = config.getoption("--spelo-scenarios")
    return [Path(d).resolve() for d in given] if given else [paths.SCENARIO_DIR]


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    named = any(Path(a.split("::")[0]).resolve() == file_path for a in parent.config.args)
    if named or any(d in file_path.resolve().parents for d in _scenario_dirs(parent.config)):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioLoadError(Exception):
    pass


class ScenarioFile(pytest.File):
    def collect(self):
        try:
            scenarios = load_file(self.path)
        except ScenarioError as e:
            raise ScenarioLoadError(str(e)) from None
        engines = selected_engines(self.config)
        for sc in scenarios:
            for engine in engines:
                if engine in sc.engines:
                    yield ScenarioItem.from_parent(self, name=f"{sc.id}[{engine}]", scenario=sc, engine=engine)

    def repr_failure(self, excinfo):
        if excinfo.errisinstance(ScenarioLoadError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class CellFailed(Exception):
    def __init__(self, result: Result):
        super().__init__(result.reason)
        self.result = result


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, engine: str, **kwargs):
        super().__init__(**kwargs)
        self.scenario = scenario
        self.engine = engine
        # Set by order_by_browser: this cell's place, its browser, and each browser's last place.
        self.position: int | None = None
        self.launch_key = None
        self.last_of_browser: dict = {}
        self.add_marker("spelo_cell")
        self.add_marker(engine)
        # A hung browser call must not hold a worker for pytest-timeout's default 300 s: a cell
        # gets a few times its own waiting budget, plus room for a browser launch.
        self.add_marker(pytest.mark.timeout(int(scenario.timeout_s * 3 + 45)))

    def runtest(self) -> None:
        harness = session_harness(self.config)
        result = harness.run_cell(self.scenario, self.engine)
        if self.config.getoption("--spelo-against"):  # the snapshot judges instead of the contract
            from harness.snapshot import judge, loaded

            result = judge(result, loaded(self.config.getoption("--spelo-against")))
        if self.position is not None:  # ordered by browser: close those no later cell needs
            harness.pool.close_finished(lambda key: self.last_of_browser.get(key, -1) < self.position)
        self.user_properties.append(("spelo_result", json.dumps(result.to_dict(), default=str)))
        self.user_properties.append(("spelo_pool", json.dumps({
            "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
            "launches": harness.pool.launches, "versions": harness.pool.versions})))
        if result.outcome == "skipped":
            pytest.skip(f"{self.name}: {result.reason}")
        if not result.ok:
            raise CellFailed(result)

    def repr_failure(self, excinfo, style=None):
        if excinfo.errisinstance(CellFailed):
            return excinfo.value.result.explain()
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        line = int(self.scenario.source.rsplit(":", 1)[-1]) - 1 if ":" in self.scenario.source else 0
        return self.path, line, self.name


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    shard(config, items)
    order_by_browser(items)


def order_by_browser(items: list) -> None:
    """Cells grouped by the browser that serves them (engine, then launch key), in file order
    within a group; other tests keep their places. Each cell learns the position of the last
    cell its browser serves. xdist's load scheduling hands each worker its cells in this order,
    so once a worker has run a cell past that position it will never need that browser again,
    and ScenarioItem.runtest lets the pool close it."""
    slots = [n for n, item in enumerate(items) if isinstance(item, ScenarioItem)]
    for n in slots:
        cell = items[n]
        cell.launch_key = get_engine(cell.engine).launch_key(cell.scenario.situation(cell.engine))
    cells = sorted((items[n] for n in slots),  # stable: file order within a browser
                   key=lambda c: (ENGINE_NAMES.index(c.engine), repr(c.launch_key)))
    last: dict = {}
    for n, cell in zip(slots, cells):
        items[n] = cell
        cell.position, last[cell.launch_key] = n, n
    for cell in cells:
        cell.last_of_browser = last


def shard(config: pytest.Config, items: list) -> None:
    spec = config.getoption("--spelo-shard")
    if not spec:
        return
    try:
        index, total = parse_shard(spec)
    except ShardError as e:
        raise pytest.UsageError(str(e)) from None
    cells = [i for i in items if isinstance(i, ScenarioItem)]
    given = config.getoption("--spelo-durations")
    durations = Path(given) if given else Path(config.getoption("--output")) / "results.json"
    keep = set(pick_shard([c.name for c in cells], index, total, durations))
    deselected = [c for c in cells if c.name not in keep]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [i for i in items if i not in deselected]


# -- results: gathered on the controller (or the only process) ------------------------------------------

def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    props = dict(report.user_properties)
    config = _CONFIG.get("config")
    if config is None:
        return
    store = config.stash[RESULTS_KEY]
    if "spelo_result" in props and report.when == "call":
        store["results"].append(Result.from_dict(json.loads(props["spelo_result"])))
        pool = json.loads(props["spelo_pool"])
        store["launches"][pool["worker"]] = pool["launches"]
        store["versions"].update(pool["versions"])
    elif report.when == "???" and report.failed and (lost := crashed_cell(report)) is not None:
        store["results"].append(lost)  # xdist: the worker running this cell died
    else:
        return
    if not hasattr(config, "workerinput"):
        # Rewritten (atomically) after every cell: an interrupted or killed run leaves valid JSON.
        write_results(results_path(config), store["results"], {
            "launches": store["launches"], "versions": store["versions"], "partial": True,
            "widget": str(run_options(config).widget), "seal": sandbox.seal_status()})


CELL_NODEID = re.compile(r"^(?P<file>.+\.ya?ml)::(?P<scenario>[a-z0-9][a-z0-9-]*)\[(?P<engine>[a-z]+)\]$")


def crashed_cell(report: pytest.TestReport) -> Result | None:
    """The failed Result of a cell whose worker process died while running it."""
    m = CELL_NODEID.match(report.nodeid)
    if m is None or m["engine"] not in ENGINE_NAMES:
        return None
    return Result(scenario=m["scenario"], engine=m["engine"], outcome="fail", source=m["file"],
                  reason=f"no result: {str(report.longrepr).strip().splitlines()[0]}")


_CONFIG: dict[str, pytest.Config] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _CONFIG["config"] = session.config


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    store = config.stash.get(RESULTS_KEY, None)
    if not store or not store["results"]:
        return
    from harness.report.grid import render_grid

    terminalreporter.write_line("")
    terminalreporter.write(render_grid(store["results"], store["versions"], store["launches"]))
    terminalreporter.write_line(sandbox.seal_status())
    if store.get("path"):
        terminalreporter.write_line(f"results: {store['path']}")
    for kind, report in (store.get("reports") or {}).items():
        terminalreporter.write_line(f"{kind}: {report}")
