"""How to find the widget and read what a visitor perceives of it.

The reference widget's profile is the default; a real build with another DOM gets its own
profile (selectors, the state attribute) instead of edited scenarios.
"""
from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

PROBE_JS = (Path(__file__).parent / "probe.js").read_text(encoding="utf-8")


class WidgetProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    root: str = ".spelo-root"
    state_attr: str = "data-state"
    orb: str = ".spelo-orb"
    status: str = ".spelo-status"
    tooltip: str = ".spelo-tip"
    notice: str = ".spelo-notice"
    continue_button: str = ".spelo-continue"
    cancel_button: str = ".spelo-cancel"
    fallback: str = ".spelo-fallback"

    def selector(self, target: str) -> str:
        return {"orb": self.orb, "continue": self.continue_button, "cancel": self.cancel_button,
                "fallback": self.fallback}[target]

    def probe_expression(self) -> str:
        """A JS expression whose value is a snapshot of the widget as a visitor perceives it."""
        return f"({PROBE_JS.strip().rstrip(';')})({json.dumps(self.model_dump())})"

    def visible_expression(self, selector: str) -> str:
        return (f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                f" return !!e && !e.hidden && e.getClientRects().length > 0; }})()")


REFERENCE = WidgetProfile()
