"""The WebKitGTK driver process: owns the GTK main loop and the pages, speaks JSON lines.

Run with the SYSTEM Python, which has PyGObject (stdlib + gi only here):
    /usr/bin/python3 -E harness/engines/webkitgtk/driver/main.py   (as the client runs it)
    /usr/bin/python3 -m harness.engines.webkitgtk.driver.main      (from a checkout)
It needs an X display (DISPLAY); the client starts Xvfb for it.

Protocol: one JSON object per line. Requests on stdin: {"id": N, "op": NAME, ...arguments}.
Replies on stdout, in completion order: {"id": N, "ok": true, "value": ...} or
{"id": N, "ok": false, "kind": KIND, "error": TEXT}, KIND one of bad-request, timeout,
load-failed, crashed, js-error, not-hit, screenshot, internal. The first line is a greeting with
id 0 (WebKitGTK's version, the pid) once GTK is up. Stdin closing ends the driver.

Ops: open {options} -> page id; close {page}; goto {page, url, timeout}; reload {page, timeout};
eval {page, expr, frame, timeout}; click / press {page, selector, [key], frame, timeout};
screenshot {page, path}; state {page} -> console, prompts, requests, crashed, url; quit.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from typing import Any

# Stdout is the protocol channel. GTK, WebKit and the web processes it spawns may print, so the
# protocol gets a private copy of fd 1 and fd 1 itself goes to stderr, before anything loads.
_PROTO = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
os.dup2(2, 1)

import gi  # noqa: E402

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

if __package__:
    from harness.engines.webkitgtk.driver.page import Done, Page
else:  # run by file path, as the client runs it: only this folder on the path, no harness
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from page import Done, Page  # type: ignore[no-redef]

DEFAULT_TIMEOUT = 15.0


class Driver:
    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.nonce = secrets.token_hex(16)  # only the driver's own relay requests are answered
        self.loop = GLib.MainLoop()
        self._buf = b""
        self._next_page = 0

    def send(self, msg: dict[str, Any]) -> None:
        try:
            _PROTO.write(json.dumps(msg) + "\n")
        except (BrokenPipeError, OSError):
            self.loop.quit()  # nobody is listening any more

    def reply(self, rid: Any, value: Any = None, error: str | None = None, kind: str | None = None) -> None:
        if error is None:
            self.send({"id": rid, "ok": True, "value": value})
        else:
            self.send({"id": rid, "ok": False, "kind": kind or "internal", "error": str(error)})

    # -- input ---------------------------------------------------------------------------------
    def on_stdin(self, fd: int, _cond: Any) -> bool:
        chunk = os.read(fd, 65536)
        if not chunk:
            self.loop.quit()  # the client went away: end with it
            return False
        self._buf += chunk
        while b"\n" in self._buf:
            line, self._buf = self._buf.split(b"\n", 1)
            if line.strip():
                self.handle(line)
        return True

    def handle(self, line: bytes) -> None:
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("not an object")
        except ValueError as e:
            return self.reply(None, error=f"unreadable request: {e}", kind="bad-request")
        rid = req.get("id")
        op = getattr(self, "op_" + str(req.get("op")), None)
        if op is None:
            return self.reply(rid, error=f"unknown op {req.get('op')!r}", kind="bad-request")

        def done(value: Any = None, error: str | None = None, kind: str | None = None) -> None:
            self.reply(rid, value, error, kind)

        try:
            op(req, done)
        except (KeyError, TypeError, ValueError) as e:
            done(error=f"bad arguments for {req.get('op')}: {e!r}", kind="bad-request")
        except Exception as e:  # noqa: BLE001 (a driver bug must not kill the other pages; the client sees it)
            done(error=f"{type(e).__name__}: {e}", kind="internal")

    def page(self, req: dict[str, Any]) -> Page:
        page = self.pages.get(str(req.get("page")))
        if page is None:
            raise KeyError(f"no page {req.get('page')!r}")
        return page

    # -- ops -----------------------------------------------------------------------------------
    def op_open(self, req: dict[str, Any], done: Done) -> None:
        self._next_page += 1
        pid = f"p{self._next_page}"
        self.pages[pid] = Page(pid, dict(req.get("options") or {}), self.nonce)
        done(value=pid)

    def op_close(self, req: dict[str, Any], done: Done) -> None:
        page = self.pages.pop(str(req.get("page")), None)
        if page is not None:
            page.close()
        done(value=True)

    def op_goto(self, req: dict[str, Any], done: Done) -> None:
        self.page(req).navigate(str(req["url"]), float(req.get("timeout", DEFAULT_TIMEOUT)), done)

    def op_reload(self, req: dict[str, Any], done: Done) -> None:
        self.page(req).navigate(None, float(req.get("timeout", DEFAULT_TIMEOUT)), done)

    def op_eval(self, req: dict[str, Any], done: Done) -> None:
        self.page(req).evaluate(str(req["expr"]), req.get("frame"), float(req.get("timeout", DEFAULT_TIMEOUT)), done)

    def op_click(self, req: dict[str, Any], done: Done) -> None:
        self.page(req).click(str(req["selector"]), req.get("frame"), float(req.get("timeout", DEFAULT_TIMEOUT)), done)

    def op_press(self, req: dict[str, Any], done: Done) -> None:
        self.page(req).press(str(req["selector"]), str(req["key"]), req.get("frame"), float(req.get("timeout", DEFAULT_TIMEOUT)), done)

    def op_screenshot(self, req: dict[str, Any], done: Done) -> None:
        self.page(req).screenshot(str(req["path"]), done)

    def op_trust(self, req: dict[str, Any], done: Done) -> None:
        self.page(req).trust(str(req["pem"]), list(req["hosts"]))
        done(value=True)

    def op_state(self, req: dict[str, Any], done: Done) -> None:
        done(value=self.page(req).state())

    def op_quit(self, req: dict[str, Any], done: Done) -> None:
        done(value=True)
        self.loop.quit()

    def run(self) -> None:
        GLib.unix_fd_add_full(
            GLib.PRIORITY_DEFAULT, sys.stdin.fileno(), GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR, self.on_stdin
        )
        version = f"{WebKit2.get_major_version()}.{WebKit2.get_minor_version()}.{WebKit2.get_micro_version()}"
        self.send({"id": 0, "ok": True, "value": {"webkitgtk": version, "pid": os.getpid()}})
        self.loop.run()
        for page in list(self.pages.values()):
            page.close()


def main() -> int:
    ok, _ = Gtk.init_check(sys.argv)
    if not ok:
        _PROTO.write(
            json.dumps({"id": 0, "ok": False, "kind": "internal", "error": f"GTK could not open the display {os.environ.get('DISPLAY')!r}"})
            + "\n"
        )
        return 1
    Driver().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
