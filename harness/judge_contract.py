"""The contract judge: a scenario's expectations (in the reference widget's words) held against
what a build did (in its own words), through the build's profile.

Observations are never rewritten: the probe's snapshot, the results, the reports and the snapshots
keep the build's own states and texts. Only here is the profile's map used, to see whether what
the build showed is what the contract's text maps to; a miss then shows both sides: the
contract's text, what the profile maps it to, and what was seen.

An expectation is not judged (shown as not applicable, with why) when the profile says the
build has no such part (`status: none`, `tooltip: none`, ...) or declares the expectation itself
not applicable to the build (`not_applicable_expect: {console: why}`): no build but the
reference can pass the `[Spelo]` console lines, for one.
"""

from __future__ import annotations

from typing import Any

from harness.expect import BY_FIELD, Unmatched, mismatches
from harness.profile import TextPattern, WidgetProfile
from harness.results import Mismatch

# An expectation about a part -> the profile's field for that part (None there: no such part).
PART_OF: dict[str, str] = {"status": "status", "status_seen": "status", "tooltip": "tooltip", "notice": "notice", "fallback": "fallback"}
# Expectations whose values are the reference's words (a state, a text): these misses are
# reworded with the build's side.
WORDED = ("state", "status", "tooltip", "text_contains", "states_seen", "status_seen")


def not_applicable(expect: Any, profile: WidgetProfile) -> dict[str, str]:
    """The expectation's fields (set in it) that are not judged for this build, with why."""
    out: dict[str, str] = {}
    for name in type(expect).model_fields:
        check = BY_FIELD.get(name)
        if check is None or not check.applies(getattr(expect, name)) or check.always:
            continue
        part = PART_OF.get(name)
        if part is not None and getattr(profile, part) is None:
            out[name] = f"this build has no {part} (profile: {part}: none)"
        elif name in profile.not_applicable_expect:
            out[name] = f"declared not applicable by the profile: {profile.not_applicable_expect[name]}"
    return out


def judged_part(expect: Any, profile: WidgetProfile) -> Any:
    """The expectation without what is not applicable to this build."""
    skip = not_applicable(expect, profile)
    if not skip:
        return expect
    defaults = {k: type(expect).model_fields[k].get_default(call_default_factory=True) for k in skip}
    return expect.model_copy(update=defaults)


def judge(expect: Any, seen: dict[str, Any], profile: WidgetProfile) -> list[Mismatch]:
    """Every way what the build did (`seen`, its own words) differs from the contract's `expect`."""
    judged = judged_part(expect, profile)
    if not profile.states and not profile.texts:  # the reference's words already
        return mismatches(judged, seen)
    in_contract_words = profile.to_reference(seen)  # only to compare; never shown
    out: list[Mismatch] = []
    for m in mismatches(judged, in_contract_words):
        if m.field == "text_contains":  # one miss per missing text, all told at the first
            if not any(o.field == "text_contains" for o in out):
                out += _texts_missing(judged.text_contains, in_contract_words, seen, profile)
        else:
            out.append(_both_sides(m, seen, profile) if m.field in WORDED else m)
    return out


# -- a miss with both sides -----------------------------------------------------------------------


def _build_words(value: Any, profile: WidgetProfile, state: bool) -> Any:
    """A contract value as the profile says this build words it (a list item by item)."""
    if isinstance(value, list):
        return [_build_words(v, profile, state) for v in value]
    if not isinstance(value, str):
        return value
    if state:
        return profile.states.get(value, value)
    mapped = profile.texts.get(value, value)
    return f"/{mapped.regex}/" if isinstance(mapped, TextPattern) else mapped


def _texts_missing(want: list[str], in_contract_words: dict[str, Any], seen: dict[str, Any], profile: WidgetProfile) -> list[Mismatch]:
    text, raw = in_contract_words.get("text") or "", seen.get("text") or ""
    return [
        Mismatch(
            field="text_contains",
            expected=want,
            observed=raw,
            text=f"text: expected to contain {t!r}{_mapped_note(t, _build_words(t, profile, False), profile)}, seen {raw!r}",
        )
        for t in want
        if t not in text
    ]


def _both_sides(miss: Mismatch, seen: dict[str, Any], profile: WidgetProfile) -> Mismatch:
    check = BY_FIELD[miss.field]
    raw = check.read(seen)
    state = miss.field in ("state", "states_seen")
    if isinstance(raw, Unmatched):  # no rule read a state: the miss already shows the build's text
        return Mismatch(field=miss.field, expected=miss.expected, observed=str(raw), text=check.problems(miss.expected, raw)[0])
    if miss.field == "state" and miss.expected is None:  # "still loading": no value was asked for
        return Mismatch(field="state", expected=None, observed=raw, text=f"state: still {raw!r}")
    mapped = _build_words(miss.expected, profile, state)
    order = " in order" if miss.field in ("states_seen", "status_seen") else ""
    text = f"{check.label}: expected {miss.expected!r}{order}{_mapped_note(miss.expected, mapped, profile)}, seen {raw!r}"
    if miss.observed != raw:  # the map reads what was seen as another contract value: say so
        text += f", which the profile reads as {miss.observed!r}"
    return Mismatch(field=miss.field, expected=miss.expected, observed=raw, text=text)


def _mapped_note(contract: Any, mapped: Any, profile: WidgetProfile) -> str:
    if mapped == contract:
        return ""
    return f", which {profile.name} words {mapped!r}"
