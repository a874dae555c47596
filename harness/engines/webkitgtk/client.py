"""The harness side of the WebKitGTK driver: starts the driver process (system Python, which has
PyGObject) with an X display and the host proxy, and makes synchronous calls over its JSON-lines
protocol (see driver/main.py). Every call has a timeout; a driver that died or stopped
answering raises base.EngineCrashed with the cause, and close() leaves nothing running.
"""

from __future__ import annotations

import atexit
import collections
import json
import logging
import os
import signal
import subprocess
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from harness.engines.base import EngineCrashed
from harness.engines.hostproxy import HostProxy
from harness.origins import LOOPBACK
from harness.xvfb import Xvfb

log = logging.getLogger("spelo.webkitgtk")

SYSTEM_PYTHON = os.environ.get("SPELO_WEBKIT_PYTHON", "/usr/bin/python3")
# Run by file path: the driver needs only its own folder (stdlib and gi), never this Python's
# packages, so it works the same from a checkout and from an installed wheel.
DRIVER = Path(__file__).resolve().parent / "driver" / "main.py"
MARGIN = 5.0  # the driver enforces each op's own timeout; the client waits this much longer


_started: "weakref.WeakSet[WebKitGTKClient]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """A harness that exits without closing its engines still leaves nothing running."""
    for client in list(_started):
        client.close()


class DriverError(RuntimeError):
    """The driver answered with an error; `kind` says which (timeout, load-failed, crashed...)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class _Slot:
    """Where one request's reply arrives: set once it does, or once the driver is gone."""

    event: threading.Event = field(default_factory=threading.Event)
    reply: dict[str, Any] | None = None


class WebKitGTKClient:
    def __init__(
        self, mapped_hosts: tuple[str, ...] = (), display: str | None = None, python: str = SYSTEM_PYTHON, start_timeout: float = 30.0
    ):
        self.mapped_hosts = tuple(mapped_hosts)
        self.display = display  # None: a private Xvfb
        self.python = python
        self.start_timeout = start_timeout
        self.version = ""
        self.proxy_url = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self._xvfb: Xvfb | None = None
        self._proxy: HostProxy | None = None
        self._lock = threading.Lock()
        self._pending: dict[int, _Slot] = {}  # request id -> where its reply arrives
        self._next_id = 0
        self._dead = ""  # why the driver is gone, once it is
        self._stderr: collections.deque[str] = collections.deque(maxlen=40)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "WebKitGTKClient":
        try:
            if self.display is None:
                self._xvfb = Xvfb(end_with_last_client=True)  # the driver is its only client
                self.display = self._xvfb.start()
            self._proxy = HostProxy(self.mapped_hosts)
            self.proxy_url = f"http://{LOOPBACK}:{self._proxy.start()}"
            env = dict(os.environ, DISPLAY=self.display)
            # -E: no PYTHONPATH / PYTHONHOME of the harness's venv (it may be another Python's)
            self.proc = subprocess.Popen(
                [self.python, "-E", str(DRIVER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd=str(DRIVER.parent),
                start_new_session=True,
            )
        except (OSError, RuntimeError) as e:
            self.close()
            raise EngineCrashed(f"could not start the WebKitGTK driver: {e}") from None
        _started.add(self)
        self._pending[0] = _Slot()  # the greeting
        proc = self.proc
        threading.Thread(target=self._read_replies, args=(proc.stdout,), name="webkitgtk-replies", daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(proc.stderr,), name="webkitgtk-stderr", daemon=True).start()
        try:
            hello = self._wait(0, "start", self.start_timeout)
        except (EngineCrashed, DriverError) as e:
            self.close()
            raise EngineCrashed(f"the WebKitGTK driver did not start: {e}") from None
        self.version = hello.get("webkitgtk", "")
        return self

    def route_host(self, host: str, ports: dict[int, int]) -> None:
        """The host proxy also serves `host`, its ports sent to these local ports (a vendor fake)."""
        if self._proxy is None:
            raise EngineCrashed("the WebKitGTK driver is not running")
        self._proxy.route(host, ports)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and not self._dead

    def close(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None and not self._dead:
            try:
                self.call("quit", timeout=3)
            except (EngineCrashed, DriverError):
                pass
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the web and network processes it spawned too
            except ProcessLookupError:
                pass
            proc.wait(10)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
        self._dead = self._dead or "closed"
        if self._proxy is not None:
            self._proxy.stop()
            self._proxy = None
        if self._xvfb is not None:
            self._xvfb.stop()
            self._xvfb = None

    # -- calls ---------------------------------------------------------------------------------
    def call(self, op: str, timeout: float = 15.0, **args: Any) -> Any:
        """One request; returns its value, raises DriverError for an error reply and
        EngineCrashed when the driver is gone or does not answer in time."""
        with self._lock:
            if self._dead or self.proc is None or self.proc.stdin is None:
                raise EngineCrashed(f"the WebKitGTK driver is not running ({self._dead or 'not started'})")
            self._next_id += 1
            rid = self._next_id
            self._pending[rid] = _Slot()
            args.setdefault("timeout", timeout)
            try:
                self.proc.stdin.write((json.dumps({"id": rid, "op": op, **args}) + "\n").encode())
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                self._pending.pop(rid, None)
                raise EngineCrashed(self._death_cause()) from None
        return self._wait(rid, op, timeout + MARGIN)

    def _wait(self, rid: int, op: str, timeout: float) -> Any:
        answered = self._pending[rid].event.wait(timeout)
        reply = self._pending.pop(rid).reply
        if reply is None:
            if not answered:  # hung: a driver that misses its own deadlines is of no use any more
                self._dead = f"the driver did not answer {op!r} in {timeout:g} s"
                self._kill()
            raise EngineCrashed(self._death_cause())
        if not reply.get("ok"):
            raise DriverError(str(reply.get("kind", "internal")), str(reply.get("error", "")))
        return reply.get("value")

    # -- reader threads --------------------------------------------------------------------------
    def _read_replies(self, stdout: IO[bytes]) -> None:
        for raw in stdout:
            try:
                reply = json.loads(raw)
            except ValueError:
                log.warning("webkitgtk driver wrote a non-JSON line: %r", raw[:200])
                continue
            slot = self._pending.get(reply.get("id"))
            if slot is not None:
                slot.reply = reply
                slot.event.set()
        # End of stdout: the driver is gone. Wake every waiter; they raise EngineCrashed.
        self._dead = self._dead or "exited"
        for slot in list(self._pending.values()):
            slot.event.set()

    def _read_stderr(self, stderr: IO[bytes]) -> None:
        for raw in stderr:
            line = raw.decode(errors="replace").rstrip()
            self._stderr.append(line)
            log.debug("webkitgtk: %s", line)

    def _kill(self) -> None:
        try:
            if self.proc is not None:
                os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _death_cause(self) -> str:
        code = None
        if self.proc is not None:
            try:
                code = self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        how = (
            f"killed by {signal.Signals(-code).name}"
            if code is not None and code < 0
            else f"exit code {code}"
            if code is not None
            else "still running"
        )
        tail = " | ".join(list(self._stderr)[-3:])
        return f"WebKitGTK driver gone ({self._dead}; {how})" + (f": {tail}" if tail else "")
