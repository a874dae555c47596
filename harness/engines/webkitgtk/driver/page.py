"""One browsing context of the WebKitGTK driver: an ephemeral WebsiteDataManager with its own
WebContext, and one WebView in a Gtk.Window on the driver's X display.

Runs inside the driver process (system Python, stdlib + gi only). Every method that waits takes
a `done(value=None, error=None, kind=None)` callback and returns at once: the GTK main loop must
keep running while pages load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gdk, Gio, GLib, Gtk, WebKit2  # noqa: E402

if __package__:
    from harness.engines.webkitgtk.driver import scripts as js
else:  # run by file path (as the client runs it): the sibling module is on sys.path
    import scripts as js  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
AGENT_JS = (HERE / "agent.js").read_text(encoding="utf-8")
SPY_JS = (js.ENGINES_DIR / "spy.js").read_text(encoding="utf-8")  # every engine's spy
TOUCH_JS = (js.ENGINES_DIR / "touch.js").read_text(encoding="utf-8")  # a mobile row's touch device
GRANTED, DENIED, PROMPT = (WebKit2.PermissionState.GRANTED, WebKit2.PermissionState.DENIED, WebKit2.PermissionState.PROMPT)
KEYS = {"Enter": Gdk.KEY_Return, "Space": Gdk.KEY_space, " ": Gdk.KEY_space, "Tab": Gdk.KEY_Tab, "Escape": Gdk.KEY_Escape}


class Done(Protocol):
    """How an op answers, once: a value, or an error of a kind (main.py makes the reply of it).
    GTK's own objects are typed Any here: PyGObject has no type information."""

    def __call__(self, value: Any = None, error: str | None = None, kind: str | None = None) -> None: ...


@dataclass
class Navigation:
    """The load in progress: whom to tell, its deadline's GLib source, and whether this load's
    own STARTED was seen (events before it belong to the previous load)."""

    done: Done
    timer: int
    started: bool = False


def origin_of(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""


class Page:
    def __init__(self, pid: str, opts: dict[str, Any], nonce: str) -> None:
        self.pid = pid
        self.nonce = nonce
        self.permission = str(opts.get("permission", "prompt"))  # the profile's state for every origin
        self.answer = str(opts.get("prompt_answer", "block"))  # the visitor's answer to a prompt
        self.remembered: dict[str, str] = {}  # origin -> state the visitor's answer left behind
        self.prompts = 0  # prompts the visitor saw (requests while the state was 'prompt')
        self.requests: list[dict[str, str]] = []  # every microphone request and how it was answered
        self.unanswered: list[Any] = []  # WebKit requests the visitor ignores: kept alive, never answered
        self.console: list[dict[str, str]] = []
        self.console_dropped = 0
        # What a page keeps (harness/limits.py, sent by the engine with each page's options).
        limits = opts.get("limits") or {}
        self.console_lines = int(limits.get("console_lines", 1_000))
        self.console_line_chars = int(limits.get("console_line_chars", 2_000))
        self.observed_items = int(limits.get("observed_items", 200))
        self.crashed = ""  # why the web process ended, until the next navigation
        self.crashes = 0
        self.closed = False
        self.waiters: dict[int, Done] = {}  # callbacks to fail if the web process dies
        # The document each pending eval was sent to (counted by main-frame commits): WebKit
        # never answers an eval whose document was replaced, so those are failed at the commit.
        self.documents = 0
        self.sent_to: dict[int, int] = {}
        self._nav: Navigation | None = None
        self._seq = 0
        self._build(opts)

    # -- construction --------------------------------------------------------------------------
    def _build(self, opts: dict[str, Any]) -> None:
        manager = WebKit2.WebsiteDataManager.new_ephemeral()  # nothing shared with other contexts
        proxy = opts.get("proxy")
        if proxy:
            # Hostnames reach the fixture server through the client's loopback-only proxy.
            settings = WebKit2.NetworkProxySettings.new(proxy, ["localhost", "127.0.0.1", "::1"])
            manager.set_network_proxy_settings(WebKit2.NetworkProxyMode.CUSTOM, settings)
        self.context = WebKit2.WebContext.new_with_website_data_manager(manager)
        if opts.get("tls_ignore"):
            manager.set_tls_errors_policy(WebKit2.TLSErrorsPolicy.IGNORE)
        trust = opts.get("trust")
        if trust:
            cert = Gio.TlsCertificate.new_from_pem(trust["pem"], -1)
            for host in trust["hosts"]:
                self.context.allow_tls_certificate_for_host(cert, host)
        ucm = self.ucm = WebKit2.UserContentManager()
        ucm.register_script_message_handler("speloHarness")
        self.handlers: list[tuple[Any, int]] = [(ucm, ucm.connect("script-message-received::speloHarness", self._on_message))]
        scripts = [AGENT_JS.replace("__NONCE__", self.nonce), SPY_JS] + ([TOUCH_JS] if opts.get("touch") else [])
        for source in scripts:
            ucm.add_script(
                WebKit2.UserScript.new(
                    source, WebKit2.UserContentInjectedFrames.ALL_FRAMES, WebKit2.UserScriptInjectionTime.START, None, None
                )
            )
        self.view = WebKit2.WebView(web_context=self.context, user_content_manager=ucm)
        s = self.view.get_settings()
        s.set_enable_media_stream(True)
        s.set_enable_mock_capture_devices(opts.get("device", "fake") == "fake")
        s.set_media_playback_requires_user_gesture(False)
        if opts.get("user_agent"):
            s.set_user_agent(opts["user_agent"])
        for signal, handler in (
            ("permission-request", self._on_permission),
            ("query-permission-state", self._on_query),
            ("load-changed", self._on_load_changed),
            ("load-failed", self._on_load_failed),
            ("load-failed-with-tls-errors", self._on_tls_failed),
            ("web-process-terminated", self._on_terminated),
        ):
            self.handlers.append((self.view, self.view.connect(signal, handler)))
        self.window = Gtk.Window(title=f"spelo {self.pid}")
        self.window.set_default_size(int(opts.get("width", 1280)), int(opts.get("height", 720)))
        self.window.add(self.view)
        self.window.show_all()

    def trust(self, pem: str, hosts: list[str]) -> None:
        """Trust this certificate for these hosts in this page's context (a vendor fake's)."""
        cert = Gio.TlsCertificate.new_from_pem(pem, -1)
        for host in hosts:
            self.context.allow_tls_certificate_for_host(cert, str(host))

    def close(self) -> None:
        for req in self.unanswered:
            req.deny()  # a closing tab dismisses its prompts
        self.unanswered.clear()
        if self._nav is not None:
            self._finish_nav(error="the page was closed", kind="closed")
        for done in list(self.waiters.values()):
            done(error="the page was closed", kind="closed")
        self.waiters.clear()
        # The context's network process exits only when the WebContext is finalized: every
        # handler holds this Page (and so the context) from the C side, where Python's collector
        # cannot see the cycle. Without this a driver kept one network process per closed page.
        for obj, handler_id in self.handlers:
            obj.disconnect(handler_id)
        self.handlers.clear()
        self.ucm.unregister_script_message_handler("speloHarness")
        self.window.destroy()  # destroys the view; its web process exits with its WebContext
        # Drop them now: the caller forgets this Page, and a callback still pending (a timer of an
        # op the closing cell abandoned) sees a closed page (`self.closed`), not a live view.
        self.closed = True
        self.window = self.view = self.context = self.ucm = None

    # -- permissions -----------------------------------------------------------------------------
    def state_for(self, origin: str) -> str:
        return self.remembered.get(origin, self.permission)

    def _on_query(self, _view: Any, query: Any) -> bool:
        if query.get_name() != "microphone":
            return False
        state = self.state_for(query.get_security_origin().to_string())
        query.finish({"granted": GRANTED, "denied": DENIED}.get(state, PROMPT))
        return True

    def _on_permission(self, _view: Any, req: Any) -> bool:
        origin = origin_of(self.view.get_uri())
        state = self.state_for(origin)
        if isinstance(req, WebKit2.DeviceInfoPermissionRequest):  # enumerateDevices() labels
            req.allow() if state == "granted" else req.deny()
            return True
        if not (isinstance(req, WebKit2.UserMediaPermissionRequest) and WebKit2.user_media_permission_is_for_audio_device(req)):
            req.deny()  # nothing else (camera, notifications, geolocation) is part of a cell
            return True
        record = {"origin": origin, "state": state}
        if len(self.requests) < self.observed_items:  # a flood of requests: the first ones kept (limits.py)
            self.requests.append(record)
        if state == "prompt":
            self.prompts += 1
            if self.answer == "ignore":
                self.unanswered.append(req)  # the promise stays pending, as for a real visitor
                record["answer"] = "unanswered"
                return True
            # The browser remembers the visitor's answer for this origin.
            state = self.remembered[origin] = "granted" if self.answer == "allow" else "denied"
        req.allow() if state == "granted" else req.deny()
        record["answer"] = "allow" if state == "granted" else "deny"
        return True

    # -- console ---------------------------------------------------------------------------------
    def _on_message(self, _ucm: Any, result: Any) -> None:
        value = result.get_js_value() if hasattr(result, "get_js_value") else result
        try:
            msg = json.loads(value.to_json(0) or "null")
        except ValueError:
            return
        if isinstance(msg, dict) and msg.get("kind") == "console":
            if len(self.console) >= self.console_lines:  # a flood: counted, not kept (harness/limits.py)
                self.console_dropped += 1
                return
            self.console.append(
                {
                    "level": str(msg.get("level", "log")),
                    "text": str(msg.get("text", ""))[: self.console_line_chars],
                    "frame_url": str(msg.get("url", "")),
                }
            )

    # -- navigation ------------------------------------------------------------------------------
    def navigate(self, url: str | None, timeout: float, done: Done) -> None:
        """Load url (None: reload) and call done when it finished, failed or timed out."""
        if self._nav:
            self._finish_nav(error="superseded by a new navigation", kind="load-failed")
        self.crashed = ""  # a new load starts a new web process after a crash
        timer = GLib.timeout_add(int(timeout * 1000), self._nav_timeout, timeout)
        self._nav = Navigation(done, timer)
        self.view.reload() if url is None else self.view.load_uri(url)

    def _finish_nav(self, value: Any = None, error: str | None = None, kind: str | None = None) -> None:
        nav, self._nav = self._nav, None
        if nav is not None:
            GLib.source_remove(nav.timer)
            nav.done(value=value, error=error, kind=kind)

    def _nav_timeout(self, timeout: float) -> bool:
        nav, self._nav = self._nav, None
        if nav is not None:
            self.view.stop_loading()
            nav.done(error=f"{self.view.get_uri()} did not finish loading in {timeout:g} s", kind="timeout")
        return False

    def _on_load_changed(self, view: Any, event: Any) -> None:
        if event == WebKit2.LoadEvent.COMMITTED:
            self._document_replaced()
        # A failed load still emits FINISHED after load-failed; only events after our own
        # STARTED count, so a late one from the previous load cannot end this navigation.
        if self._nav and event == WebKit2.LoadEvent.STARTED:
            self._nav.started = True
        elif self._nav and self._nav.started and event == WebKit2.LoadEvent.FINISHED:
            self._finish_nav(value=view.get_uri())

    def _on_load_failed(self, _view: Any, _event: Any, uri: str, error: Any) -> bool:
        if error.matches(WebKit2.network_error_quark(), WebKit2.NetworkError.CANCELLED):
            return False  # a newer load replaced this one; wait for that one
        if self._nav and self._nav.started:
            self._finish_nav(error=f"{uri}: {error.message}", kind="load-failed")
        return True  # handled: no error page, whose own load would emit more events

    def _on_tls_failed(self, _view: Any, uri: str, _cert: Any, errors: Any) -> bool:
        if self._nav and self._nav.started:
            why = ", ".join(n for n in errors.value_nicks if n != "no-flags")
            self._finish_nav(error=f"{uri}: TLS certificate not trusted ({why})", kind="load-failed")
        return True

    def _on_terminated(self, _view: Any, reason: Any) -> None:
        self.crashed = f"web process terminated: {reason.value_nick}"
        self.crashes += 1
        if self._nav:
            self._finish_nav(error=self.crashed, kind="crashed")
        for fail in list(self.waiters.values()):
            fail(error=self.crashed, kind="crashed")
        self.waiters.clear()

    def _document_replaced(self) -> None:
        """A new document committed in the main frame. Measured: an eval sent to the old one
        just before (e.g. the runner's probe right after a click followed a link; more often
        under load, when the commit comes later) never gets its callback, and the driver went
        silent until the client killed it. Fail those at once: the caller asks the new page."""
        self.documents += 1
        for key in [k for k, doc in self.sent_to.items() if doc < self.documents]:
            self.sent_to.pop(key, None)
            done = self.waiters.pop(key, None)
            if done is not None:
                done(error="the document was replaced before it answered", kind="navigated")

    # -- JavaScript ------------------------------------------------------------------------------
    def evaluate(self, expr: str, frame: str | None, timeout: float, done: Done) -> None:
        """Evaluate in the main world of the top frame, or of the iframe named `frame` through
        the agents' relay; done(value) gets the JSON-decoded result."""
        if self.closed:
            return done(error="the page was closed", kind="closed")
        if self.crashed:
            return done(error=self.crashed, kind="crashed")
        if frame is not None:
            expr = js.call(js.RELAY, frame, expr, self.nonce, int(timeout * 1000))
        self._seq += 1
        key = self._seq
        self.waiters[key] = done
        self.sent_to[key] = self.documents

        def expired() -> bool:
            # The driver answers within the op's own deadline, whatever WebKit does: a silent
            # driver is killed by the client, and the whole browser with it.
            self.sent_to.pop(key, None)
            late = self.waiters.pop(key, None)
            if late is not None:
                late(error=f"no answer from the page in {timeout:g} s", kind="timeout")
            return False

        timer = GLib.timeout_add(int(timeout * 1000), expired)

        def finished(view: Any, res: Any) -> None:
            self.sent_to.pop(key, None)
            if self.waiters.pop(key, None) is None:
                return  # already failed by a crash, a new document or the deadline
            GLib.source_remove(timer)
            try:
                value = view.call_async_javascript_function_finish(res)
                done(value=json.loads(value.to_string()))
            except GLib.Error as e:
                done(error=e.message, kind="js-error")
            except ValueError as e:
                done(error=f"result is not JSON: {e}", kind="js-error")

        self.view.call_async_javascript_function(js.top_body(expr), -1, None, None, None, None, finished)

    # -- input -----------------------------------------------------------------------------------
    def click(self, selector: str, frame: str | None, timeout: float, done: Done) -> None:
        self._input(js.POINT, selector, frame, timeout, done, self._send_click)

    def press(self, selector: str, key: str, frame: str | None, timeout: float, done: Done) -> None:
        if key not in KEYS:
            return done(error=f"unsupported key {key!r} (known: {', '.join(KEYS)})", kind="bad-request")
        # An empty selector: the key goes to whatever has focus (e.g. the notice's Continue).
        self._input(js.FOCUS if selector else js.ARM_KEY, selector, frame, timeout, done, lambda x, y: self._send_key(KEYS[key]))

    def _input(self, fn: str, selector: str, frame: str | None, timeout: float, done: Done, send: Callable[[float, float], None]) -> None:
        """Find the element (waiting for it), offset by its iframe, send the events, then wait
        until the page's own listener saw them arrive."""
        self._seq += 1
        seq = self._seq
        deadline = GLib.get_monotonic_time() + int(timeout * 1e6)

        def got_point(value: Any = None, error: str | None = None, kind: str | None = None) -> None:
            if error:
                return done(error=error, kind=kind)
            point = value
            if frame is None:
                return sent(point, {"x": 0, "y": 0})

            def got_offset(value: Any = None, error: str | None = None, kind: str | None = None) -> None:
                if error:
                    return done(error=error, kind=kind)
                sent(point, value)

            self.evaluate(js.call(js.FRAME_OFFSET, frame), None, timeout, got_offset)

        def sent(point: dict[str, float], offset: dict[str, float]) -> None:
            uri_before[0] = self.view.get_uri()
            send(point["x"] + offset["x"], point["y"] + offset["y"])
            poll()

        uri_before: list[str | None] = [None]

        def poll() -> None:
            if self.closed:  # closed while its input was on the way (a cell's watchdog)
                return done(error="the page was closed", kind="closed")
            if frame is None and self.view.get_uri() != uri_before[0]:
                # The input followed a link: the document that armed the listener is gone, and
                # the navigation itself shows the input arrived.
                return done(value={"type": "navigation", "to": self.view.get_uri()})

            def seen(value: Any = None, error: str | None = None, kind: str | None = None) -> None:
                if kind == "navigated":  # the input followed a link before its listener could answer
                    return done(value={"type": "navigation", "to": self.view.get_uri()})
                if error:
                    return done(error=error, kind=kind)
                if value:
                    if value.get("type") == "click" and not value.get("hit"):
                        return done(error=f"the click landed on {value.get('target')}, not {selector}", kind="not-hit")
                    return done(value=value)
                if GLib.get_monotonic_time() > deadline:
                    return done(error=f"the page never received the input for {selector}", kind="timeout")
                GLib.timeout_add(20, poll_once)

            self.evaluate(js.call(js.INPUT_SEEN, seq), frame, timeout, seen)

        def poll_once() -> bool:
            poll()
            return False  # a GLib source that runs once: poll schedules the next one itself

        self.evaluate(js.call(fn, selector, int(timeout * 1000), seq), frame, timeout + 1, got_point)

    def _focus_window(self) -> None:
        # No window manager on Xvfb gives focus: tell GTK the toplevel has it, as an X server would.
        ev = Gdk.Event.new(Gdk.EventType.FOCUS_CHANGE)
        ev.focus_change.window = self.window.get_window()
        ev.focus_change.in_ = 1
        self.window.send_focus_change(ev)
        self.view.grab_focus()

    def _send_click(self, x: float, y: float) -> None:
        """Trusted click: GDK button events handed to GTK as if the X server had sent them."""
        self._focus_window()
        pointer = Gdk.Display.get_default().get_default_seat().get_pointer()
        gdk_window = self.view.get_window()
        now = Gtk.get_current_event_time() or GLib.get_monotonic_time() // 1000
        motion = Gdk.Event.new(Gdk.EventType.MOTION_NOTIFY)
        motion.motion.window, motion.motion.x, motion.motion.y, motion.motion.time = gdk_window, x, y, now
        motion.set_device(pointer)
        Gtk.main_do_event(motion)
        for kind in (Gdk.EventType.BUTTON_PRESS, Gdk.EventType.BUTTON_RELEASE):
            ev = Gdk.Event.new(kind)
            ev.button.window, ev.button.x, ev.button.y = gdk_window, x, y
            ev.button.button, ev.button.time = 1, now
            ev.button.state = Gdk.ModifierType.BUTTON1_MASK if kind == Gdk.EventType.BUTTON_RELEASE else 0
            ev.set_device(pointer)
            Gtk.main_do_event(ev)

    def _send_key(self, keyval: int) -> None:
        self._focus_window()
        display = Gdk.Display.get_default()
        keyboard = display.get_default_seat().get_keyboard()
        found, keys = Gdk.Keymap.get_for_display(display).get_entries_for_keyval(keyval)
        now = Gtk.get_current_event_time() or GLib.get_monotonic_time() // 1000
        for kind in (Gdk.EventType.KEY_PRESS, Gdk.EventType.KEY_RELEASE):
            ev = Gdk.Event.new(kind)
            ev.key.window, ev.key.keyval, ev.key.time = self.window.get_window(), keyval, now
            if found and keys:
                ev.key.hardware_keycode, ev.key.group = keys[0].keycode, keys[0].group
            ev.set_device(keyboard)
            Gtk.main_do_event(ev)

    # -- screenshots -----------------------------------------------------------------------------
    def screenshot(self, path: str, done: Done) -> None:
        """The visible viewport as PNG. WebView.get_snapshot hands back a cairo surface, which
        needs python3-gi-cairo; without it the view's X window is read into a pixbuf."""
        try:
            gi.require_foreign("cairo")
        except ImportError:
            alloc = self.view.get_allocation()
            pixbuf = Gdk.pixbuf_get_from_window(self.view.get_window(), 0, 0, alloc.width, alloc.height)
            if pixbuf is None:
                return done(error="could not read the view's window", kind="screenshot")
            pixbuf.savev(path, "png", [], [])
            return done(value=path)

        def finished(view: Any, res: Any) -> None:
            try:
                view.get_snapshot_finish(res).write_to_png(path)
                done(value=path)
            except GLib.Error as e:
                done(error=e.message, kind="screenshot")

        self.view.get_snapshot(WebKit2.SnapshotRegion.VISIBLE, WebKit2.SnapshotOptions.NONE, None, finished)

    def state(self) -> dict[str, Any]:
        return {
            "console": self.console,
            "console_dropped": self.console_dropped,
            "prompts": self.prompts,
            "requests": self.requests,
            "crashed": self.crashed,
            "crashes": self.crashes,
            "url": self.view.get_uri(),
        }
