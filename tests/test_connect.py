"""--connect: cells in browsers served by Playwright's own `playwright run-server`.

Most servers are started from this test process, which the plugin has already sealed in its
network namespace: the server, its browsers and the CLI's run all share that lo, so the served
browsers reach the fixture server as local ones do. The two-host case puts the run and the
server in two namespaces joined by a veth pair (tests/two_hosts.py), as on two machines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator

import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from harness.engines.playwright.remote import check_endpoint

if TYPE_CHECKING:
    from conftest import RunCli
    from two_hosts import Host

START_TIMEOUT_S = 60


def start_server(
    unsafe: bool, host: str = "127.0.0.1", wrap: Callable[[list[str]], list[str]] = lambda argv: argv
) -> tuple[subprocess.Popen[str], str]:
    cmd = wrap([sys.executable, "-m", "playwright", "run-server", "--port", "0", "--host", host])
    # Own process group: `python -m playwright` runs node as a child, and both must go at the end.
    proc = subprocess.Popen(
        cmd + (["--unsafe"] if unsafe else []), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(START_TIMEOUT_S):
            stop_server(proc)
            pytest.fail(f"playwright run-server printed nothing within {START_TIMEOUT_S} s")
    line = proc.stdout.readline()
    found = re.search(r"Listening on (ws://\S+)", line)
    if not found:
        stop_server(proc)
        pytest.fail(f"playwright run-server said {line!r}")
    return proc, found.group(1)


def stop_server(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    try:  # whatever of the group outlived its leader (node, once seen after a long run)
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, str]]:
    """{"unsafe": endpoint, "safe": endpoint}: one server that applies our launch options and
    one that drops them (Playwright's default)."""
    procs: list[subprocess.Popen[str]] = []
    endpoints: dict[str, str] = {}
    try:
        for name, unsafe in (("unsafe", True), ("safe", False)):
            proc, endpoints[name] = start_server(unsafe)
            procs.append(proc)
        yield endpoints
    finally:
        for proc in procs:
            stop_server(proc)


def results(folder: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return {r["engine"]: r for r in data["results"]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cells_pass_in_served_browsers(served: dict[str, str], run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_cli(
        "run",
        "--browser",
        "chromium",
        "--browser",
        "firefox",
        "--connect",
        served["unsafe"],
        "-k",
        "blocked-before",
        "--output",
        str(out),
        "--screenshots",
        "end",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    cells = results(out)
    assert set(cells) == {"chromium", "firefox"}
    for engine, cell in cells.items():
        assert cell["outcome"] == "pass", (engine, cell["reason"])
        assert cell["engine_source"] == f"remote {served['unsafe']}"


def test_a_server_that_drops_launch_options_skips_with_the_reason(served: dict[str, str], run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_cli(
        "run", "--browser", "chromium", "--browser", "firefox", "--connect", served["safe"], "-k", "blocked-before", "--output", str(out)
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]  # a skip counts as passed
    for engine, cell in results(out).items():
        assert cell["outcome"] == "skipped", engine
        assert "does not apply the launch options" in cell["reason"] and "--unsafe" in cell["reason"]


def test_unreachable_endpoint_is_one_line_before_any_cell(run_cli: RunCli) -> None:
    endpoint = f"ws://127.0.0.1:{free_port()}/"
    started = time.monotonic()
    done = run_cli("run", "--connect", endpoint, "-k", "blocked-before", timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"spelo-harness: --connect: cannot reach {endpoint}: Connection refused"
    assert "Traceback" not in done.stdout + done.stderr
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    "endpoint, says",
    [
        ("http://127.0.0.1:9/", "expected ws://HOST:PORT/PATH"),
        ("ws://127.0.0.1:99999/", "bad port"),
    ],
)
def test_malformed_endpoint(run_cli: RunCli, endpoint: str, says: str) -> None:
    done = run_cli("run", "--connect", endpoint, timeout=60)
    assert done.returncode == 2 and says in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_bad_listen_address_stops_the_run_in_one_line(served: dict[str, str], run_cli: RunCli) -> None:
    done = run_cli("run", "--connect", served["unsafe"], "--listen", "shop.test", "-k", "blocked-before", timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "spelo-harness: --listen: expected an IP address of this machine, got 'shop.test'"


def test_wrong_path_is_named(served: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="is not a Playwright server endpoint .*400 Bad Request"):
        check_endpoint(served["safe"] + "elsewhere")


def test_another_playwright_version_is_named() -> None:
    """A server of another minor version refuses the handshake with 428 and a message box
    (measured with run-server 1.64.1 and a client claiming 1.50.0); made here by a stand-in."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            while b"\r\n\r\n" not in conn.recv(4096):
                pass
            conn.sendall(
                "HTTP/1.1 428 Precondition Required\r\n\r\n║ Playwright version mismatch: ║\n║   - server version: v1.99 ║\n".encode()
            )

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        with pytest.raises(ValueError, match=r"runs Playwright 1\.99, this harness 1\.\d+"):
            check_endpoint(f"ws://127.0.0.1:{port}/")
    finally:
        thread.join(10)
        listener.close()


def test_pytest_option_checks_the_endpoint_too(tmp_path: Path) -> None:
    endpoint = f"ws://127.0.0.1:{free_port()}/"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "scenarios",
            "-p",
            "no:cacheprovider",
            "-q",
            "--spelo-connect",
            endpoint,
            "-k",
            "blocked-before",
            "--output",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 4  # pytest's usage error
    assert f"--connect: cannot reach {endpoint}" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


# -- another host -----------------------------------------------------------------------------------

# Session cells (WebRTC to the peer, both ways, data channel; ICE made impossible; a token
# refused), the localhost origin (mapped to the harness host), https hosts, iframes across
# origins, a denied microphone, the silent device. The whole matrix across the pair is in the
# README (run by hand: about 3.5 minutes on 2 cores, too long for every CI run).
TWO_HOST_CELLS = (
    "session-audio-arrives or session-hang-up or session-silent-device or session-ice-impossible "
    "or token-403-origin-not-allowed or localhost-exempt or iframe-cross-origin-allow or blocked-before "
    "or https-hostname or www-is-another-origin"
)


@contextmanager
def two_hosts(hide: Path | None = None) -> Iterator[tuple[Host, Host]]:
    """The two hosts of tests/two_hosts.py; a failure to make them is this test's failure, said
    with the command's own words."""
    from two_hosts import two_hosts as make

    stack = ExitStack()
    try:
        hosts = stack.enter_context(make(hide))
    except (subprocess.CalledProcessError, RuntimeError, FileNotFoundError) as e:
        detail = getattr(e, "stderr", "") or ""
        pytest.fail(f"two network namespaces could not be made here: {e} {detail}".strip())
    with stack:
        yield hosts


def run_across(harness_host: Host, browser_host: Host, out: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """`spelo-harness run --connect` on the harness host to `playwright run-server --unsafe` on
    the browser host; the run's own address is found from the route towards the server."""
    proc, endpoint = start_server(True, host=browser_host.address, wrap=browser_host.argv)
    try:
        assert endpoint.startswith(f"ws://{browser_host.address}:")
        env = {k: v for k, v in os.environ.items() if k != "SPELO_SEALED"}
        done = subprocess.run(
            harness_host.argv(
                [sys.executable, "-m", "harness.cli", "run", "--connect", endpoint, "--output", str(out), "--screenshots", "failure", *args]
            ),
            capture_output=True,
            text=True,
            timeout=600,
            cwd=out.parent,
            env=env,
        )
    finally:
        stop_server(proc)
    return done, endpoint


def test_cells_pass_with_the_browsers_on_another_host(tmp_path: Path) -> None:
    """The run on one host, `playwright run-server --unsafe` on another: the hostnames, the
    run's key, the WAV and WebRTC all cross the veth pair, and nothing else exists to cross."""
    from two_hosts import BROWSER_ADDRESS, HARNESS_ADDRESS

    out = tmp_path / "out"
    with two_hosts() as (harness_host, browser_host):
        assert harness_host.interfaces() == sorted(["lo", harness_host.name])
        assert browser_host.interfaces() == sorted(["lo", browser_host.name])
        done, endpoint = run_across(
            harness_host, browser_host, out, "--browser", "chromium", "--browser", "firefox", "-k", TWO_HOST_CELLS, "--workers", "2"
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    # not sealed, for the true reason: the browsers are on the other host (no local WebRTC warning)
    seal = (
        f"NOT sealed: the browsers are on another host ({BROWSER_ADDRESS}); test traffic goes between "
        f"this machine's {HARNESS_ADDRESS} and that host's address"
    )
    assert f"spelo-harness: {seal}\n" in done.stderr and "WARNING" not in done.stderr, done.stderr[-2000:]
    assert json.loads((out / "results.json").read_text(encoding="utf-8"))["meta"]["seal"] == seal
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))["results"]
    grid = {(r["scenario"], r["engine"]): r for r in data}
    outcomes = {cell: r["outcome"] for cell, r in grid.items()}
    assert {e for _, e in grid} == {"chromium", "firefox"}
    assert {"localhost-exempt", "session-audio-arrives", "session-silent-device"} <= {s for s, _ in grid}
    # Firefox has no silent microphone at all (skipped with that reason, as in a local run);
    # every other cell ran and passed (or met its engine's recorded quirk) in the served browsers.
    for cell, r in grid.items():
        if cell == ("session-silent-device", "firefox"):
            assert r["outcome"] == "skipped" and "always plays a tone" in r["reason"], (cell, r["reason"])
        else:
            assert r["outcome"] in ("pass", "quirk"), (cell, r["reason"], outcomes)
        assert r["engine_source"] == f"remote {endpoint}"
    # WebRTC crossed the pair: the peer answered on the harness host's address and used the
    # browser host's candidates only (its loopback ones were left out), and audio went both ways.
    for engine in ("chromium", "firefox"):
        peer = grid[("session-audio-arrives", engine)]["peer"]
        assert set(peer["candidates"]["answer"]) == {HARNESS_ADDRESS}, peer["candidates"]
        assert BROWSER_ADDRESS in peer["candidates"]["offer"], peer["candidates"]
        assert peer["state"] == "connected" and peer["audio"]["rms"] > 0.01, peer


def test_a_wav_the_browser_host_cannot_see_skips_the_silent_cell_with_why(tmp_path: Path) -> None:
    """On two real machines the run's folder is not on the browser host: Chromium would read no
    silence from the path it is given, so the launch checks it there and says what to do."""
    here_only = tmp_path / "here-only"
    here_only.mkdir()
    out = here_only / "out"
    with two_hosts(hide=here_only) as (harness_host, browser_host):
        done, _ = run_across(
            harness_host, browser_host, out, "--browser", "chromium", "-k", "session-silent-device or session-audio-arrives"
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    cells = {r["scenario"]: r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))["results"]}
    assert cells["session-audio-arrives"]["outcome"] == "pass", cells["session-audio-arrives"]["reason"]
    silent = cells["session-silent-device"]
    assert silent["outcome"] == "skipped"
    wav = out.resolve() / "silence.wav"
    assert silent["reason"].endswith(
        f"the silent microphone's WAV {wav} does not exist on the browser host; "
        "Chromium reads it there: give both hosts that folder (--output on a shared path)"
    ), silent["reason"]
