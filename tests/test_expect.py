"""harness/expect.py: every expectation row judged both ways, as a table. Each case: the
expectation's fields, the snapshot, and the misses it must give (field, text); [] = it holds."""

from __future__ import annotations

from typing import Any

import pytest

from harness.model import Outcome
from harness.expect import BY_FIELD, CHECKS, mismatches
from harness.results import Mismatch, Result
from harness.scenarios import Expect

AUDIO_OK = {"peer": {"audio": {"seconds": 2.0, "rms": 0.02}}}
AXE_BAD = {"axe": {"violations": [{"id": "label", "impact": "serious", "help": "Form elements must have labels"}]}}

CASES: list[tuple[dict[str, Any], dict[str, Any], list[tuple[str, str]]]] = [
    # field set, snapshot, expected [(field, text)]
    ({}, {"state": "idle"}, []),
    ({}, {"state": "connecting"}, [("state", "state: still 'connecting'")]),
    ({"state": "listening"}, {"state": "listening"}, []),
    ({"state": "listening"}, {"state": "blocked"}, [("state", "state: expected 'listening', seen 'blocked'")]),
    ({"status": "Ready"}, {"status": "Ready"}, []),
    ({"status": "Ready"}, {}, [("status", "status: expected 'Ready', seen None")]),
    ({"tooltip": ""}, {"tooltip": "x"}, [("tooltip", "tooltip: expected '', seen 'x'")]),
    ({"notice": True}, {"notice": False}, [("notice", "notice: expected True, seen False")]),
    ({"fallback": False}, {"fallback": False}, []),
    ({"text_contains": ["Hi", "there"]}, {"text": "Hi you"}, [("text_contains", "text: expected to contain 'there', seen 'Hi you'")]),
    ({"console": ["a", "a"]}, {"console": ["a"]}, [("console", "console: expected 'a' 2 times, seen 1")]),
    ({"console": ["a"]}, {"console": []}, [("console", "console: expected 'a', not seen")]),
    ({"console": ["a"]}, {"console": ["b", "a"]}, []),
    (
        {"console_absent": ["Error"]},
        {"console": ["TypeError: x"]},
        [("console_absent", "console: 'Error' must not appear, seen 'TypeError: x'")],
    ),
    ({"gum_calls": 1}, {"gum": [{"outcome": "ok"}]}, []),
    ({"gum_calls": 0}, {"gum": [{"outcome": "ok"}]}, [("gum_calls", "getUserMedia calls: expected 0, seen 1")]),
    (
        {"gum_errors": ["NotAllowedError"]},
        {"gum": [{"outcome": "ok"}]},
        [("gum_errors", "getUserMedia outcomes: expected ['NotAllowedError'], seen ['ok']")],
    ),
    (
        {"gum_needs_activation": True},
        {"gum": [{"activation": True}, {"activation": False}]},
        [("gum_needs_activation", "getUserMedia: 1 call(s) without user activation")],
    ),
    ({"gum_needs_activation": True}, {"gum": [{"activation": None}]}, []),  # not known: not a miss
    ({"browser_prompts": 0}, {"browser_prompts": None}, []),  # the engine cannot count: not judged
    ({"browser_prompts": 0}, {"browser_prompts": 1}, [("browser_prompts", "browser prompts: expected 0, seen 1")]),
    ({"api_calls": []}, {"api_calls": ["config"]}, [("api_calls", "API calls: expected [], seen ['config']")]),
    ({"api_calls": ["config"]}, {"api_calls": ["config"]}, []),
    ({"present": False}, {"present": True}, [("present", "present: expected False, seen True")]),
    ({"states_seen": ["idle", "listening"]}, {"history": [{"state": "idle"}, {"state": "x"}, {"state": "listening"}]}, []),
    (
        {"states_seen": ["listening", "idle"]},
        {"history": [{"state": "idle"}, {"state": "listening"}]},
        [("states_seen", "states over time: expected ['listening', 'idle'] in order, seen ['idle', 'listening']")],
    ),
    (
        {"status_seen": ["A"]},
        {"history": [{"status": "B"}]},
        [("status_seen", "status texts over time: expected ['A'] in order, seen ['B']")],
    ),
    ({"analytics": ["open"]}, {"analytics": []}, [("analytics", "analytics events: expected ['open'], seen []")]),
    ({"peer_audio_rms_min": 0.01}, AUDIO_OK, []),
    ({"peer_audio_rms_min": 0.05}, AUDIO_OK, [("peer_audio_rms_min", "peer audio: RMS 0.0200 below 0.05")]),
    ({"peer_audio_rms_max": 0.01}, AUDIO_OK, [("peer_audio_rms_max", "peer audio: RMS 0.0200 above 0.01")]),
    (
        {"peer_audio_rms_min": 0.01, "peer_audio_rms_max": 0.05},
        {"peer": {"audio": {"seconds": 0.5, "rms": 0.02}}},
        [("peer_audio_rms_min", "peer audio: 0.50 s received, need ≥ 1 s to measure")],
    ),  # once, not per bound
    ({"peer_tool_result": True}, {"peer": {"tool_result": None}}, [("peer_tool_result", "peer tool result: expected True, seen False")]),
    ({"peer_tool_result": True}, {"peer": {"tool_result": {"ok": 1}}}, []),
    ({"peer_offers": 1}, {"peer": {"offers": 2}}, [("peer_offers", "peer offers: expected 1, seen 2")]),
    ({"url_path": "/shop/"}, {"url": "https://a.test/shop/?x=1"}, []),
    ({"url_path": "/shop/"}, {"url": "https://a.test/cart"}, [("url_path", "page: expected '/shop/', seen '/cart'")]),
    ({"orb_name": "Talk"}, {"orb": {"name": "Mic"}}, [("orb_name", "orb name: expected 'Talk', seen 'Mic'")]),
    ({"orb_is_button": True}, {"orb": {"tag": "div"}}, [("orb_is_button", "orb is a <button>: expected True, seen False")]),
    ({"orb_focused": True}, {"orb": {"focused": True}}, []),
    ({"live_region": True}, {"live_regions": 0}, [("live_region", "live region: expected True, seen False")]),
    ({"axe_max_impact_violations": 0}, {}, [("axe_max_impact_violations", "axe: no axe step ran before this expectation")]),
    ({"axe_max_impact_violations": 1}, AXE_BAD, []),
    (
        {"axe_max_impact_violations": 0},
        AXE_BAD,
        [("axe_max_impact_violations", "axe: serious/critical violations: label (serious): Form elements must have labels")],
    ),
    ({"api_status": {"query": 200}}, {"api_log": [{"endpoint": "query", "status": 200}]}, []),
    (
        {"api_status": {"query": 200}},
        {"api_log": [{"endpoint": "query", "status": 403}]},
        [("api_status", "API query: expected every call answered 200, seen [403]")],
    ),
    ({"api_status": {"query": 200}}, {"api_log": []}, [("api_status", "API query: expected answered 200, never called")]),
    ({"api_absent": ["token"]}, {"api_log": [{"endpoint": "config", "status": 200}]}, []),
    (
        {"api_absent": ["token"]},
        {"api_log": [{"endpoint": "token", "status": 200}]},
        [("api_absent", "API token: must not be called here, seen 1 call(s)")],
    ),
    ({"peer_tool_output": {"success": True}}, {"peer": {"tool_result": {"output": {"success": True, "rows": []}}}}, []),
    (
        {"peer_tool_output": {"success": True}},
        {"peer": {"tool_result": {"output": {"success": False}}}},
        [("peer_tool_output", "peer tool output: expected to contain {'success': True}, seen {'success': False}")],
    ),
    ({"peer_tool_output": {"success": True}}, {"peer": {}}, [("peer_tool_output", "peer tool output: no tool result reached the peer")]),
    ({"orb_look": {"size": 64, "color": "#c4973b"}}, {"orb_look": {"size": 64, "color": "#C4973B"}}, []),
    ({"orb_look": {"size": 64}}, {"orb_look": {"size": 48}}, [("orb_look", "orb size: expected 64, seen 48")]),
    ({"orb_look": {"size": 64}}, {}, [("orb_look", "orb look: no orb on the page")]),
    ({"links": {"Policy": "/p.html?x=1"}}, {"links": [{"text": "Policy", "href": "https://a.test:8/p.html?x=1"}]}, []),
    (
        {"links": {"Policy": "/p.html"}},
        {"links": [{"text": "Policy", "href": "https://a.test/q.html"}]},
        [("links", "links: 'Policy' expected to lead to '/p.html', seen 'https://a.test/q.html'")],
    ),
    ({"links": {"Policy": "https://b.test/p"}}, {"links": []}, [("links", "links: no visible link 'Policy' (seen: [])")]),
    ({"touch_device": True}, {"touch": {"max_touch_points": 5, "touch_events": True, "coarse_pointer": True}}, []),
    (
        {"touch_device": True},
        {"touch": {"max_touch_points": 0, "touch_events": True, "coarse_pointer": False}},
        [("touch_device", "touch device: expected one, the page does not see navigator.maxTouchPoints > 0, (pointer: coarse)")],
    ),
    ({"mic_live": 0}, {"mic_live": 1}, [("mic_live", "live microphone tracks: expected 0, seen 1")]),
    ({"mic_left_live": 0}, {"mic_left_live": 0}, []),
    ({"mic_released": True}, {"mic_live": 0, "mic_tracks": [{"state": "ended"}]}, []),
    (
        {"mic_released": True},
        {"mic_live": 1, "mic_tracks": [{"state": "live"}]},
        [("mic_released", "microphone: not released: 1 track(s) still live on this page")],
    ),
]


@pytest.mark.parametrize(("fields", "snap", "want"), CASES, ids=[f"{i}-{','.join(c[0]) or 'none'}" for i, c in enumerate(CASES)])
def test_each_row_judges(fields: dict[str, Any], snap: dict[str, Any], want: list[tuple[str, str]]) -> None:
    got = mismatches(Expect(**fields), snap)
    assert [(m.field, m.text) for m in got] == want
    for m in got:  # structure, not only text: what was expected and what was read
        assert m.expected == getattr(Expect(**fields), m.field)


def test_every_expect_field_has_a_row_and_a_case() -> None:
    assert set(BY_FIELD) == set(Expect.model_fields), "a field without a row is never judged"
    judged_by_a_case = {f for fields, _, _ in CASES for f in fields} | {"state"}
    assert judged_by_a_case == set(Expect.model_fields)
    assert len(BY_FIELD) == len(CHECKS)


def test_a_miss_keeps_field_expected_and_observed() -> None:
    [m] = mismatches(Expect(tooltip="Mic access is blocked"), {"tooltip": "use the padlock"})
    assert (m.field, m.expected, m.observed) == ("tooltip", "Mic access is blocked", "use the padlock")


def test_results_files_keep_the_structure_and_read_older_texts() -> None:
    r = Result(
        scenario="s",
        engine="chromium",
        outcome=Outcome.FAIL,
        mismatches=[Mismatch("status", "Ready", "Busy", "status: expected 'Ready', seen 'Busy'")],
    )
    back = Result.from_dict(r.to_dict())
    assert back.mismatches == r.mismatches
    old = Result.from_dict({"scenario": "s", "engine": "chromium", "outcome": "fail", "mismatches": ["status: x"]})
    assert old.mismatches == [Mismatch(field="", text="status: x")]
    assert "  - status: x" in old.explain()
