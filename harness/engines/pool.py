"""Browsers pooled per worker: one per (engine, launch key), reused by every cell that can be
served by a fresh context of it; relaunched only when it died. Closed at the end, or earlier
when the caller knows no later cell needs it (close_finished: the plugin, which orders cells by
browser). Measured: keeping every browser to the end held 8 per worker, 5 of them Firefox."""

from __future__ import annotations

import logging
from typing import Any, Callable, Hashable

from harness.engines import get_engine
from harness.engines.base import RunEnv, Situation, Tab

log = logging.getLogger("spelo.pool")


class EnginePool:
    def __init__(self, env: RunEnv):
        self.env = env
        self._browsers: dict[Hashable, tuple[str, Any]] = {}
        self.launches: dict[str, int] = {}
        self.versions: dict[str, str] = {}

    def browser(self, engine_name: str, situation: Situation) -> Any:
        engine = get_engine(engine_name)
        key = engine.launch_key(situation)
        held = self._browsers.get(key)
        if held is not None and not engine.is_alive(held[1]):
            log.warning("%s browser for %s died; relaunching", engine_name, key)
            engine.close_browser(held[1])
            held = None
        if held is None:
            browser = engine.launch(situation, self.env)
            self._browsers[key] = (engine_name, browser)
            self.launches[engine_name] = self.launches.get(engine_name, 0) + 1
            self.versions.setdefault(engine_name, engine.version(browser))
            return browser
        return held[1]

    def new_tab(self, engine_name: str, situation: Situation, env: RunEnv | None = None) -> Tab:
        browser = self.browser(engine_name, situation)
        return get_engine(engine_name).new_tab(browser, situation, env or self.env)

    def close_finished(self, finished: Callable[[Hashable], bool]) -> None:
        """Close every browser whose launch key `finished` says no later cell needs, unless a
        tab of it is still open (a test may hold tabs of two browsers at once)."""
        for key, (engine_name, browser) in list(self._browsers.items()):
            engine = get_engine(engine_name)
            if finished(key) and not engine.in_use(browser):
                del self._browsers[key]
                engine.close_browser(browser)

    def discard(self, engine_name: str, situation: Situation) -> None:
        """Drop the browser serving this situation (after a crash), so the next cell relaunches."""
        key = get_engine(engine_name).launch_key(situation)
        held = self._browsers.pop(key, None)
        if held is not None:
            get_engine(engine_name).close_browser(held[1])

    def close(self) -> None:
        for key, (engine_name, browser) in list(self._browsers.items()):
            try:
                get_engine(engine_name).close_browser(browser)
            except Exception:  # closing must go on for the others
                log.exception("closing %s", key)
        self._browsers.clear()
