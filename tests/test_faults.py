"""Cleanup under faults: whatever stops a run (Ctrl-C, SIGTERM, a cell that times out, a browser
that crashes, an xdist worker that dies), no process it started is left, and the results it had
written are valid JSON of our format.

Each run is a child in a session of its own whose environment carries FAULT_MARK=<uuid>; every
process the run starts inherits it, so leftovers are found by that mark (browsers leave their
parent's group and get re-parented to init, and other runs on this machine may have browsers of
their own), by the run's process group, and by the children seen while it ran. The command line
of a leftover names what it was (chromium, firefox-esr, WebKitWebProcess, run-driver ...).
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Protocol, TypeVar

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from harness.reaper import marked
from harness.model import OUTCOMES
from harness.results import FORMAT, Result

T = TypeVar("T")
FAULT_MARK = "SPELO_FAULT_TEST"
KNOWN = (
    "chromium",
    "chrome",
    "firefox",
    "WebKitWebProcess",
    "WebKitNetworkProcess",
    "webkitgtk/driver",
    "Xvfb",
    "run-driver",
    "harness.cli",
    "pytest",
)

CELLS = """
scenarios:
  - id: quick
    title: "Cancel on the notice: the orb is idle"
    permission: granted
    steps: [{click: orb}, {click: cancel}]
    expect: {state: idle, notice: false, gum_calls: 0}
  - id: never
    title: "Waits for a state that never comes"
    permission: granted
    timeout_s: {timeout}
    steps: [{click: orb}, {click: cancel}]
    expect: {state: never-happens}
  - id: after
    title: "The cell after: still runs"
    permission: granted
    steps: [{click: orb}, {click: cancel}]
    expect: {state: idle}
"""


class Run:
    """`spelo-harness run` (or pytest) in its own session, marked, with its output in files."""

    def __init__(self, tmp: Path, argv: list[str], cells: str) -> None:
        self.tmp = tmp
        self.mark = uuid.uuid4().hex
        self.out = tmp / "out"
        self.scenarios = tmp / "scenarios"
        self.scenarios.mkdir()
        (self.scenarios / "faults.yaml").write_text(cells, encoding="utf-8")
        # Short: Chromium's singleton socket lives under TMPDIR, and a unix socket path has 108 bytes.
        self.tmpdir = Path(tempfile.mkdtemp(prefix="sf-", dir="/tmp"))
        env = dict(os.environ, **{FAULT_MARK: self.mark, "TMPDIR": str(self.tmpdir)})
        env.pop("SPELO_SEALED", None)
        env.pop("PYTEST_XDIST_WORKER", None)
        self.log = open(tmp / "log.txt", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *argv], cwd=tmp, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.seen: set[tuple[int, str]] = set()  # (pid, start time) of every process seen running

    def processes(self) -> list[int]:
        pids = marked(self.mark, FAULT_MARK)
        self.seen |= {(p, _start(p)) for p in pids}
        return pids

    def cmdlines(self) -> dict[int, str]:
        return {p: _cmdline(p) for p in self.processes()}

    def wait_for(self, what: str, predicate: Callable[[], T], timeout: float = 90.0) -> T:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            if self.proc.poll() is not None:
                pytest.fail(f"the run ended (code {self.proc.returncode}) before {what}:\n{self.text()[-3000:]}")
            time.sleep(0.1)  # poll
        pytest.fail(f"no {what} within {timeout:g} s:\n{self.text()[-3000:]}")

    def browsers(self) -> list[int]:
        """Chromium's main processes (not its helpers, which carry --type=, nor crashpad)."""
        names = ("chromium", "chrome", "headless_shell", "chrome-headless-shell")
        return [p for p, c in self.cmdlines().items() if os.path.basename(c.split(" ")[0]) in names and "--type=" not in c]

    def results(self) -> dict[str, Any] | None:
        path = self.out / "results.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def finish(self, timeout: float = 90.0) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the run did not end within {timeout:g} s:\n{self.text()[-3000:]}")

    def text(self) -> str:
        self.log.flush()
        return (self.tmp / "log.txt").read_text(errors="replace")

    def assert_nothing_left(self) -> None:
        deadline = time.monotonic() + 10  # processes just killed take a moment to leave /proc
        while time.monotonic() < deadline:
            left = self.cmdlines()
            alive = [p for p, started in self.seen if _start(p) == started]
            in_group = _group_members(self.proc.pid)
            if not left and not alive and not in_group:
                break
            time.sleep(0.1)  # poll
        named = {p: next((k for k in KNOWN if k in c), "?") + ": " + c[:150] for p, c in left.items()}
        assert not left, f"left running: {named}"
        assert not alive, f"processes seen during the run still alive: {alive}"
        assert not in_group, f"processes still in the run's group: {in_group}"
        assert list(self.tmpdir.iterdir()) == [], f"temporary files left: {list(self.tmpdir.iterdir())}"

    def assert_valid_results(self, at_least: int = 1) -> list[Result]:
        data = self.results()
        assert data is not None, f"no results.json:\n{self.text()[-2000:]}"
        assert data["format"] == FORMAT and isinstance(data["meta"], dict)
        results = [Result.from_dict(r) for r in data["results"]]
        assert len(results) >= at_least, data
        assert all(r.outcome in OUTCOMES and r.scenario and r.engine for r in results)
        return results

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        from harness.reaper import kill_marked

        kill_marked(self.mark, FAULT_MARK)  # a failed test still leaves nothing behind
        self.log.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _start(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


class Start(Protocol):
    """The start fixture: a run of the CLI (or of pytest itself) on the fault cells."""

    def __call__(self, *args: str, timeout_s: float = 60, workers: str = "1", cli: bool = True, cells: str = ...) -> Run: ...


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    runs: list[Run] = []

    def go(*args: str, timeout_s: float = 60, workers: str = "1", cli: bool = True, cells: str = CELLS) -> Run:
        cells = cells.replace("{timeout}", str(timeout_s))
        if cli:
            argv = [
                "harness.cli",
                "run",
                "scenarios",
                "--browser",
                "chromium",
                "--workers",
                workers,
                "--output",
                "out",
                "--screenshots",
                "each",
                *args,
            ]  # step screenshots: see in_await
        else:
            argv = [
                "pytest",
                "scenarios/faults.yaml",
                "-p",
                "no:cacheprovider",
                "-q",
                "--rootdir",
                str(tmp_path),
                "--browser",
                "chromium",
                "--output",
                "out",
                "--spelo-scenarios",
                "scenarios",
                "-c",
                os.devnull,
                "--spelo-screenshots",
                "each",
                *args,
            ]
        run = Run(tmp_path, argv, cells)
        runs.append(run)
        return run

    yield go
    for run in runs:
        run.close()


def in_await(run: Run, cell: str = "never-chromium") -> bool:
    """The cell has taken its steps (the screenshot after its last step exists) and is now
    waiting for its expectation: the moment to strike."""
    return any((run.out / "cells" / cell).glob("02-*.png"))


# -- signals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_to_the_cli_during_a_run(start: Start, sig: signal.Signals) -> None:
    run = start()
    run.wait_for("the 'never' cell waiting", lambda: in_await(run))
    if sig == signal.SIGINT:
        os.killpg(run.proc.pid, sig)  # Ctrl-C: the terminal signals the CLI's whole group
    else:
        run.proc.send_signal(sig)  # SIGTERM: to the CLI alone, as a process manager does
    code = run.finish()
    assert code == 130, run.text()[-2000:]
    assert "interrupted" in run.text()
    run.assert_nothing_left()
    results = run.assert_valid_results()
    assert [r.scenario for r in results][0] == "quick" and results[0].outcome == "pass"


def test_the_cli_killed_outright_takes_its_run_with_it(start: Start) -> None:
    # SIGKILL leaves the CLI no say: the kernel tells its pytest child (PR_SET_PDEATHSIG, SIGTERM),
    # which closes its browsers and writes what it has instead of running on for the cell's 60 s.
    run = start()
    run.wait_for("the 'never' cell waiting", lambda: in_await(run))
    run.proc.kill()  # the CLI alone, not its group
    run.proc.wait(10)
    bound = 30.0  # pytest's interrupt: the browser closed, the results written (reaper.GRACE_S is 20 s)
    deadline = time.monotonic() + bound
    while run.processes() and time.monotonic() < deadline:
        time.sleep(0.1)  # poll for the run's processes to go
    left = run.cmdlines()
    assert not left, f"left running {bound:g} s after the CLI was killed: {left}"
    results = run.assert_valid_results()
    assert results[0].scenario == "quick"


def test_sigterm_to_pytest_itself(start: Start) -> None:
    # Without the CLI: the plugin turns SIGTERM into pytest's interrupt, so the session still
    # closes its browsers and the Playwright driver, and writes what it has.
    run = start(cli=False)
    run.wait_for("the 'never' cell waiting", lambda: in_await(run))
    run.proc.send_signal(signal.SIGTERM)
    code = run.finish()
    assert code == 2, run.text()[-2000:]  # pytest: interrupted
    results = run.assert_valid_results()
    assert results[0].scenario == "quick"
    deadline = time.monotonic() + 15
    while run.processes() and time.monotonic() < deadline:
        time.sleep(0.1)  # poll: the browser's helpers end as its pipe closes
    left = run.cmdlines()
    assert not left, f"left running: {left}"


# -- a cell that times out -------------------------------------------------------------------------------


def test_a_cell_that_times_out_fails_and_the_run_goes_on(start: Start) -> None:
    run = start(timeout_s=0.5)
    code = run.finish()
    assert code == 1, run.text()[-2000:]
    by_id = {r.scenario: r for r in run.assert_valid_results(3)}
    never = by_id["never"]
    assert never.outcome == "fail"
    assert never.reason == "not as expected after 0.5 s: state: expected 'never-happens', seen 'idle'"
    assert by_id["quick"].outcome == "pass" and by_id["after"].outcome == "pass"
    run.assert_nothing_left()


# -- a browser that crashes --------------------------------------------------------------------------------


def test_a_browser_crash_fails_its_cell_and_the_next_relaunches(start: Start) -> None:
    run = start(timeout_s=60)
    run.wait_for("the 'never' cell waiting", lambda: in_await(run))
    browsers = run.browsers()
    assert len(browsers) == 1, run.cmdlines()
    os.kill(browsers[0], signal.SIGKILL)
    code = run.finish()
    assert code == 1, run.text()[-2000:]
    data = run.results()
    assert data is not None
    by_id = {r.scenario: r for r in run.assert_valid_results(3)}
    assert by_id["never"].outcome == "fail"
    assert by_id["never"].reason.startswith("the browser crashed: "), by_id["never"].reason
    assert by_id["after"].outcome == "pass", by_id["after"].reason
    assert sum(w.get("chromium", 0) for w in data["meta"]["launches"].values()) == 2
    run.assert_nothing_left()


# -- an xdist worker that dies ---------------------------------------------------------------------------------

WORKER_CELLS = "scenarios:\n" + "".join(
    f"""
  - id: never-{i}
    title: "Waits for a state that never comes ({i})"
    permission: granted
    timeout_s: {{timeout}}
    steps: [{{click: orb}}, {{click: cancel}}]
    expect: {{state: never-happens}}
"""
    for i in range(1, 5)
)


def test_a_dead_worker_fails_its_cell_and_leaves_nothing(start: Start) -> None:
    run = start(timeout_s=6, workers="2", cells=WORKER_CELLS)
    run.wait_for("both workers in a cell", lambda: sum(in_await(run, f"never-{i}-chromium") for i in range(1, 5)) >= 2)
    controller = run.wait_for("pytest", lambda: [p for p, c in run.cmdlines().items() if "-m pytest" in c])[0]
    workers = [p for p, c in run.cmdlines().items() if _parent(p) == controller and "python" in c.split(" ")[0]]
    assert len(workers) == 2, run.cmdlines()
    os.kill(workers[0], signal.SIGKILL)
    code = run.finish()
    assert code == 1, run.text()[-2000:]
    results = run.assert_valid_results(4)
    assert sorted(r.scenario for r in results) == [f"never-{i}" for i in range(1, 5)]
    crashed = [r for r in results if "crashed while running" in r.reason]
    assert len(crashed) == 1 and crashed[0].outcome == "fail", [r.reason for r in results]
    others = [(r.outcome, r.reason) for r in results if r not in crashed]
    assert all(o == "fail" and "not as expected" in why and "never-happens" in why for o, why in others), others  # at rest or at 6 s
    run.assert_nothing_left()


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


# -- the fixture server on its own ------------------------------------------------------------------------------


def test_serve_stopped_by_sigterm_removes_its_ca(tmp_path: Path) -> None:
    mark = uuid.uuid4().hex
    tmpdir = Path(tempfile.mkdtemp(prefix="sf-", dir="/tmp"))
    env = dict(os.environ, **{FAULT_MARK: mark, "TMPDIR": str(tmpdir)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve"],
        stdout=subprocess.PIPE,
        text=True,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env=env,
        start_new_session=True,
    )
    try:
        ca = None
        assert proc.stdout is not None
        for line in proc.stdout:  # the server prints its URLs, then the CA's path, then waits
            if "The run's CA certificate: " in line:
                ca = Path(line.split("certificate: ", 1)[1].split(" (", 1)[0])
                break
        assert ca is not None and ca.is_file() and ca.parent.parent == tmpdir
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert not ca.parent.exists() and list(tmpdir.iterdir()) == []
        assert marked(mark, FAULT_MARK) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
