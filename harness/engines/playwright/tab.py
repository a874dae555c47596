"""The Tab for every engine that Playwright drives (Chromium, Firefox, Playwright's WebKit)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

from playwright.sync_api import BrowserContext, ConsoleMessage, ElementHandle, Frame, Page, Playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from harness import limits
from harness.engines.base import FIND_JS, SPY_JS, ConsoleLine, EngineCrashed, Situation, Tab, find_expression
from harness.engines.watchdog import WATCHDOG, Escalation, PageHung, kill, kill_children_groups

T = TypeVar("T")

ACTION_TIMEOUT_MS = 10_000
SCREENSHOT_TIMEOUT_MS = 5_000
# The harness's bound on a call with no timeout of its own (evaluate, a mouse click): a page
# that does not answer within it is ended (watchdog.py). Calls with a Playwright timeout get
# that timeout plus OWN_TIMEOUT_MARGIN_S, so Playwright's own error comes first.
CALL_BOUND_S = ACTION_TIMEOUT_MS / 1000
OWN_TIMEOUT_MARGIN_S = 5.0
LOAD_PROBE_BOUND_S = 2.0  # after a load that timed out: a page that answers does so at once

# The centre of the element as [x, y] in the viewport when a click there reaches it, else null.
# The element is found by the profile's resolver (find.js, FIND below), and the hit test goes
# down through open shadow roots (document.elementFromPoint stops at the outermost host).
CLICK_SPOT_JS = """(sel) => {
  const e = (FIND)(sel, null, false);
  const vv = window.visualViewport;
  if (!e || (vv && (vv.scale !== 1 || vv.offsetLeft || vv.offsetTop))) { return null; }
  const r = e.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (r.width < 1 || r.height < 1 || x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) { return null; }
  let hit = document.elementFromPoint(x, y);
  while (hit && hit.shadowRoot) {
    const inner = hit.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === hit) { break; }
    hit = inner;
  }
  for (let n = hit; n; n = n.parentNode || n.host) { if (n === e) { return [x, y]; } }
  return null;
}""".replace("(FIND)", f"({FIND_JS})")


class PlaywrightTab(Tab):
    # _frame raises RuntimeError for a frame that is not there (yet).
    transient_errors = (PlaywrightError, RuntimeError)

    def __init__(self, context: BrowserContext, trace_path: Path | None = None):
        self.context = context
        self.trace_path = trace_path
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.add_init_script(SPY_JS)  # runs at document start in every frame
        if trace_path is not None:
            context.tracing.start(screenshots=True, snapshots=True)
        self.page: Page = context.new_page()
        self._console: list[ConsoleLine] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda err: self._keep(ConsoleLine("pageerror", str(err))))
        self._crashed = False
        self.page.on("crash", lambda _: setattr(self, "_crashed", True))
        # What the visitor (the harness) did last, and when: a verdict on a page that stopped
        # answering says how long after what.
        self._last_action = ("after the page opened", time.monotonic())

    def route_vendor(self, fake: Any) -> None:
        fake.install(self.context)  # context routes: HTTP and WebSocket, in every Playwright engine

    def install_clock(self) -> None:
        # Playwright's clock (since 1.45): Date, timers and performance.now of every page of the
        # context, installed before its scripts; time flows until fast_forward moves it.
        self._guard(self.page.clock.install)

    def fast_forward(self, ms: int) -> None:
        self._guard(self.page.clock.fast_forward, ms)

    def _on_console(self, msg: ConsoleMessage) -> None:
        if len(self._console) >= limits.CONSOLE_LINES:  # a flood: counted, without reading it
            self.console_dropped += 1
            return
        url = (msg.location or {}).get("url", "")
        self._keep(ConsoleLine(msg.type, msg.text, url))

    def _keep(self, line: ConsoleLine) -> None:
        if len(self._console) >= limits.CONSOLE_LINES:
            self.console_dropped += 1
            return
        line.text = line.text[: limits.CONSOLE_LINE_CHARS]
        self._console.append(line)

    def _frame(self, frame: str | None) -> Frame | Page:
        if frame is None:
            return self.page
        found = self.page.frame(name=frame)
        if found is None:
            # The iframe may still be attaching; its element exists before its frame does.
            self.page.wait_for_selector(f"iframe[name='{frame}']", state="attached")
            handle = self.page.query_selector(f"iframe[name='{frame}']")
            found = handle.content_frame() if handle else None
        if found is None:
            raise RuntimeError(f"no frame named {frame!r}")
        return found

    def _guard(self, fn: Callable[..., T], *args: Any, bound_s: float = CALL_BOUND_S) -> T:
        """Run one Playwright call under the harness's bound (watchdog.py): a call that passes it
        is ended (the page closed, then the browser killed, then the driver) and raises PageHung."""
        escalation = Escalation(f"the page did not answer {self._last_action[0]}", self._escalation_steps())
        with WATCHDOG.bound(bound_s, escalation) as armed:
            try:
                result = fn(*args)
            except Exception as e:  # a killed driver ends the call with a plain Exception
                if armed.fired:
                    raise PageHung(self._verdict(armed.fired, armed.first_fired_at)) from None
                if not isinstance(e, PlaywrightError):
                    raise
                if self._crashed or "crash" in str(e).lower() or "closed" in str(e).lower():
                    raise EngineCrashed(str(e).splitlines()[0]) from None
                raise
        if armed.fired:  # it came back, but only once the page was gone
            raise PageHung(self._verdict(armed.fired, armed.first_fired_at))
        return result

    def _verdict(self, fired: list[str], fired_at: float) -> str:
        after, at = self._last_action
        waited = fired_at - at
        ended = {
            1: "the harness closed the page and replaces its browser",
            2: "the browser did not answer either: the harness killed it and replaces it",
            3: "Playwright's driver did not answer either: the harness killed it and starts a new one",
        }
        who = "the page's script did not yield" if len(fired) == 1 else "the page and its browser did not answer"
        if len(fired) >= 3:
            who = "the browser's driver did not answer"
        verdict = f"{who} for {waited:.0f} s {after} ({ended[min(len(fired), 3)]})"
        if self.console_dropped:  # what kept it busy, where it shows
            total = len(self._console) + self.console_dropped
            verdict = f"console flood: {total:,} lines by then, the first {len(self._console):,} kept; " + verdict
        return verdict

    def _escalation_steps(self) -> list[tuple[str, Callable[[], None]]]:
        page, context = self.page, self.context
        loop = page._loop  # the sync API's loop (watchdog.py: another thread schedules work on it)

        def on_loop(close: Callable[[], Any]) -> Callable[[], None]:
            async def quietly() -> None:
                try:
                    await close()
                except Exception:  # noqa: BLE001 (already gone; the caller is told by its own call)
                    pass

            def schedule() -> None:
                loop.call_soon_threadsafe(lambda: asyncio.ensure_future(quietly(), loop=loop))

            return schedule

        def kill_browsers() -> None:
            pid = driver_pid()
            browser = context.browser
            if pid is not None and kill_children_groups(pid):
                return
            if browser is not None:  # a browser on another host (--connect): ask its server
                on_loop(browser._impl_obj.close)()

        def kill_driver() -> None:
            global _driver_dead
            pid = driver_pid()
            _driver_dead = True
            if pid is not None:
                kill(pid)

        return [
            ("closed the page", on_loop(context._impl_obj.close)),
            ("killed the browser", kill_browsers),
            ("killed Playwright's driver", kill_driver),
        ]

    def goto(self, url: str) -> None:
        self._last_action = (f"while loading {url}", time.monotonic())
        self._load(lambda: self.page.goto(url, wait_until="load"))

    def reload(self) -> None:
        self._last_action = ("while reloading the page", time.monotonic())
        self._load(lambda: self.page.reload(wait_until="load"))

    def _load(self, go: Callable[[], Any]) -> None:
        """A navigation whose load event does not come in time is not yet a verdict (an image that
        never loads leaves the page usable): the page must still answer, or the watchdog ends it
        as a page whose script does not yield."""
        try:
            self._guard(go, bound_s=ACTION_TIMEOUT_MS / 1000 + OWN_TIMEOUT_MARGIN_S)
        except PlaywrightTimeoutError:
            self._guard(lambda: self.page.evaluate("1"), bound_s=LOAD_PROBE_BOUND_S)

    def click(self, selector: str, frame: str | None = None) -> None:
        self._last_action = (f"after the click on {selector}", time.monotonic())

        def go() -> None:
            # Measured (bench/benchmark.py): locator.click costs 30 ms a click in Chromium and
            # 170 ms in Firefox over BiDi, a mouse click at a known point 3 ms and 50 ms. The
            # runner has already waited for the element to be visible; when it is on top at its
            # centre, inside an unzoomed viewport, the visitor's click is a trusted mouse click
            # there (user activation included). Otherwise (an iframe, covered, scrolled away, a
            # shadow root) Playwright's own click, which scrolls and waits.
            spot = self.page.evaluate(CLICK_SPOT_JS, selector) if frame is None else None
            if spot is not None:
                self.page.mouse.click(spot[0], spot[1])
                return
            target = self._element(selector, frame)
            # An inert (aria-disabled) orb is still clickable by a visitor; Playwright's
            # actionability check would refuse it, so it is clicked without that check.
            target.click(force=target.get_attribute("aria-disabled") == "true")

        self._guard(go)

    def press(self, selector: str, key: str, frame: str | None = None) -> None:
        self._last_action = (f"after the key press {key}", time.monotonic())
        key = " " if key == "Space" else key

        def go() -> None:
            if selector:
                self._element(selector, frame).focus()
            self.page.keyboard.press(key)

        self._guard(go)

    def _element(self, selector: str, frame: str | None) -> ElementHandle:
        """The element the profile's selector finds, through the shared resolver (not
        Playwright's own selector engine, so that every engine reads a selector alike)."""
        handle = self._frame(frame).evaluate_handle(find_expression(selector)).as_element()
        if handle is None:
            raise PlaywrightError(f"no element matches {selector}")
        return handle

    def evaluate(self, expression: str, frame: str | None = None) -> Any:
        return self._guard(lambda: self._frame(frame).evaluate(expression))

    def console(self) -> list[ConsoleLine]:
        return list(self._console)

    def screenshot(self, path: Path) -> None:
        # Bounded: a capture during a navigation must not hold the cell. (A raw CDP
        # Page.captureScreenshot was faster, but hung for good once after a link was followed.)
        self._guard(
            lambda: self.page.screenshot(path=str(path), timeout=SCREENSHOT_TIMEOUT_MS),
            bound_s=SCREENSHOT_TIMEOUT_MS / 1000 + OWN_TIMEOUT_MARGIN_S,
        )

    def close(self) -> None:
        try:
            if self.trace_path is not None:
                self._guard(lambda: self.context.tracing.stop(path=str(self.trace_path)))
            self._guard(self.context.close)
        except (PlaywrightError, EngineCrashed):
            pass  # the browser went away first (or was ended by the watchdog): nothing left to close


_playwright: Playwright | None = None
_driver_dead = False  # the watchdog killed the driver: the next playwright() starts a new one


def abandon_driver() -> None:
    """Kill every browser of Playwright's driver and the driver itself (a last resort, when a
    call could not be ended otherwise); the next playwright() starts a new driver."""
    global _driver_dead
    pid = driver_pid()
    if pid is not None:
        kill_children_groups(pid)
        kill(pid)
        _driver_dead = True


def driver_pid() -> int | None:
    """The process id of Playwright's driver (node), whose children are the local browsers."""
    try:
        return int(_playwright._impl_obj._connection._transport._proc.pid)  # type: ignore[union-attr]
    except AttributeError:
        return None


def playwright() -> Playwright:
    """The process's one Playwright driver, started on first use (sync API: one per thread)."""
    global _playwright, _driver_dead
    if _driver_dead:  # killed by the watchdog: its objects are dead; a new driver for what follows
        _driver_dead = False
        try:
            stop_playwright()
        except Exception:  # noqa: BLE001 (it is gone already)
            pass
        asyncio._set_running_loop(None)  # the dead driver's loop must not count as running
    if _playwright is None:
        from playwright.sync_api import sync_playwright

        _playwright = sync_playwright().start()
    return _playwright


def ask_playwright(question: Callable[[Playwright], T]) -> T:
    """A question for Playwright's driver (where are its builds?) that leaves it as it found it:
    started only for the question when nothing had started it. A started sync driver marks this
    thread's asyncio loop as running, so leaving it up after collection broke every later
    asyncio.run() and sync_playwright() in the process (the realtime peer's tests, measured)."""
    was_running = _playwright is not None
    try:
        return question(playwright())
    finally:
        if not was_running:
            stop_playwright()


def stop_playwright() -> None:
    global _playwright
    if _playwright is not None:
        try:
            _playwright.stop()
        finally:
            _playwright = None


def context_options(situation: Situation, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """new_context() options shared by the Playwright engines: the mobile profile, if any."""
    opts: dict[str, Any] = dict(extra or {})
    if situation.mobile:
        descriptor = dict(playwright().devices[situation.mobile])
        descriptor.pop("default_browser_type", None)
        opts.update(descriptor)
    return opts
