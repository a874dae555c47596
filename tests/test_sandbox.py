"""The seal (harness.sandbox): each check runs in a subprocess, since entering a network
namespace is for good (and must happen before any thread starts)."""

from __future__ import annotations

from typing import Any

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness import sandbox

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="network namespaces are Linux only")
# Some checks compare with the namespace outside; inside a sealed run there is no outside to see.
outside_only = pytest.mark.skipif(sandbox.interfaces() == ["lo"], reason="this run is already sealed")

PROBE = textwrap.dedent("""
    import json, os, socket, sys
    from harness import sandbox
    status = sandbox.seal() if "--seal" in sys.argv else sandbox.seal_status()

    def attempt(family, address):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect(address)
            return "connected"
        except OSError as e:
            return e.__class__.__name__ + ":" + str(e.errno)
        finally:
            s.close()

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    print(json.dumps({
        "status": status, "interfaces": sandbox.interfaces(), "marker": os.environ.get(sandbox.MARKER),
        "netns": os.readlink("/proc/self/ns/net"),
        "outside_v4": attempt(socket.AF_INET, ("192.0.2.1", 80)),
        "outside_v6": attempt(socket.AF_INET6, ("fd00::1", 80)),
        "loopback": attempt(socket.AF_INET, server.getsockname()),
    }))
""")


def probe(*args: str, env: dict[str, Any] | None = None, prefix: list[str] | None = None) -> dict[str, Any]:
    base = {k: v for k, v in os.environ.items() if k != sandbox.MARKER}
    proc = subprocess.run(
        [*(prefix or []), sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
        env={**base, **(env or {})},
    )
    assert proc.returncode == 0, proc.stderr
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "stderr": proc.stderr}


@pytest.fixture(scope="module")
def sealed() -> dict[str, Any]:
    result = probe("--seal")
    if result["status"] != sandbox.SEALED:
        pytest.skip(f"cannot seal on this machine: {result['status']}")
    return result


def test_inside_the_seal_only_lo_and_no_way_out(sealed: dict[str, Any]) -> None:
    assert sealed["interfaces"] == ["lo"] and sealed["marker"] == "1"
    assert sealed["outside_v4"] == "OSError:101"  # ENETUNREACH: no route, nothing sent anywhere
    assert sealed["outside_v6"] == "OSError:101"
    assert sealed["loopback"] == "connected"  # lo is up


@outside_only
def test_the_seal_is_a_new_namespace(sealed: dict[str, Any]) -> None:
    assert sealed["netns"] != os.readlink("/proc/self/ns/net")


def test_command_line_wrapper_execs_sealed_and_children_inherit() -> None:
    result = probe(prefix=sandbox.sealed_argv([])[:-1] + ["--strict", "--"])
    if result["interfaces"] != ["lo"]:
        pytest.skip(f"cannot seal on this machine: {result['stderr']}")
    assert sandbox.SEALED in result["stderr"]
    # The exec'd probe did not seal again (it only read the status) yet is sealed: inherited.
    assert result["status"] == sandbox.SEALED and result["marker"] == "1"


def fresh_python(code: str) -> str:
    """What `python -c code` prints, run from the checkout in a process not marked as sealed."""
    env = {k: v for k, v in os.environ.items() if k != sandbox.MARKER}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd=ROOT, env=env).stdout


def test_marker_stops_a_second_seal(sealed: dict[str, Any]) -> None:
    # A sealed process's child that calls seal() again stays in its parent's namespace.
    code = (
        "import os, subprocess, sys; from harness import sandbox; sandbox.seal(); "
        "print(os.readlink('/proc/self/ns/net')); sys.stdout.flush(); "
        "subprocess.run([sys.executable, '-c', 'import os; from harness import sandbox; "
        'print(sandbox.seal()); print(os.readlink("/proc/self/ns/net"))\'])'
    )
    out = fresh_python(code).split("\n")
    assert out[0] == out[2] and out[1] == sandbox.SEALED


@outside_only
def test_refuses_once_threads_run() -> None:
    code = (
        "import threading; from harness import sandbox; e = threading.Event(); "
        "t = threading.Thread(target=e.wait); t.start(); print(sandbox.seal()); "
        "print(sandbox.interfaces()); e.set()"
    )
    out = fresh_python(code)
    assert "NOT sealed (2 threads already running" in out and "'lo'" in out


def test_usage_without_a_command() -> None:
    proc = subprocess.run([sys.executable, "-m", "harness.sandbox"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "usage" in proc.stderr


def test_status_line_outside() -> None:
    status = sandbox.seal_status()
    assert status == sandbox.SEALED or status.startswith("NOT sealed")


def test_with_browsers_on_another_host_the_status_says_so_without_the_local_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """--connect to a server elsewhere: not sealed, and the reason is the other host (where the
    peer here sends only), not this machine's outside interface."""
    from harness.origins import Network

    monkeypatch.setattr(sandbox, "_status", None)  # restored after the test: the module's one status
    monkeypatch.setattr(sandbox, "interfaces", lambda: ["eth0", "lo"])  # as a run that reaches another host
    elsewhere = Network("10.7.0.1", ("10.7.0.2",))
    status = sandbox.seal_for("ws://10.7.0.2:3000/", elsewhere)
    assert status == (
        "NOT sealed: the browsers are on another host (10.7.0.2); test traffic goes between this machine's 10.7.0.1 and that host's address"
    )
    assert sandbox.seal_status() == status  # what results.json and the report headers read
    assert sandbox.status_line(status) == status  # no WebRTC warning about this machine

    monkeypatch.setattr(sandbox, "_status", None)
    here = sandbox.seal_for("ws://127.0.0.1:3000/", Network())  # a server on this machine: its browsers are here
    assert here == "NOT sealed: interfaces eth0, lo are reachable"
    assert sandbox.status_line(here).endswith("WARNING: WebRTC may use the machine's outside interface")
    assert sandbox.status_line(sandbox.SEALED) == sandbox.SEALED
