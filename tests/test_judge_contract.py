"""The contract judge: what a build did stays in its own words; the profile's map is used only to
compare, and a miss shows the contract's text, what the profile maps it to, and what was seen.
A part the profile marks `none`, or an expectation it declares not applicable, is not judged."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.expect import mismatches
from harness.judge_contract import judge, not_applicable
from harness.profile import REFERENCE, TextPattern, WidgetProfile, load_profile
from harness.scenarios import Expect
from harness.yamlfile import YamlFileError

ACME = WidgetProfile(
    name="acme",
    states={"denied": "mic-off"},
    tooltip=None,
    texts={"Microphone access needed": "Mic needed", "Connecting…": TextPattern(regex="Connecting( \\.\\.\\.)?")},
    not_applicable_expect={"console": "it logs no [Spelo] lines", "gum_calls": "it may ask twice"},
)
SEEN = {
    "present": True,
    "state": "mic-off",
    "status": "Mic needed",
    "tooltip": "",
    "text": "Mic needed Help",
    "history": [{"state": "idle", "status": ""}, {"state": "mic-off", "status": "Mic needed"}],
    "gum": [{"outcome": "NotAllowedError"}, {"outcome": "NotAllowedError"}],
    "console": [],
}


def test_the_reference_is_judged_as_ever() -> None:
    exp = Expect(state="denied", status="Microphone access needed", gum_calls=1)
    seen = {**SEEN, "state": "idle", "status": "x"}
    assert judge(exp, seen, REFERENCE) == mismatches(exp, seen)
    assert not_applicable(exp, REFERENCE) == {}


def test_the_builds_words_hold_the_contracts_through_the_map() -> None:
    exp = Expect(
        state="denied",
        status="Microphone access needed",
        text_contains=["Microphone access needed"],
        states_seen=["idle", "denied"],
        status_seen=["Microphone access needed"],
    )
    assert judge(exp, SEEN, ACME) == []
    assert SEEN["status"] == "Mic needed" and SEEN["state"] == "mic-off"  # nothing rewritten in place


def test_a_miss_shows_both_sides_and_the_build_own_text_as_seen() -> None:
    seen = {
        **SEEN,
        "state": "idle",
        "status": "Mic off, sorry",
        "text": "Mic off, sorry",
        "history": [{"state": "idle", "status": "Mic off, sorry"}],
    }
    exp = Expect(state="denied", status="Microphone access needed", text_contains=["Microphone access needed"], status_seen=["Connecting…"])
    by_field = {m.field: m for m in judge(exp, seen, ACME)}
    assert by_field["state"].text == "state: expected 'denied', which acme words 'mic-off', seen 'idle'"
    assert by_field["status"].text == ("status: expected 'Microphone access needed', which acme words 'Mic needed', seen 'Mic off, sorry'")
    assert by_field["status"].observed == "Mic off, sorry"
    assert by_field["text_contains"].text == (
        "text: expected to contain 'Microphone access needed', which acme words 'Mic needed', seen 'Mic off, sorry'"
    )
    assert by_field["status_seen"].text == (
        "status texts over time: expected ['Connecting…'] in order, which acme"
        " words ['/Connecting( \\\\.\\\\.\\\\.)?/'], seen ['Mic off, sorry']"
    )
    for m in by_field.values():  # the contract's texts appear only as what was expected
        assert "seen 'Microphone" not in m.text and m.observed != "Microphone access needed"


def test_a_part_marked_none_and_a_declared_expectation_are_not_applicable_never_judged() -> None:
    exp = Expect(state="denied", tooltip="Microphone blocked", console=["[Spelo] denied"], gum_calls=1)
    assert judge(exp, SEEN, ACME) == []  # a wrong tooltip, no console line, two calls: none judged
    assert not_applicable(exp, ACME) == {
        "tooltip": "this build has no tooltip (profile: tooltip: none)",
        "console": "declared not applicable by the profile: it logs no [Spelo] lines",
        "gum_calls": "declared not applicable by the profile: it may ask twice",
    }
    # the state is always judged
    assert [m.field for m in judge(Expect(state="idle"), SEEN, ACME)] == ["state"]


@pytest.mark.parametrize(
    "body, field",
    [
        ("not_applicable_expect: {consle: typo}\n", "not_applicable_expect"),
        ("not_applicable_expect: {state: always}\n", "not_applicable_expect"),
    ],
)
def test_a_profile_names_only_expectations_that_exist(tmp_path: Path, body: str, field: str) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("name: x\n" + body, encoding="utf-8")
    with pytest.raises(YamlFileError) as e:
        load_profile(p)
    assert str(e.value).startswith(f"{p}:2") and field in str(e.value)
