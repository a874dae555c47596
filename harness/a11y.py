"""Accessibility scans with axe-core (the copy shipped by the axe-playwright-python package),
injected through the Tab interface so every engine, WebKitGTK included, runs the same scan."""

from __future__ import annotations

import json
import time
from importlib import resources
from typing import Any

from harness.engines.base import Tab, find_expression

SERIOUS = ("serious", "critical")


def axe_source() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def run_axe(tab: Tab, frame: str | None, root_selector: str, deadline: float) -> dict[str, Any]:
    """Scan the widget's root and return {'violations': [...serious and critical...], 'version'}.
    axe.run is asynchronous; its result is parked on window and polled, so engines whose
    evaluate does not await promises work too."""
    # One expression (engines evaluate expressions, not scripts): axe defines window.axe.
    tab.evaluate("(function () {\n" + axe_source() + "\n;return true; })()", frame)
    start = (
        "(function () { window.__speloAxe = null;"
        f"axe.run({find_expression(root_selector)} || document, "
        "{resultTypes: ['violations']}).then(function (r) { window.__speloAxe = JSON.stringify({"
        "version: r.testEngine.version, violations: r.violations.map(function (v) {"
        "return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length}; })}); },"
        "function (e) { window.__speloAxe = JSON.stringify({error: String(e)}); }); return true; })()"
    )
    tab.evaluate(start, frame)
    while True:
        raw = tab.evaluate("window.__speloAxe", frame)
        if raw:
            result: dict[str, Any] = json.loads(raw)
            if "error" in result:
                raise RuntimeError(f"axe-core failed: {result['error']}")
            result["violations"] = [v for v in result["violations"] if v["impact"] in SERIOUS]
            return result
        if time.monotonic() > deadline:
            raise TimeoutError("axe-core did not finish in time")
        time.sleep(0.05)  # poll
