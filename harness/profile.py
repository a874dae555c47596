"""How to find the widget and read what a visitor perceives of it.

Scenarios speak the reference widget's language: its states and its texts. A real build with
another DOM or other wording gets a profile (YAML) instead of edited scenarios: how the host pages
embed it, the selectors that find its parts (into open shadow roots: `host >>> part`, see
engines/find.js), where its state comes from (an attribute, or ordered rules over what the visitor
sees: compound rules, harness/profile_rules.py), its own named `parts`, the `flows` a scenario
step stands for (harness/flows.py), the `vendor` hosts a fake of ours answers
(harness/vendor_fake.py), and how its states and texts map to the reference ones. What the build shows is kept in its
own words: the map is used only by the contract judge (harness/judge_contract.py), to compare.
Version 1 profiles (the reference's) are a subset and read unchanged.
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import Discriminator, Field, Tag, ValidationError, field_validator, model_validator

from harness import paths
from harness.engines.base import FIND_JS, find_expression
from harness.flows import FlowStep
from harness.profile_rules import Resolver, StateRule, check_regex, check_selector
from harness.model import Strict
from harness.vendor_fake import VendorSpec, load_fake

__all__ = ["REFERENCE", "REFERENCE_STATES", "StateRule", "WidgetProfile", "check_regex", "check_selector", "load_profile"]

PROBE_JS = (Path(__file__).parent / "probe.js").read_text(encoding="utf-8")

# What the reference host pages have always carried where the widget goes.
DEFAULT_EMBED = '<script src="{{WIDGET_SRC}}" data-site-id="{{SITE_ID}}" data-api-base="{{API_BASE}}" async></script>'
# Placeholders an embed may use; the fixture server fills them per cell (server/pages.py).
EMBED_PLACEHOLDERS = ("WIDGET_SRC", "WIDGET_BASE", "SITE_ID", "API_BASE", "API_WS", "ORIGIN", "SITE_CONFIG_JSON", "SITE_CONFIG_JS")
PAGE_PREFIX = "page:"  # a part outside the widget's root (a dialog a build appends to <body>)
NOT_THERE = ("none", "")  # a build without this part says `notice: none`
# The reference widget's states (fixtures_site/spelo.js): a state rule names one of these, or a
# build state the profile's `states` maps one to.
REFERENCE_STATES = (
    "loading",
    "idle",
    "notice",
    "requesting",
    "connecting",
    "listening",
    "speaking",
    "denied",
    "blocked",
    "insecure",
    "no-device",
    "unreadable",
    "mic-error",
    "error",
    "network-error",
    "framed",
    "invalid",
    "unsupported",
)
# The parts every profile has (a step's target, a rule's `part:`, a flow step), by their names.
BUILTIN_PARTS = {
    "root": "root",
    "orb": "orb",
    "status": "status",
    "tooltip": "tooltip",
    "notice": "notice",
    "continue": "continue_button",
    "cancel": "cancel_button",
    "fallback": "fallback",
}
Target = Literal["orb", "continue", "cancel", "fallback"]


def optional_selector(value: str | None) -> str | None:
    return None if value is None else check_selector(value)


class TextPattern(Strict):
    regex: str

    _re = field_validator("regex")(check_regex)


# A text of the build: exact, or {regex: ...}; tagged so that an error names the branch meant.
BuildText = Annotated[
    Union[Annotated[str, Tag("text")], Annotated[TextPattern, Tag("pattern")]],
    Discriminator(lambda v: "text" if isinstance(v, str) else "pattern"),
]


class WidgetProfile(Strict):
    version: Literal[1, 2] = 1
    name: str = "reference"
    # What the host pages put where the widget goes ({{WIDGET_SRC}} etc., EMBED_PLACEHOLDERS).
    embed: str = DEFAULT_EMBED
    root: str = ".spelo-root"
    state_attr: str | None = "data-state"
    state_rules: list[StateRule] = Field(default_factory=list)
    # The build's own parts by name (selectors under the root, or page:), for flows and rules.
    parts: dict[str, str] = Field(default_factory=dict)
    # A scenario step's target -> the build's own sequence that step stands for (harness/flows.py).
    flows: dict[Target, list[FlowStep]] = Field(default_factory=dict)
    # The build's vendor hosts answered by a fake of ours (harness/vendor_fake.py).
    vendor: VendorSpec | None = None
    orb: str = ".spelo-orb"
    status: str | None = ".spelo-status"
    tooltip: str | None = ".spelo-tip"
    notice: str | None = ".spelo-notice"
    continue_button: str | None = ".spelo-continue"
    cancel_button: str | None = ".spelo-cancel"
    fallback: str | None = ".spelo-fallback"
    # reference state -> this build's state value; reference text -> this build's text (or pattern)
    states: dict[str, str] = Field(default_factory=dict)
    texts: dict[str, BuildText] = Field(default_factory=dict)
    # scenario id (or glob) -> why it does not apply to this build: those cells are shown as
    # skipped with this reason, never run and passed.
    not_applicable: dict[str, str] = Field(default_factory=dict)
    # expectation field (of a scenario's expect) -> why the contract judge does not judge it for
    # this build: the reference's own `[Spelo]` console lines, exact getUserMedia counts and
    # outcome lists, the fallback link... Shown as not applicable in the cell, never judged.
    not_applicable_expect: dict[str, str] = Field(default_factory=dict)
    # the judge a run of this build uses unless --judge says otherwise (snapshot: with --against)
    judge: Literal["contract", "universal", "snapshot"] = "contract"

    @field_validator("status", "tooltip", "notice", "continue_button", "cancel_button", "fallback", "state_attr", mode="before")
    @classmethod
    def _none(cls, v: Any) -> Any:
        return None if isinstance(v, str) and v.strip().lower() in NOT_THERE else v

    @field_validator("root", "orb", "status", "tooltip", "notice", "continue_button", "cancel_button", "fallback")
    @classmethod
    def _selector(cls, v: str | None) -> str | None:
        return v if v is None else check_selector(v)

    @field_validator("not_applicable_expect")
    @classmethod
    def _expect_fields(cls, v: dict[str, str]) -> dict[str, str]:
        from harness.scenarios import Expect

        unknown = sorted(set(v) - set(Expect.model_fields))
        if unknown:
            raise ValueError(f"unknown expectation {unknown[0]!r} (known: {', '.join(sorted(Expect.model_fields))})")
        if "state" in v:
            raise ValueError("'state' is always judged: a build's state is what the contract is about")
        return v

    @field_validator("parts")
    @classmethod
    def _parts(cls, v: dict[str, str]) -> dict[str, str]:
        for name, sel in v.items():
            if name in BUILTIN_PARTS:
                raise ValueError(f"{name!r} is a part every profile has (its own field); name it otherwise")
            check_selector(sel)
        return v

    @field_validator("flows", mode="before")
    @classmethod
    def _flow_targets(cls, v: Any) -> Any:
        for key in v if isinstance(v, dict) else []:
            if key not in get_args(Target):
                raise ValueError(f"{key!r} is not a step a flow can stand for ({', '.join(get_args(Target))})")
        return v

    @field_validator("embed")
    @classmethod
    def _embed(cls, v: str) -> str:
        unknown = sorted(set(re.findall(r"\{\{(\w+)\}\}", v)) - set(EMBED_PLACEHOLDERS))
        if unknown:
            raise ValueError(f"unknown placeholder {{{{{unknown[0]}}}}} (known: {', '.join(EMBED_PLACEHOLDERS)})")
        if "{{WIDGET_SRC}}" not in v:
            raise ValueError("the embed must load the build: {{WIDGET_SRC}} is missing")
        return v

    @model_validator(mode="after")
    def _state_source(self) -> "WidgetProfile":
        if self.state_attr is None and not self.state_rules:
            raise ValueError("no state source: give state_attr or state_rules")
        if self.notice is not None and self.continue_button is None:
            raise ValueError("a notice needs its continue_button (or say notice: none)")
        return self

    def reference_problem(self) -> tuple[tuple[int | str, ...], str] | None:
        """The first state or part the profile names that it does not know, as (field location,
        what is wrong); None when all are known. load_profile names its file and line."""
        states = set(REFERENCE_STATES) | set(self.states) | set(self.states.values())
        known = sorted(self.part_names())
        for i, rule in enumerate(self.state_rules):
            if rule.state not in states:
                return ("state_rules", i, "state"), (
                    f"unknown state {rule.state!r} (the reference's: {', '.join(REFERENCE_STATES)}; or map one in `states`)"
                )
            for loc, name in rule.part_names():
                if self.part_selector(name) is None:
                    return ("state_rules", i, *loc), _unknown_part(name, known)
        for target, steps in self.flows.items():
            for j, step in enumerate(steps):
                if step.part is not None and self.part_selector(step.part) is None:
                    return ("flows", target, j, step.kind), _unknown_part(step.part, known)
        return None

    def part_names(self) -> list[str]:
        """The names of the parts this build has (`none` ones left out)."""
        return [n for n in [*BUILTIN_PARTS, *self.parts] if self.part_selector(n) is not None]

    def part_selector(self, name: str) -> str | None:
        """A part's selector from the document, by its name; None: no such part here."""
        if name in self.parts:
            return self.path(self.parts[name])
        if name == "root":
            return self.root
        field = BUILTIN_PARTS.get(name)
        sel = getattr(self, field) if field else None
        if name in ("continue", "cancel") and self.notice is None:
            return None  # as selector(): a build without a notice has no buttons of one
        return None if sel is None else self.path(sel)

    # -- selectors -----------------------------------------------------------------------------
    def path(self, selector: str) -> str:
        """A part's selector from the document: under the root unless it says `page:`."""
        if selector.startswith(PAGE_PREFIX):
            return selector[len(PAGE_PREFIX) :].strip()
        return f"{self.root} >>> {selector}"

    def selector(self, target: str) -> str | None:
        """The document-level selector of a step's target; None: this build has no such part."""
        sel = {"orb": self.orb, "continue": self.continue_button, "cancel": self.cancel_button, "fallback": self.fallback}[target]
        if sel is None or (target in ("continue", "cancel") and self.notice is None):
            return None
        return self.path(sel)

    def not_applicable_reason(self, scenario_id: str) -> str | None:
        for pattern, why in self.not_applicable.items():
            if fnmatch.fnmatchcase(scenario_id, pattern):
                return why
        return None

    def probe_expression(self) -> str:
        """A JS expression whose value is a snapshot of the widget as a visitor perceives it."""

        def opt(sel: str | None) -> str | None:
            return None if sel is None else self.path(sel)

        resolve = _Parts(self)
        rules = [{"state": r.state, "label": r.label(i), "cond": r.compiled(resolve)} for i, r in enumerate(self.state_rules)]
        params = {
            "root": self.root,
            "state_attr": self.state_attr,
            "rules": rules,
            "orb": self.path(self.orb),
            "status": opt(self.status),
            "tooltip": opt(self.tooltip),
            "notice": opt(self.notice),
            "fallback": opt(self.fallback),
        }
        return f"({PROBE_JS.strip().rstrip(';')})({json.dumps(params)}, {FIND_JS})"

    def visible_expression(self, selector: str) -> str:
        # As the probe's visible(): a faded-out (opacity 0) button is not there to click yet.
        return (
            f"(() => {{ const e = {find_expression(selector)};"
            f" return !!e && !e.hidden && e.getClientRects().length > 0 && (!e.checkVisibility"
            f" || e.checkVisibility({{opacityProperty: true, visibilityProperty: true}})); }})()"
        )

    # -- reading back ------------------------------------------------------------------------
    def reference_state(self, state: Any) -> Any:
        """A state of this build as the reference names it (to know a passing state: loading...)."""
        back = {v: k for k, v in self.states.items()}
        return back.get(str(state), state)

    def to_reference(self, snap: dict[str, Any]) -> dict[str, Any]:
        """The snapshot in the reference widget's words (states and texts): for the contract
        judge's comparison only (judge_contract.py); what is shown keeps the build's words."""
        if not self.states and not self.texts:
            return snap
        state_back = {v: k for k, v in self.states.items()}
        exact = {v: k for k, v in self.texts.items() if isinstance(v, str)}
        patterns = [(re.compile(v.regex), k) for k, v in self.texts.items() if isinstance(v, TextPattern)]

        def text(t: str) -> str:
            if t in exact:
                return exact[t]
            for rx, ref in patterns:
                if rx.fullmatch(t):
                    return ref
            for build, ref in exact.items():  # texts inside a longer visible text
                t = t.replace(build, ref)
            for rx, ref in patterns:
                t = rx.sub(ref.replace("\\", "\\\\"), t)
            return t

        out = dict(snap)
        out["state"] = state_back.get(str(snap.get("state")), snap.get("state"))
        for key in ("status", "tooltip", "text"):
            if isinstance(out.get(key), str):
                out[key] = text(out[key])
        out["history"] = [{"state": state_back.get(h["state"], h["state"]), "status": text(h["status"])} for h in snap.get("history") or []]
        return out


def _unknown_part(name: str, known: list[str]) -> str:
    return f"unknown part {name!r} (this profile's parts: {', '.join(known)})"


class _Parts(Resolver):
    def __init__(self, profile: WidgetProfile):
        self.profile = profile

    def selector(self, value: str) -> str:
        """A selector under the root (or page:); a part's name stands for its selector."""
        return self.part(value) if value in self.profile.parts else self.profile.path(value)

    def part(self, name: str) -> str:
        sel = self.profile.part_selector(name)
        if sel is None:  # reference_problem() names it at load time
            raise ValueError(_unknown_part(name, self.profile.part_names()))
        return sel


REFERENCE = WidgetProfile()
REFERENCE_PROFILE_FILE = paths.REFERENCE_PROFILE


def load_profile(path: Path) -> WidgetProfile:
    """A profile file, or a YamlFileError naming its file, line and field."""
    from harness.yamlfile import YamlFileError, describe_validation_error, field_path, line_of, read_yaml

    data, node = read_yaml(path)
    if not isinstance(data, dict):
        raise YamlFileError(f"{path}:1: (top): expected a mapping of profile fields")
    try:
        profile = WidgetProfile.model_validate(data)
    except ValidationError as e:
        raise YamlFileError(describe_validation_error(path, node, e)) from None
    problem = profile.reference_problem()
    if problem is not None:
        loc, why = problem
        raise YamlFileError(f"{path}:{line_of(node, loc)}: {field_path(loc)}: {why}")
    if profile.vendor is not None:
        spec = profile.vendor
        base = path.resolve().parent
        field = "handler" if spec.handler is not None else "responses"
        try:
            load_fake(spec, base)  # a fake that cannot be loaded stops the run here, before any browser
        except ValueError as e:
            raise YamlFileError(f"{path}:{line_of(node, ('vendor', field))}: vendor.{field}: {e}") from None
        absolute = {field: str(base / getattr(spec, field))}
        profile = profile.model_copy(update={"vendor": spec.model_copy(update=absolute)})
    return profile
