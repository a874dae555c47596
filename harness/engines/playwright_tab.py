"""The Tab for every engine that Playwright drives (Chromium, Firefox, Playwright's WebKit)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Error as PlaywrightError, Frame, Page

from harness.engines.base import SPY_JS, ConsoleLine, EngineCrashed, Tab

ACTION_TIMEOUT_MS = 10_000


class PlaywrightTab(Tab):
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
            target = self._frame(frame).locator(selector).first
            # An inert (aria-disabled) orb is still clickable by a visitor; Playwright's
            # actionability check would refuse it, so it is clicked without that check.
            target.click(force=target.get_attribute("aria-disabled") == "true")

        self._guard(go)

    def press(self, selector: str, key: str, frame: str | None = None) -> None:
        key = " " if key == "Space" else key

        def go():
            if selector:
                self._frame(frame).locator(selector).first.focus()
            self.page.keyboard.press(key)

        self._guard(go)

    def evaluate(self, expression: str, frame: str | None = None) -> Any:
        return self._guard(lambda: self._frame(frame).evaluate(expression))

    def console(self) -> list[ConsoleLine]:
        return list(self._console)

    def screenshot(self, path: Path) -> None:
        self._guard(lambda: self.page.screenshot(path=str(path)))

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
