"""How to find the widget and read what a visitor perceives of it.

Scenarios speak the reference widget's language: its states and its texts. A real build with
another DOM or other wording gets a profile (YAML) instead of edited scenarios: the selectors
that find its parts, the attribute that carries its state, and how its states and texts map to
the reference ones. What the build shows is translated back before it is compared.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PROBE_JS = (Path(__file__).parent / "probe.js").read_text(encoding="utf-8")


class WidgetProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "reference"
    root: str = ".spelo-root"
    state_attr: str = "data-state"
    orb: str = ".spelo-orb"
    status: str = ".spelo-status"
    tooltip: str = ".spelo-tip"
    notice: str = ".spelo-notice"
    continue_button: str = ".spelo-continue"
    cancel_button: str = ".spelo-cancel"
    fallback: str = ".spelo-fallback"
    # reference state -> this build's state value; reference text -> this build's text
    states: dict[str, str] = Field(default_factory=dict)
    texts: dict[str, str] = Field(default_factory=dict)

    def selector(self, target: str) -> str:
        return {"orb": self.orb, "continue": self.continue_button, "cancel": self.cancel_button,
                "fallback": self.fallback}[target]

    def probe_expression(self) -> str:
        """A JS expression whose value is a snapshot of the widget as a visitor perceives it."""
        keys = ("root", "state_attr", "orb", "status", "tooltip", "notice", "fallback")
        return f"({PROBE_JS.strip().rstrip(';')})({json.dumps({k: getattr(self, k) for k in keys})})"

    def visible_expression(self, selector: str) -> str:
        return (f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                f" return !!e && !e.hidden && e.getClientRects().length > 0; }})()")

    def to_reference(self, snap: dict[str, Any]) -> dict[str, Any]:
        """The snapshot in the reference widget's words (states and texts)."""
        if not self.states and not self.texts:
            return snap
        state_back = {v: k for k, v in self.states.items()}
        text_back = {v: k for k, v in self.texts.items()}

        def text(t: str) -> str:
            if t in text_back:
                return text_back[t]
            for build, ref in text_back.items():  # texts inside a longer visible text
                t = t.replace(build, ref)
            return t

        out = dict(snap)
        out["state"] = state_back.get(str(snap.get("state")), snap.get("state"))
        for key in ("status", "tooltip", "text"):
            if isinstance(out.get(key), str):
                out[key] = text(out[key])
        out["history"] = [{"state": state_back.get(h["state"], h["state"]), "status": text(h["status"])}
                          for h in snap.get("history") or []]
        return out


REFERENCE = WidgetProfile()
REFERENCE_PROFILE_FILE = Path(__file__).resolve().parent.parent / "fixtures_site" / "spelo.profile.yaml"


def load_profile(path: Path) -> WidgetProfile:
    """A profile file, or a ScenarioError naming its file, line and field."""
    from harness.scenarios import ScenarioError, describe_validation_error, read_yaml

    data, node = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}:1: (top): expected a mapping of profile fields")
    try:
        return WidgetProfile.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(describe_validation_error(path, node, e)) from None
