"""What the engines Playwright drives (Chromium, Firefox, Playwright's WebKit) share: finding the
browser (Playwright's own build where `playwright install` put it, else the distro's),
availability, closing (with the hostname proxy an engine kept for that browser)."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from typing import Any, Callable

from playwright.sync_api import Browser, BrowserType, Error as PlaywrightError

from harness.engines.base import Availability, Engine, RunEnv
from harness.engines.hostproxy import HostProxy
from harness.engines.playwright import remote
from harness.engines.playwright.tab import playwright

log = logging.getLogger("spelo.engines")


def find_executable(browser_type: BrowserType, system_paths: tuple[str, ...]) -> tuple[str | None, str]:
    """(executable_path, source): None for Playwright's own build, else a system path; source
    is "" when neither exists."""
    try:
        own = browser_type.executable_path
    except PlaywrightError:
        own = ""
    if own and Path(own).exists():
        return None, "playwright"
    for candidate in system_paths:
        found = shutil.which(candidate) or (candidate if Path(candidate).exists() else None)
        if found:
            return found, f"system {found}"
    return None, ""


def launch_error(e: PlaywrightError) -> str:
    """A launch failure in one line: Playwright's message without its method prefix and the box
    it draws around advice (e.g. "Host system is missing dependencies ... playwright install-deps")."""
    text = re.sub(r"[\u2550-\u256c]", " ", str(e))  # box-drawing characters
    text = re.sub(r"^\s*BrowserType\.launch:\s*", "", text)
    text = " ".join(text.split())
    return (text[:300] + "…") if len(text) > 300 else (text or type(e).__name__)


class PlaywrightEngine(Engine):
    system_paths: tuple[str, ...] = ()
    install_hint: str = ""

    def __init__(self) -> None:
        self._availability: Availability | None = None
        # id(browser) -> the loopback proxy that maps its hostnames, where the engine needs one
        # (Playwright's WebKit always; Firefox on another host): stopped with its browser.
        self._proxies: dict[int, HostProxy] = {}

    def browser_type(self) -> BrowserType:
        driver = playwright()
        return {"chromium": driver.chromium, "firefox": driver.firefox, "webkit": driver.webkit}[self.name]

    def _executable(self) -> tuple[str | None, str]:
        return find_executable(self.browser_type(), self.system_paths)

    def start_browser(
        self, env: RunEnv, options: dict[str, Any], verify: Callable[[Browser], bool], needs: Callable[[Browser], str | None] | None = None
    ) -> Browser:
        """The one place an engine's browser is started here or by the Playwright server at
        env.connect. `options` are BrowserType.launch's, in its Python names; `verify` and `needs`
        check a served browser (remote.launch); slow motion comes from env."""
        if env.connect:
            return remote.launch(self.browser_type(), env, options, verify=verify, needs=needs)
        return self.browser_type().launch(**options, slow_mo=env.slowmo_ms or None)

    def availability(self) -> Availability:
        if self._availability is None:
            try:
                path, source = self._executable()
                gap = self.driver_gap(path) if source else ""
            except PlaywrightError as e:  # Playwright's driver (node) did not start
                self._availability = Availability(self.name, False, reason=f"Playwright's driver did not start: {e}")
                return self._availability
            if gap:
                self._availability = Availability(self.name, False, source=source, reason=gap)
            else:
                self._availability = (
                    Availability(self.name, True, source=source) if source else Availability(self.name, False, reason=self.install_hint)
                )
        return self._availability

    def driver_gap(self, executable: str | None) -> str:
        """Why this Playwright cannot drive the browser found (executable: None for Playwright's
        own build), in one line; "" when it can. Asked once, before any cell."""
        return ""

    def close_browser(self, browser: Browser) -> None:
        try:
            browser.close()
        except Exception as e:  # noqa: BLE001 (already gone: a killed driver raises a plain Exception, "Connection closed")
            log.info("closing %s: %s (already gone: nothing left to close)", self.name, e)
        finally:
            proxy = self._proxies.pop(id(browser), None)
            if proxy is not None:
                proxy.stop()

    def in_use(self, browser: Browser) -> bool:
        return bool(browser.contexts)  # a tab is a context of its own

    def is_alive(self, browser: Browser) -> bool:
        return browser.is_connected()

    def version(self, browser: Browser) -> str:
        return browser.version
