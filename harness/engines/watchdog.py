"""The harness's own bound on every call into a Playwright browser.

Playwright's sync calls wait for the driver's answer, and some have no timeout of their own: an
`evaluate` on a page whose script never yields (a busy loop in a click handler, `while(true){}` on
load) waits for ever, and so does a mouse click whose input event the renderer never acknowledges.
The caller cannot end such a wait from its own thread, so one watchdog thread per process does:
each call is armed with a bound; when the bound passes, the watchdog ends the page, and if the call
is still waiting, the browser, and then Playwright's driver itself — each step a few seconds after
the last. An ended call raises (Playwright's "target closed"), and the guarded caller turns that
into `PageHung` carrying the verdict ("the page's script did not yield for 10 s after the click").

Closing the page is asked of Playwright on its own event loop (the sync API runs that loop in the
calling thread while it waits; `call_soon_threadsafe` is how another thread may schedule work on
it), so Playwright ends the call in its usual way. Killing the browser or the driver is done by
process id, which needs no answer from anyone.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from harness.engines.base import EngineCrashed

log = logging.getLogger("spelo.watchdog")

# After the bound: this long for a closed page to end the call, then as long again for a killed
# browser; then the driver goes.
ESCALATE_S = 3.0


class PageHung(EngineCrashed):
    """A call to the page passed the harness's bound and was ended by it; the message is the
    verdict, in what was seen. The browser that served it is replaced (the runner discards it)."""


@dataclass
class Escalation:
    """What the watchdog does, in order, to end a call that passed its bound. Each step runs in
    the watchdog's thread; the next one only if the call is still waiting ESCALATE_S later."""

    verdict: str  # what was seen, for the cell's reason
    steps: list[tuple[str, Callable[[], None]]] = field(default_factory=list)  # (what, do it)


class _Armed:
    def __init__(self, deadline: float, escalation: Escalation):
        self.deadline = deadline
        self.escalation = escalation
        self.fired: list[str] = []  # the steps taken, in order
        self.first_fired_at = 0.0  # time.monotonic() when the bound passed
        self.done = False


class Watchdog:
    """One thread; any number of armed calls (normally one: a worker runs one cell at a time)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._armed: list[_Armed] = []
        self._thread: threading.Thread | None = None

    @contextmanager
    def bound(self, seconds: float, escalation: Escalation) -> Iterator[_Armed]:
        armed = _Armed(time.monotonic() + seconds, escalation)
        with self._cond:
            self._armed.append(armed)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, name="spelo-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()
        try:
            yield armed
        finally:
            with self._cond:
                armed.done = True
                self._armed.remove(armed)
                self._cond.notify()

    def _watch(self) -> None:
        while True:
            with self._cond:
                while not self._armed:
                    self._cond.wait()
                now = time.monotonic()
                due = [a for a in self._armed if a.deadline <= now]
                if not due:
                    self._cond.wait(min(a.deadline for a in self._armed) - now)
                    continue
                for a in due:  # the next step (if any) a little later
                    a.deadline = now + ESCALATE_S
            for a in due:
                self._escalate(a)

    def _escalate(self, armed: _Armed) -> None:
        steps = armed.escalation.steps
        if len(armed.fired) >= len(steps):
            return
        what, do = steps[len(armed.fired)]
        if not armed.fired:
            armed.first_fired_at = time.monotonic()
        armed.fired.append(what)
        log.warning("%s: %s", armed.escalation.verdict or "a call passed its bound", what)
        try:
            do()
        except Exception:  # noqa: BLE001 (the next step still comes)
            log.exception("watchdog step %r failed", what)


WATCHDOG = Watchdog()


# -- processes ------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def kill_children_groups(parent: int) -> list[int]:
    """SIGKILL each child of `parent` with its process group (Playwright starts every browser in
    a group of its own, renderers and helpers included). The ids killed."""
    killed = []
    for child in _children(parent):
        try:
            pgid = os.getpgid(child)
            if pgid == child:  # a group leader: its group is the browser and its helpers
                os.killpg(pgid, signal.SIGKILL)
            else:
                os.kill(child, signal.SIGKILL)
            killed.append(child)
        except (ProcessLookupError, PermissionError):
            pass
    return killed


def kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
