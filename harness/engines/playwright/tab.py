"""The Tab for every engine that Playwright drives (Chromium, Firefox, Playwright's WebKit)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, TypeVar

from playwright.sync_api import BrowserContext, Error as PlaywrightError, Frame, Page

from harness.engines.base import FIND_JS, SPY_JS, ConsoleLine, EngineCrashed, Tab, find_expression

T = TypeVar("T")

ACTION_TIMEOUT_MS = 10_000
SCREENSHOT_TIMEOUT_MS = 5_000

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
        self.page.on("pageerror", lambda err: self._console.append(ConsoleLine("pageerror", str(err))))
        self._crashed = False
        self.page.on("crash", lambda _: setattr(self, "_crashed", True))

    def route_vendor(self, fake: Any) -> None:
        fake.install(self.context)  # context routes: HTTP and WebSocket, in every Playwright engine

    def _on_console(self, msg) -> None:
        url = (msg.location or {}).get("url", "")
        self._console.append(ConsoleLine(msg.type, msg.text, url))

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

    def _guard(self, fn, *args):
        try:
            return fn(*args)
        except PlaywrightError as e:
            if self._crashed or "crash" in str(e).lower() or "closed" in str(e).lower():
                raise EngineCrashed(str(e).splitlines()[0]) from None
            raise

    def goto(self, url: str) -> None:
        self._guard(lambda: self.page.goto(url, wait_until="load"))

    def reload(self) -> None:
        self._guard(lambda: self.page.reload(wait_until="load"))

    def click(self, selector: str, frame: str | None = None) -> None:
        def go():
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
        key = " " if key == "Space" else key

        def go():
            if selector:
                self._element(selector, frame).focus()
            self.page.keyboard.press(key)

        self._guard(go)

    def _element(self, selector: str, frame: str | None):
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
        self._guard(lambda: self.page.screenshot(path=str(path), timeout=SCREENSHOT_TIMEOUT_MS))

    def close(self) -> None:
        try:
            if self.trace_path is not None:
                self.context.tracing.stop(path=str(self.trace_path))
            self.context.close()
        except PlaywrightError:
            pass  # the browser went away first; nothing left to close


_playwright = None


def playwright():
    """The process's one Playwright driver, started on first use (sync API: one per thread)."""
    global _playwright
    if _playwright is None:
        from playwright.sync_api import sync_playwright

        _playwright = sync_playwright().start()
    return _playwright


def ask_playwright(question: Callable[[Any], T]) -> T:
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


def context_options(situation, extra: dict | None = None) -> dict:
    """new_context() options shared by the Playwright engines: the mobile profile, if any."""
    opts: dict = dict(extra or {})
    if situation.mobile:
        descriptor = dict(playwright().devices[situation.mobile])
        descriptor.pop("default_browser_type", None)
        opts.update(descriptor)
    return opts
