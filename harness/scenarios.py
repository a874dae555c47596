"""Scenarios as data: the schema of scenarios/*.yaml and the loader.

A scenario is a situation (origin, embedding, permission, device, site config) plus the steps a
visitor takes and what must then be true. A bad file becomes one ScenarioError naming the file,
the line and the field; the loader never lets a traceback out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, cast

from pydantic import Field, ValidationError, field_validator, model_validator

from harness.engines import ENGINE_NAMES
from harness.engines.base import Situation
from harness.origins import ORIGINS
from harness.yamlfile import YamlFileError, describe_validation_error, line_of, read_yaml
from harness.model import Strict

EngineName = Literal["chromium", "firefox", "webkit"]
Embedding = Literal["top", "same-origin-iframe", "cross-origin-iframe", "cross-origin-iframe-allow"]
Target = Literal["orb", "continue", "cancel", "fallback"]


# The loader's one-line error: file:line: field: what is wrong (harness/yamlfile.py reads the files).
ScenarioError = YamlFileError


class Expect(Strict):
    """What must be true after the steps. Unset fields are not checked."""

    present: bool | None = None  # the widget is on the page at all
    state: str | None = None  # the widget's state (data-state in the reference profile)
    status: str | None = None  # the visible status text, exactly
    tooltip: str | None = None  # the visible tooltip text, exactly; "" = no tooltip
    notice: bool | None = None  # the privacy notice is visible
    fallback: bool | None = None  # the text-chat fallback link is visible
    links: dict[str, str] | None = None  # a visible link with this text leads here (a path, or a whole URL)
    text_contains: list[str] = Field(default_factory=list)  # visible anywhere in the widget
    console: list[str] = Field(default_factory=list)  # each line must appear (repeat = count)
    console_absent: list[str] = Field(default_factory=list)  # substrings no console line may have
    gum_calls: int | None = None  # getUserMedia calls made by the page (pass-through spy)
    gum_errors: list[str] | None = None  # error names of those calls, in order ("ok" for success)
    gum_needs_activation: bool | None = None  # every call happened during user activation
    # The microphone's release (the spy follows each track getUserMedia returned, engines/spy.js):
    mic_live: int | None = None  # microphone tracks of this page still live
    mic_left_live: int | None = None  # tracks the previous page of the tab still held when it was left
    mic_released: bool | None = None  # a track was obtained (here or on the page left) and none is live
    browser_prompts: int | None = None  # where the engine can count the browser's own prompts
    api_calls: list[str] | None = None  # endpoints the widget called, in order ("config", ...)
    url_path: str | None = None  # the path of the page the widget's frame shows
    orb_name: str | None = None  # the orb's accessible name
    orb_is_button: bool | None = None  # the orb is a real <button>
    orb_focused: bool | None = None  # the orb has keyboard focus
    touch_device: bool | None = None  # the page sees a touch device: maxTouchPoints > 0, touch events, (pointer: coarse)
    live_region: bool | None = None  # the widget announces status changes (a live region)
    axe_max_impact_violations: int | None = None  # serious + critical axe-core violations (after an axe step)
    states_seen: list[str] | None = None  # widget states seen over time, in this order (others between)
    status_seen: list[str] | None = None  # status texts seen over time, in this order
    analytics: list[str] | None = None  # analytics events the widget sent, in order
    # The realtime peer's side (the vendor's voice service stand-in):
    peer_audio_rms_min: float | None = None  # microphone energy measured at the peer, over ≥ 1 s
    peer_audio_rms_max: float | None = None
    peer_tool_result: bool | None = None  # the widget answered the peer's tool call
    peer_offers: int | None = None  # SDP offers the peer received
    # What the vendor's API answered (harness/expect_vendor.py): every call to the endpoint got
    # this status ({query: 200}: the signature was accepted); endpoints that must not be called.
    api_status: dict[str, int] | None = None
    api_absent: list[str] = Field(default_factory=list)
    peer_tool_output: dict[str, Any] | None = None  # the tool result's output contains this (the API's answer)
    # The orb's look (harness/appearance.py): size (px), color (#RRGGBB), glow, position.
    orb_look: dict[Literal["size", "height", "color", "glow", "position"], Any] | None = None


class Quirk(Strict):
    """An engine that differs from the others, with the reason and the evidence. Its `expect`
    replaces fields of the scenario's expect for that engine. If the engine starts behaving like
    the others, the cell fails as a stale quirk."""

    reason: str
    evidence: str
    expect: Expect
    # "limit": the engine cannot do the thing at all (e.g. no WebRTC), shown as such in the grid.
    kind: Literal["quirk", "limit"] = "quirk"
    # Only for this source of the engine (a substring of its source, e.g. "webkitgtk").
    source: str | None = None
    # Other steps for this engine, where the scenario's own cannot be taken there.
    steps: list["Step"] | None = None

    @field_validator("reason", "evidence")
    @classmethod
    def _said(cls, v: str) -> str:
        if not v.strip():  # a quirk passes cells: why, and how we know, must be written down
            raise ValueError("must say something (it is shown with every cell the quirk passes)")
        return v


class Step(Strict):
    """One visitor action or check. Exactly one field is set."""

    click: Target | None = None
    press: Literal["Enter", "Space"] | None = None  # on the orb, after focusing it
    key: Literal["Enter", "Space", "Tab", "Escape"] | None = None  # on whatever has focus
    axe: bool | None = None  # run axe-core on the widget's frame and keep its serious/critical violations
    reload: bool | None = None
    clear_storage: bool | None = None
    # Move the page's clock forward ("MM:SS" or "H:MM:SS"), firing the timers that fall due, as
    # Playwright's clock.fast_forward does: a cell that uses it gets the harness's clock installed
    # before the page's scripts (Tab.install_clock), so a 5-minute limit takes no 5 minutes.
    clock: str | None = Field(default=None, pattern=r"^(\d+:)?[0-5]?\d:[0-5]\d$")
    expect: Expect | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):  # "reload", "accept_notice" ...
            return {"accept_notice": {"click": "continue"}}.get(value, {value: True})
        return value

    @model_validator(mode="after")
    def _one(self) -> "Step":
        set_fields = [k for k, v in self.__dict__.items() if v is not None]
        if len(set_fields) != 1:
            raise ValueError("a step has exactly one of: click, press, key, axe, reload, clear_storage, clock, expect")
        return self

    def describe(self) -> str:
        for k, v in self.__dict__.items():
            if v is not None:
                return k if v is True else ("expect" if k == "expect" else f"{k} {v}")
        return "?"


class SiteSpec(Strict):
    """The cell's site at the fake vendor API."""

    config: dict[str, Any] = Field(default_factory=dict)
    domains: list[str] | None = None  # registered domains; None = every origin allowed
    faults: dict[str, dict[str, Any]] = Field(default_factory=dict)
    site_id: str | None = None  # a fixed (e.g. malformed) site id instead of a fresh one
    # The realtime peer for this site: {ice: none} makes ICE impossible (as a VPN or an inspecting
    # proxy does), reject_status, speak_after_ms (the pause before the model's first words: 500),
    # speak_ms, tone_hz, tool_call (null: none).
    peer: dict[str, Any] = Field(default_factory=dict)


class Scenario(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    origin: str = "localhost"
    embedding: Embedding = "top"
    page: str = Field(default="/index.html", pattern=r"^/[A-Za-z0-9_./-]*$")
    permission: Literal["granted", "denied", "prompt"] = "prompt"
    prompt_answer: Literal["block", "allow", "ignore"] = "block"
    device: Literal["fake", "none", "silent"] = "fake"
    # A Playwright device descriptor ("Pixel 7"), or one per engine ({chromium: "Pixel 7", webkit: "iPhone 13"}).
    mobile: str | dict[EngineName, str] | None = None
    policy_block: bool = False
    # Faults with no real browser means, injected by the harness and named in the report:
    # {getUserMedia: NotReadableError} makes the spy reject with that error instead of asking.
    inject: dict[Literal["getUserMedia"], Literal["NotReadableError", "AbortError", "NotFoundError"]] = Field(default_factory=dict)
    site: SiteSpec = Field(default_factory=SiteSpec)
    steps: list[Step] = Field(min_length=1)
    expect: Expect
    engines: list[EngineName] = Field(default_factory=lambda: cast(list[EngineName], list(ENGINE_NAMES)))
    quirks: dict[EngineName, Quirk] = Field(default_factory=dict)
    skip: dict[EngineName, str] = Field(default_factory=dict)  # engine -> why this cell cannot run there
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    guards: list[str] = Field(default_factory=list)  # the contract's promises it guards (contract/promises.yaml)
    # Set by the loader: where the scenario came from, for messages.
    source: str = ""

    @field_validator("origin")
    @classmethod
    def _known_origin(cls, v: str) -> str:
        if v not in ORIGINS:
            raise ValueError(f"unknown origin {v!r}; known: {', '.join(ORIGINS)}")
        return v

    def situation(self, engine: str) -> Situation:
        mobile = self.mobile.get(cast(EngineName, engine)) if isinstance(self.mobile, dict) else self.mobile
        return Situation(
            permission=self.permission, prompt_answer=self.prompt_answer, device=self.device, mobile=mobile, policy_block=self.policy_block
        )

    def frame(self) -> str | None:
        """The frame the widget lives in: None at top level, else the iframe's name."""
        return None if self.embedding == "top" else "widget-frame"

    def quirk_for(self, engine: str, source: str) -> Quirk | None:
        quirk = self.quirks.get(cast(EngineName, engine))
        if quirk is not None and quirk.source and quirk.source not in source:
            return None
        return quirk

    def expect_for(self, engine: str, source: str) -> Expect:
        quirk = self.quirk_for(engine, source)
        return self.expect if quirk is None else merge_expect(self.expect, quirk.expect)


def merge_expect(base: Expect, override: Expect) -> Expect:
    return base.model_copy(update={k: getattr(override, k) for k in override.model_fields_set})


Quirk.model_rebuild()


class ScenarioFile(Strict):
    # Anchors shared by the file's scenarios (e.g. a quirk many rows carry); not read otherwise.
    definitions: dict[str, Any] = Field(default_factory=dict)
    scenarios: list[Scenario]


# -- loading -------------------------------------------------------------------------------------


def load_file(path: Path) -> list[Scenario]:
    data, node = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}:1: (top): expected a mapping with a 'scenarios' list")
    try:
        parsed = ScenarioFile.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(describe_validation_error(path, node, e)) from None
    out = []
    from harness.promises import check_guards

    for i, sc in enumerate(parsed.scenarios):
        check_guards(path, node, i, sc.guards)
        out.append(sc.model_copy(update={"source": f"{path}:{line_of(node, ('scenarios', i))}"}))
    return out


def load_all(paths: list[Path]) -> list[Scenario]:
    """Every scenario in the given files and folders (folders: their *.yaml / *.yml files)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(list(p.glob("*.yaml")) + list(p.glob("*.yml")))
        elif p.exists():
            files.append(p)
        else:
            raise ScenarioError(f"{p}: no such file or folder")
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for f in files:
        for sc in load_file(f):
            if sc.id in seen:
                raise ScenarioError(f"{sc.source}: id: {sc.id!r} is already used at {seen[sc.id]}")
            seen[sc.id] = sc.source
            scenarios.append(sc)
    return scenarios
