"""A profile's state rules: which state a build is in, read from what a visitor perceives.

A rule names a state and one condition; conditions combine with `all`, `any` and `not`:

    - name: refused-at-prompt          # optional; the report names the rule that matched
      state: denied
      all:
        - text: "Microphone blocked"
        - mic: NotAllowedError          # the last microphone access ended so
    - state: requesting
      all: [{text: "Microphone blocked"}, {mic: pending}]   # the browser's prompt is still open

A condition is exactly one of: `visible` (a selector under the root), `part` (a part the profile
names is visible), `text` / `regex` (the widget's visible text, or with `in: PART` that part's),
`attribute` ({name, value, selector}), `mic` (the outcome of the last microphone access, by
getUserMedia or speech recognition: `none` when there was none yet, `pending` while the browser has
not answered, `ok`, an error name such as `NotAllowedError`, or speech recognition's `started` /
error code such as `not-allowed`; a list: any of them), `all`, `any`, `not`.
The probe (harness/probe.js) evaluates them in the page; a part name or a state the profile does
not know is a load-time error (profile.py's reference checks).
"""

from __future__ import annotations

import re
from typing import Any, Union

from pydantic import ConfigDict, Field, field_validator, model_validator

from harness import model

from harness.profile_syntax import check_css_selector, check_js_regex

LEAVES = ("visible", "part", "text", "regex", "attribute", "mic")
COMBINERS = ("all", "any", "not")
KINDS = LEAVES + COMBINERS
# What the spy records as a call's outcome besides an error name (harness/engines/spy.js).
MIC_WORDS = ("none", "pending", "ok")
# Speech recognition's (spy.js): started, or the error event's code (the Web Speech API's list).
SPEECH_WORDS = (
    "started",
    "no-speech",
    "aborted",
    "audio-capture",
    "network",
    "not-allowed",
    "service-not-allowed",
    "language-not-supported",
    "bad-grammar",
)
ERROR_NAME = re.compile(r"^[A-Z][A-Za-z]*(Error|Exception)$|^Error$")


def check_selector(value: str) -> str:
    """A profile selector, parsed (profile_syntax.py: CSS by soupsieve, and the profile's own >>>,
    :has-text() and page:); a ValueError names what is wrong."""
    return check_css_selector(value)


def check_regex(value: str) -> str:
    """A pattern valid in Python and JavaScript alike (profile_syntax.py: both engines run them)."""
    return check_js_regex(value)


class Strict(model.Strict):
    """model.Strict, whose fields may also be given by their Python names (not only their aliases)."""

    model_config = ConfigDict(populate_by_name=True)


class AttributeIs(Strict):
    name: str
    value: str
    selector: str | None = None  # under the root (or a part's name); the root itself when unset

    @field_validator("selector")
    @classmethod
    def _sel(cls, v: str | None) -> str | None:
        return None if v is None else check_selector(v)


def _mic(value: Any) -> Any:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, str) or not (item in MIC_WORDS + SPEECH_WORDS or ERROR_NAME.match(item)):
            raise ValueError(
                f"{item!r} is not an outcome of a microphone access ({', '.join(MIC_WORDS)}, an error "
                f"name such as NotAllowedError, or speech recognition's {', '.join(SPEECH_WORDS)})"
            )
    return items


class Condition(Strict):
    visible: str | None = None  # a selector under the root (page: for outside it) that is visible
    part: str | None = None  # a part of the profile (orb, notice, ... or one of `parts`) that is visible
    text: str | None = None  # the visible text contains this
    regex: str | None = None  # the visible text matches this (JavaScript RegExp; keep to the common syntax)
    in_: str | None = Field(None, alias="in")  # text/regex: of this part, not the whole widget
    attribute: AttributeIs | None = None
    mic: str | list[str] | None = None  # the last microphone access's outcome is (one of) this
    all_: list["Condition"] | None = Field(None, alias="all")
    any_: list["Condition"] | None = Field(None, alias="any")
    not_: "Condition | None" = Field(None, alias="not")

    _sel = field_validator("visible")(lambda v: None if v is None else check_selector(v))
    _re = field_validator("regex")(lambda v: None if v is None else check_regex(v))
    _m = field_validator("mic", mode="before")(_mic)

    @model_validator(mode="after")
    def _one(self) -> "Condition":
        if len(self.kinds()) != 1:
            raise ValueError(f"a {self._what()} has exactly one of: {', '.join(KINDS)}")
        if self.in_ is not None and self.text is None and self.regex is None:
            raise ValueError("`in` goes with text or regex")
        for combined in (self.all_, self.any_):
            if combined is not None and not combined:
                raise ValueError("all / any need at least one condition")
        return self

    def _what(self) -> str:
        return "condition"

    def kinds(self) -> list[str]:
        return [k for k in KINDS if getattr(self, _attr(k)) is not None]

    def children(self) -> list["Condition"]:
        return [*(self.all_ or []), *(self.any_ or []), *([self.not_] if self.not_ else [])]

    def summary(self) -> str:
        """Short words for the report: `all(text 'Blocked', mic NotAllowedError)`."""
        if self.all_ is not None or self.any_ is not None:
            name = "all" if self.all_ is not None else "any"
            return f"{name}({', '.join(c.summary() for c in (self.all_ or self.any_ or []))})"
        if self.not_ is not None:
            return f"not {self.not_.summary()}"
        if self.attribute is not None:
            a = self.attribute
            return f"attribute {a.name}={a.value!r}" + (f" on {a.selector}" if a.selector else "")
        if self.mic is not None:
            return "mic " + "|".join(_listed(self.mic))
        kind = self.kinds()[0]
        where = f" in {self.in_}" if self.in_ else ""
        return f"{kind} {getattr(self, kind)!r}{where}"

    def compiled(self, resolve: "Resolver") -> dict[str, Any]:
        """What probe.js evaluates: selectors from the document, parts resolved."""
        if self.all_ is not None:
            return {"all": [c.compiled(resolve) for c in self.all_]}
        if self.any_ is not None:
            return {"any": [c.compiled(resolve) for c in self.any_]}
        if self.not_ is not None:
            return {"not": self.not_.compiled(resolve)}
        if self.visible is not None:
            return {"visible": resolve.selector(self.visible)}
        if self.part is not None:
            return {"visible": resolve.part(self.part)}
        if self.attribute is not None:
            a = self.attribute
            return {"attribute": {"name": a.name, "value": a.value, "selector": resolve.selector(a.selector) if a.selector else None}}
        if self.mic is not None:
            return {"mic": _listed(self.mic)}
        where = resolve.part(self.in_) if self.in_ else None
        return {"text": self.text, "in": where} if self.text is not None else {"regex": self.regex, "in": where}

    def part_names(self) -> list[tuple[tuple[Union[int, str], ...], str]]:
        """(location under this condition, part name) for every part this condition names."""
        out: list[tuple[tuple[Union[int, str], ...], str]] = []
        if self.part is not None:
            out.append((("part",), self.part))
        if self.in_ is not None:
            out.append((("in",), self.in_))
        for key, items in (("all", self.all_), ("any", self.any_)):
            for i, c in enumerate(items or []):
                out += [((key, i, *loc), name) for loc, name in c.part_names()]
        if self.not_ is not None:
            out += [(("not", *loc), name) for loc, name in self.not_.part_names()]
        return out


class StateRule(Condition):
    """`state` holds when its condition does; the profile's rules are tried in order, first match wins."""

    state: str
    name: str | None = None

    def _what(self) -> str:
        return "state rule"

    def label(self, index: int) -> str:
        """How the report names the rule: its name, else its place and condition."""
        return self.name or f"rule {index + 1}: {self.state} if {self.summary()}"


class Resolver:
    """Turns a rule's selectors and part names into selectors from the document (the profile)."""

    def selector(self, value: str) -> str:
        raise NotImplementedError

    def part(self, name: str) -> str:
        raise NotImplementedError


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _attr(kind: str) -> str:
    return kind + "_" if kind in ("in", "all", "any", "not") else kind


Condition.model_rebuild()
StateRule.model_rebuild()
