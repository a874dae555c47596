"""The engines, by name: the one registry that maps an engine name to the class that serves it,
and the one place that decides whether a name's browsers are local or a Playwright server's.

The engines are grouped by family, as wptrunner keeps products, browsers and executors apart:
- engines/playwright/: the browsers Playwright drives (Chromium, Firefox, Playwright's WebKit
  build), their shared engine and tab, and remote.py for browsers from a Playwright server.
- engines/webkitgtk/: stock WebKitGTK through its own API: the engine and the client here, and
  in webkitgtk/driver/ the process that runs under the system Python (stdlib and gi only).
- engines/ itself: what every family shares (base.py, pool.py, usable.py, hostproxy.py and the
  page scripts spy.js, find.js, settle.js).

`webkit` has two engines, kept apart as web-platform-tests keeps its `webkit` and
`webkitgtk_minibrowser` products: Playwright's WebKit build and stock WebKitGTK. A run uses
Playwright's build where `playwright install webkit` put it, as for Chromium and Firefox, else
WebKitGTK; SPELO_WEBKIT (playwright or webkitgtk) forces one. `spelo-harness doctor` says which
one and why.
"""

from __future__ import annotations

import functools
import importlib
import os
from dataclasses import dataclass, replace

from harness.engines.base import Availability, Engine
from harness.errors import UsageError

ENGINE_NAMES: tuple[str, ...] = ("chromium", "firefox", "webkit")
WEBKIT_ENV = "SPELO_WEBKIT"


@dataclass(frozen=True)
class EngineSpec:
    """One engine of the registry: the name it serves, which build of that name it is ("" where
    the name has one), where its class lives (imported only when chosen: Playwright or gi may be
    missing), and whether a Playwright server (--connect) can serve it."""

    name: str  # one of ENGINE_NAMES
    build: str
    module: str
    cls: str
    title: str
    remote: bool

    def load(self) -> type[Engine]:
        engine_class: type[Engine] = getattr(importlib.import_module(self.module), self.cls)
        return engine_class


# In order of preference within a name.
REGISTRY: tuple[EngineSpec, ...] = (
    EngineSpec("chromium", "", "harness.engines.playwright.chromium", "ChromiumEngine", "Chromium", remote=True),
    EngineSpec("firefox", "", "harness.engines.playwright.firefox", "FirefoxEngine", "Firefox", remote=True),
    EngineSpec(
        "webkit", "playwright", "harness.engines.playwright.webkit", "PlaywrightWebKitEngine", "Playwright's WebKit build", remote=False
    ),
    EngineSpec("webkit", "webkitgtk", "harness.engines.webkitgtk.engine", "WebKitGTKEngine", "stock WebKitGTK", remote=False),
)


def specs(name: str) -> tuple[EngineSpec, ...]:
    return tuple(s for s in REGISTRY if s.name == name)


@dataclass(frozen=True)
class Choice:
    build: str  # the EngineSpec.build chosen
    why: str  # one line for doctor; "" where the name has one engine


def choose(name: str) -> Choice:
    """Which engine serves `name` on this machine, and why; UsageError for a SPELO_WEBKIT that
    names no engine."""
    builds = {s.build: s for s in specs(name)}
    if len(builds) == 1:
        return Choice(next(iter(builds)), "")
    forced = os.environ.get(WEBKIT_ENV, "").strip()
    if forced:
        if forced not in builds:
            raise UsageError(f"{WEBKIT_ENV}={forced!r} names no webkit engine (known: {', '.join(builds)})")
        return Choice(forced, f"{builds[forced].title}, as {WEBKIT_ENV}={forced} says")
    from playwright.sync_api import Error as PlaywrightError

    from harness.engines.playwright import webkit

    try:
        if webkit.installed():
            return Choice(
                "playwright",
                f"{builds['playwright'].title}: it is installed, and preferred as for "
                f"Chromium and Firefox ({WEBKIT_ENV}=webkitgtk would use stock WebKitGTK)",
            )
        why = "no Playwright WebKit build is installed (`playwright install webkit`)"
    except PlaywrightError as e:  # the driver did not start: its builds cannot run either
        why = f"Playwright's driver did not start ({str(e).strip().splitlines()[0] if str(e).strip() else e!r})"
    return Choice("webkitgtk", f"{builds['webkitgtk'].title}: {why}; {WEBKIT_ENV}=playwright would insist on it")


@functools.cache
def _chosen(name: str) -> tuple[Engine, str]:
    """The engine serving `name` in this process, made once, and why it was chosen."""
    choice = choose(name)
    spec = next(s for s in specs(name) if s.build == choice.build)
    return spec.load()(), choice.why


def get_engine(name: str) -> Engine:
    return _chosen(name)[0]


def availability(name: str, connect: str | None = None) -> Availability:
    """Whether `name` can run, and from where. The one place that decides local or remote: with
    --connect (`connect`, the server's endpoint) the server's browsers count, not what is
    installed here. Locally, with why this engine serves the name (for doctor)."""
    if connect:
        from harness.engines.playwright import remote

        return remote.availability(name, connect, served=any(s.remote for s in specs(name)))
    engine, why = _chosen(name)
    avail = engine.availability()
    if why:
        return replace(avail, notes=[f"engine: {why}", *avail.notes])
    return avail
