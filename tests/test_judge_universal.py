"""The universal judge's table and checks, on made-up observations (no browser): each property's
verdict names what decided it, n/a says why, and an engine fact turns a failure into a limit.
The same checks on real cells: tests/test_variant_builds.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.model import Outcome
from harness import engine_facts
from harness.judge_universal import CHECKS, Action, Page, UniversalRecord, apply, failures_told_apart, judge, load_table
from harness.results import Result
from harness.scenarios import Scenario
from harness.yamlfile import YamlFileError


def scenario(**kw: Any) -> Scenario:
    return Scenario.model_validate({"id": "x", "title": "x", "steps": [{"click": "orb"}], "expect": {}, **kw})


def snap(text: str = "", gum: list[dict[str, Any]] | None = None, **kw: Any) -> dict[str, Any]:
    return {
        "present": True,
        "state": "idle",
        "text": text,
        "status": "",
        "tooltip": "",
        "orb": {"name": "Talk"},
        "gum": gum or [],
        "speech": [],
        "secure_context": True,
        **kw,
    }


def call(outcome: str, activation: bool | None = True, at: int = 500, message: str = "") -> dict[str, Any]:
    return {"api": "mediaDevices.getUserMedia", "outcome": outcome, "activation": activation, "at": at, "message": message}


def record(
    before: dict[str, Any],
    *afters: dict[str, Any],
    engine: str = "chromium",
    source: str = "system",
    console: list[tuple[str, str]] | None = None,
    **sc: Any,
) -> UniversalRecord:
    rec = UniversalRecord(scenario=scenario(**sc), engine=engine, source=source, console=console or [])
    prev = before
    for i, after in enumerate(afters, 1):
        rec.actions.append(Action(index=i, describe=f"step {i} (click orb)", kind="click", value="orb", page=0, before=prev, after=after))
        prev = after
    rec.pages = [Page(first=before, on_load=before["gum"], last=prev, actions=len(afters))]
    return rec


def verdicts(rec: UniversalRecord) -> dict[str, Any]:
    return {v.id: v for v in judge(rec)}


def test_the_table_and_the_checks_are_one_to_one(tmp_path: Path) -> None:
    ids = [p.id for p in load_table()]
    assert {
        "no-mic-on-load",
        "access-needs-activation",
        "no-reprompt-after-refusal",
        "failure-told",
        "failures-told-apart",
        "framed-without-allow",
        "click-settles",
        "no-page-error",
        "mic-released",
    } <= set(ids)
    bad = tmp_path / "u.yaml"
    bad.write_text("properties:\n  - {id: nothing-checks-me, title: t, applies: a, why: w, decided_by: d}\n", encoding="utf-8")
    with pytest.raises(YamlFileError, match="nothing-checks-me.*has no check"):
        load_table(bad)
    assert engine_facts.load()  # the facts table reads


def test_a_build_that_holds_every_property_passes_naming_what_decided() -> None:
    refused = snap("Microphone blocked: allow it in the address bar", [call("NotAllowedError")])
    rec = record(snap("Talk to us"), refused, refused)
    v = verdicts(rec)
    assert v["no-mic-on-load"].verdict == "pass"
    assert v["access-needs-activation"].observation == "1 access(es), each with transient user activation"
    assert (
        v["no-reprompt-after-refusal"].verdict == "pass"
        and "step 2 (click orb) made no access" in v["no-reprompt-after-refusal"].observation
    )
    assert v["failure-told"].verdict == "pass" and "Microphone blocked" in v["failure-told"].observation
    assert v["framed-without-allow"].verdict == "n/a" and v["mic-released"].verdict == "n/a"
    result = Result(scenario="x", engine="chromium", outcome=Outcome.FAIL)
    apply(result, judge(rec))
    assert result.outcome == "pass" and len(result.verdicts) == len(CHECKS)


@pytest.mark.parametrize(
    "broken, prop, words",
    [
        ("on load", "no-mic-on-load", "before the visitor's first action"),
        ("no activation", "access-needs-activation", "without user activation"),
        ("re-prompt", "no-reprompt-after-refusal", "asked again"),
        ("raw error", "failure-told", "an error's own words ('NotAllowedError')"),
        ("silent", "failure-told", "as before it"),
        ("page error", "no-page-error", "TypeError: x is undefined"),
    ],
)
def test_each_broken_property_fails_with_its_observation(broken: str, prop: str, words: str) -> None:
    denied = [call("NotAllowedError")]
    ok_before = snap("Talk to us")
    after = snap("Microphone blocked", denied)
    console: list[tuple[str, str]] = []
    if broken == "on load":
        ok_before = snap("Talk to us", [call("ok", activation=False, at=80)])
        after = snap("Listening", [call("ok", activation=False, at=80)])
    elif broken == "no activation":
        after = snap("Microphone blocked", [call("NotAllowedError", activation=False)])
    elif broken == "raw error":
        after = snap("Error: NotAllowedError", denied)
    elif broken == "silent":
        after = snap("Talk to us", denied)
    elif broken == "page error":
        console = [("pageerror", "TypeError: x is undefined")]
    second = snap(after["text"], after["gum"] + ([call("NotAllowedError", at=900)] if broken == "re-prompt" else []))
    rec = record(ok_before, after, second, console=console)
    if broken == "on load":
        rec.pages[0].on_load = ok_before["gum"]
    v = verdicts(rec)[prop]
    assert v.verdict == "fail" and words in v.observation, v.observation
    result = Result(scenario="x", engine="chromium", outcome=Outcome.PASS)
    apply(result, judge(rec))
    assert result.outcome == "fail" and prop in result.reason
    assert any(m.field == prop and words in m.text for m in result.mismatches)


def test_an_engine_fact_makes_a_failure_a_limit_and_names_the_fact() -> None:
    no_activation = snap("Listening", [call("ok", activation=False)])
    rec = record(snap("Talk"), no_activation, engine="webkit", source="webkitgtk", steps=[{"press": "Space"}])
    v = verdicts(rec)["access-needs-activation"]
    assert v.verdict == "limit" and "webkitgtk-space-click-no-activation" in (v.fact or "")
    chromium = record(snap("Talk"), no_activation, engine="chromium", steps=[{"press": "Space"}])
    assert verdicts(chromium)["access-needs-activation"].verdict == "fail"  # the fact is WebKitGTK's only


def test_the_engines_own_error_lines_are_not_the_pages() -> None:
    line = ("pageerror", "ICE failed, add a STUN server and see about:webrtc for more details")
    assert verdicts(record(snap("Talk"), snap("Talk"), engine="firefox", console=[line]))["no-page-error"].verdict == "pass"
    assert verdicts(record(snap("Talk"), snap("Talk"), engine="chromium", console=[line]))["no-page-error"].verdict == "fail"


def test_a_missing_device_reads_by_the_engines_own_error() -> None:
    after = snap("No microphone found", [call("OverconstrainedError")])
    webkit = verdicts(record(snap("Talk"), after, engine="webkit", source="webkitgtk"))["failure-told"]
    assert webkit.verdict == "pass" and webkit.data["failure"] == "missing device"
    assert verdicts(record(snap("Talk"), after, engine="chromium"))["failure-told"].verdict == "n/a"


def test_one_text_for_every_failure_fails_across_the_run() -> None:
    def cell(failure: str, seen: str, engine: str = "chromium") -> Result:
        return Result(
            scenario=failure,
            engine=engine,
            outcome=Outcome.PASS,
            verdicts=[{"id": "failure-told", "verdict": "pass", "data": {"failure": failure, "seen": seen}}],
        )

    same = failures_told_apart([cell("refused", "Voice unavailable"), cell("missing device", "Voice unavailable")])
    assert same == [
        {
            "id": "failures-told-apart",
            "engine": "chromium",
            "verdict": "fail",
            "observation": "one text for missing device, refused: 'Voice unavailable'",
        }
    ]
    apart = failures_told_apart(
        [cell("refused", "Allow the microphone"), cell("missing device", "Plug one in"), cell("refused", "x", engine="firefox")]
    )
    assert [v["verdict"] for v in apart] == ["pass"]  # firefox had one kind only: not judged


def test_a_click_that_leaves_the_page_need_not_leave_the_widget_visible() -> None:
    gone = {"present": False, "text": "", "orb": None, "gum": [], "speech": [], "secure_context": True}
    rec = record(snap("Use text chat instead"), gone)
    assert verdicts(rec)["click-settles"].verdict == "fail"
    rec.actions[0].leaves = True  # the fallback link: the visitor went to the chat page
    assert verdicts(rec)["click-settles"].verdict == "pass"
