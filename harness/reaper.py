"""Nothing a run started outlives it, however the run ends.

Why a marker and not only process groups: browsers do not stay in the group of whoever started
them (Playwright launches each browser in a group of its own, the WebKitGTK driver and Xvfb take
their own sessions on purpose), and a process whose parent died is re-parented to init, so
neither the group nor the parent chain finds it any more. Every process of a run inherits the
environment variable SPELO_RUN_ID=<id> from the CLI; whatever still carries it once pytest has
gone is ours to end. /proc/PID/environ is the environment a process was started with, which is
exactly the inheritance we want.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Callable

MARKER = "SPELO_RUN_ID"
GRACE_S = 20.0  # how long pytest gets to close its browsers and write results after a signal


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C (pytest's own cleanup runs), but remembered as SIGTERM."""


def raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def sigterm_as_interrupt() -> None:
    """In this process, SIGTERM raises Terminated (a KeyboardInterrupt) instead of ending it at
    once, so pytest's interrupt handling closes the browsers and writes the results. Only where
    nobody installed a handler of their own, and only from the main thread (Python's rule)."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, raise_terminated)


def run_env() -> tuple[str, dict[str, str]]:
    run_id = secrets.token_hex(8)
    return run_id, dict(os.environ, **{MARKER: run_id})


def marked(run_id: str, marker: str = MARKER) -> list[int]:
    """PIDs of live processes started with marker=run_id in their environment (not ourselves)."""
    needle = f"{marker}={run_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes()  # empty for zombies: they hold nothing
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if needle in env.split(b"\0"):
            found.append(int(entry.name))
    return found


def kill_marked(run_id: str, marker: str = MARKER, timeout: float = 10.0) -> list[int]:
    """SIGKILL every process carrying the marker, until none is left (a dying browser may still
    be starting children). Returns the PIDs that had to be killed."""
    killed: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = marked(run_id, marker)
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.05)  # poll: killed processes take a moment to leave /proc
    return sorted(set(killed))


def stop_group(proc: subprocess.Popen[bytes], sig: int, grace: float = GRACE_S) -> None:
    """Give the group the signal (pytest turns SIGINT and SIGTERM into its interrupt and closes
    its browsers), then SIGKILL the group after the grace period or a second interrupt."""
    try:
        os.killpg(proc.pid, sig)
        proc.wait(grace)
        return
    except ProcessLookupError:
        return
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        pass  # it did not finish in time, or the user insists
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def end_with_parent(parent: int) -> Callable[[], None]:
    """For the child, before it runs pytest: the kernel sends it SIGTERM (its interrupt: browsers
    closed, results written) if the CLI dies without a word (SIGKILL, an OOM kill), so no run
    outlives the command that started it. Linux only; elsewhere nothing changes."""

    def arm() -> None:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
            if os.getppid() != parent:  # the CLI died before the line above: do not start at all
                os._exit(1)
        except (OSError, AttributeError):
            pass

    return arm


def run_group(argv: list[str], grace: float = GRACE_S) -> int:
    """Run argv in a session of its own and wait for it. Ctrl-C and SIGTERM are passed on to it;
    afterwards, whatever the run left behind is killed. Interrupts are re-raised once done.
    The run gets a private TMPDIR, removed at the end: browser profiles and the CA folder of a
    process that was killed outright go with it."""
    run_id, env = run_env()
    tmp = tempfile.mkdtemp(prefix="spelo-run-")
    env["TMPDIR"] = tmp
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    proc = None
    try:
        proc = subprocess.Popen(argv, start_new_session=True, env=env, preexec_fn=end_with_parent(os.getpid()))
        return proc.wait()
    except KeyboardInterrupt as e:
        if proc is not None:
            stop_group(proc, signal.SIGTERM if isinstance(e, Terminated) else signal.SIGINT, grace)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
        kill_marked(run_id)
        shutil.rmtree(tmp, ignore_errors=True)
