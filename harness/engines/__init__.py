"""The engines, by name. Each lives in its own module with everything engine-specific in it."""
from __future__ import annotations

import importlib

from harness.engines.base import Engine

ENGINE_NAMES = ("chromium", "firefox", "webkit")
_MODULES = {
    "chromium": ("harness.engines.chromium", "ChromiumEngine"),
    "firefox": ("harness.engines.firefox", "FirefoxEngine"),
    "webkit": ("harness.engines.webkit", "WebKitEngine"),
}
_made: dict[str, Engine] = {}


def get_engine(name: str) -> Engine:
    if name not in _made:
        module, cls = _MODULES[name]
        _made[name] = getattr(importlib.import_module(module), cls)()
    return _made[name]
