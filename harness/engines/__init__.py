"""The engines, by name: the one place that maps an engine name to the module that serves it.

`webkit` has two engines, kept apart as web-platform-tests keeps its `webkit` and
`webkitgtk_minibrowser` products: Playwright's WebKit build (webkit_playwright.py) and stock
WebKitGTK driven through its own API (webkitgtk.py). A run uses Playwright's build where
`playwright install webkit` put it, as for Chromium and Firefox, else WebKitGTK; SPELO_WEBKIT
(playwright or webkitgtk) forces one. `spelo-harness doctor` says which one and why.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, replace

from harness.engines.base import Availability, Engine
from harness.errors import UsageError

ENGINE_NAMES = ("chromium", "firefox", "webkit")
WEBKIT_ENV = "SPELO_WEBKIT"
# name -> {build: (module, class)}, in order of preference; "" where a name has one engine.
_ENGINES: dict[str, dict[str, tuple[str, str]]] = {
    "chromium": {"": ("harness.engines.chromium", "ChromiumEngine")},
    "firefox": {"": ("harness.engines.firefox", "FirefoxEngine")},
    "webkit": {"playwright": ("harness.engines.webkit_playwright", "PlaywrightWebKitEngine"),
               "webkitgtk": ("harness.engines.webkitgtk", "WebKitGTKEngine")},
}
_TITLE = {"playwright": "Playwright's WebKit build", "webkitgtk": "stock WebKitGTK"}
_made: dict[str, Engine] = {}
_why: dict[str, str] = {}


@dataclass(frozen=True)
class Choice:
    build: str  # the key of _ENGINES[name]
    why: str    # one line for doctor; "" where the name has one engine


def choose(name: str) -> Choice:
    """Which engine serves `name` on this machine, and why; UsageError for a SPELO_WEBKIT that
    names no engine."""
    builds = _ENGINES[name]
    if len(builds) == 1:
        return Choice(next(iter(builds)), "")
    forced = os.environ.get(WEBKIT_ENV, "").strip()
    if forced:
        if forced not in builds:
            raise UsageError(f"{WEBKIT_ENV}={forced!r} names no webkit engine (known: {', '.join(builds)})")
        return Choice(forced, f"{_TITLE[forced]}, as {WEBKIT_ENV}={forced} says")
    from playwright.sync_api import Error as PlaywrightError

    from harness.engines import webkit_playwright

    try:
        if webkit_playwright.installed():
            return Choice("playwright", f"{_TITLE['playwright']}: it is installed, and preferred as for Chromium and "
                                        f"Firefox ({WEBKIT_ENV}=webkitgtk would use stock WebKitGTK)")
        why = "no Playwright WebKit build is installed (`playwright install webkit`)"
    except PlaywrightError as e:  # the driver did not start: its builds cannot run either
        why = f"Playwright's driver did not start ({str(e).strip().splitlines()[0] if str(e).strip() else e!r})"
    return Choice("webkitgtk", f"{_TITLE['webkitgtk']}: {why}; {WEBKIT_ENV}=playwright would insist on it")


def get_engine(name: str) -> Engine:
    if name not in _made:
        choice = choose(name)
        module, cls = _ENGINES[name][choice.build]
        _made[name] = getattr(importlib.import_module(module), cls)()
        _why[name] = choice.why
    return _made[name]


def availability(name: str) -> Availability:
    """The engine's availability, with why this engine serves the name (for doctor)."""
    engine = get_engine(name)
    avail = engine.availability()
    if _why.get(name):
        return replace(avail, notes=[f"engine: {_why[name]}", *avail.notes])
    return avail

