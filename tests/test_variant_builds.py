"""Our variant builds in fixtures_site/, each with its profile, run cell by cell in real browsers.

VoiceDesk (voicedesk.js): its own words, a terms step and a multi-step start (Start → Agree →
Voice → Start call), one sentence for an open prompt and a refusal. Its profile's flows take the
scenario's `click: orb` / `accept_notice` through its own parts, and its compound state rules tell
the open prompt from the refusal by the microphone request's outcome; each cell names the rule
that read its state.
"""

from __future__ import annotations

from typing import Any


from pathlib import Path

import pytest

from harness import paths
from harness.profile import load_profile
from harness.results import Result
from harness.runner import Harness, RunOptions
from harness.scenarios import load_file

VOICEDESK = paths.SITE_DIR / "voicedesk.js"
VOICEDESK_PROFILE = paths.SITE_DIR / "voicedesk.profile.yaml"

VOICEDESK_CELLS = """
scenarios:
  - id: vd-allow
    title: "Allowed: Start, the terms, Agree → Voice → Start call, live"
    permission: granted
    timeout_s: 8
    steps:
      - click: orb
      - expect: {state: notice, notice: true}
      - accept_notice
    expect: {state: listening, status: Listening, notice: false, gum_errors: [ok]}
  - id: vd-block
    title: "Refused at the prompt: denied (the same words as the open prompt), and the next click asks again"
    permission: prompt
    prompt_answer: block
    timeout_s: 8
    steps:
      - click: orb
      - accept_notice
      - expect: {state: denied, status: Microphone access needed, gum_errors: [NotAllowedError]}
      - click: orb
    expect: {state: denied, gum_errors: [NotAllowedError, NotAllowedError]}
  - id: vd-returning
    title: "Terms agreed before: after a reload the flow goes Start → Voice → Start call"
    permission: granted
    timeout_s: 8
    steps:
      - click: orb
      - accept_notice
      - expect: {state: listening}
      - reload
      - click: orb
    expect: {state: listening, notice: false, gum_errors: [ok]}
  - id: vd-no-device
    title: "No microphone: its own sentence for it"
    permission: granted
    device: none
    timeout_s: 8
    steps:
      - click: orb
      - accept_notice
    expect: {state: no-device, text_contains: ["We can't find a microphone."]}
  - id: vd-waiting
    title: "The prompt left open: the same sentence as a refusal, read as requesting"
    permission: prompt
    prompt_answer: ignore
    engines: [firefox]
    timeout_s: 8
    steps:
      - click: orb
      - accept_notice
    expect: {state: requesting, gum_errors: [pending]}
"""

# cell -> (outcome, the state rule that read the final state)
EXPECTED = {
    ("vd-allow", "chromium"): ("pass", "live"),
    ("vd-block", "chromium"): ("pass", "refused"),
    ("vd-returning", "chromium"): ("pass", "live"),
    ("vd-no-device", "chromium"): ("pass", "no-device"),
    ("vd-waiting", "firefox"): ("pass", "asking"),
}


@pytest.fixture(scope="module")
def voicedesk_cells(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Result]:
    tmp = tmp_path_factory.mktemp("voicedesk")
    (tmp / "cells.yaml").write_text(VOICEDESK_CELLS, encoding="utf-8")
    scenarios = {sc.id: sc for sc in load_file(tmp / "cells.yaml")}
    profile = load_profile(VOICEDESK_PROFILE)
    with Harness(RunOptions(output_dir=tmp / "out", widget=VOICEDESK, profile=profile, screenshots="failure")) as h:
        return {(sid, engine): h.run_cell(scenarios[sid], engine) for sid, engine in EXPECTED}


@pytest.mark.parametrize("cell", list(EXPECTED), ids=[f"{s}[{e}]" for s, e in EXPECTED])
def test_voicedesk_cell_by_cell(voicedesk_cells: dict[tuple[str, str], Result], cell: tuple[str, str]) -> None:
    r = voicedesk_cells[cell]
    if r.outcome == "skipped" and "not usable" in r.reason:
        pytest.skip(r.reason)
    outcome, rule = EXPECTED[cell]
    assert (r.outcome, r.seen.get("state_rule")) == (outcome, rule), (r.reason, r.seen)


def test_the_flows_are_recorded_on_the_steps(voicedesk_cells: dict[tuple[str, str], Result]) -> None:
    first = voicedesk_cells[("vd-block", "chromium")]
    assert first.steps[0].action == "click orb (the profile's flow: click start → notice shown: the flow ends here)"
    assert first.steps[1].action.endswith("(the profile's flow: click continue → click voice → click call)")
    # After the refusal it shows Start call at once: Start and Voice are skipped, not waited out.
    again = first.steps[3].action
    assert "start not shown: skipped" in again and "voice not shown: skipped" in again and again.endswith("click call)")
    back = voicedesk_cells[("vd-returning", "chromium")].steps[4].action
    assert back == "click orb (the profile's flow: click start → click voice → click call)", back


# -- VoiceLine: its session is at its own vendor host, over a WebSocket ---------------------------------

VOICELINE = paths.SITE_DIR / "voiceline.js"
VOICELINE_PROFILE = paths.SITE_DIR / "voiceline.profile.yaml"
VOICELINE_CELLS = """
scenarios:
  - id: vl-allow
    title: "Allowed: a session from its vendor's API, then its WebSocket greets the caller"
    permission: granted
    timeout_s: 8
    steps:
      - click: orb
    expect: {state: listening, gum_errors: [ok]}
  - id: vl-block
    title: "Refused: denied, and its vendor is never asked"
    permission: prompt
    prompt_answer: block
    timeout_s: 8
    steps:
      - click: orb
    expect: {state: denied, gum_errors: [NotAllowedError]}
"""


def run_voiceline(tmp: Path, profile_file: Path, engine: str) -> dict[str, Any]:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "cells.yaml").write_text(VOICELINE_CELLS, encoding="utf-8")
    scenarios = load_file(tmp / "cells.yaml")
    options = RunOptions(output_dir=tmp / "out", widget=VOICELINE, profile=load_profile(profile_file), screenshots="failure")
    with Harness(options) as h:
        return {sc.id: h.run_cell(sc, engine) for sc in scenarios}


@pytest.mark.parametrize("engine", ["chromium", "firefox", "webkit"])
def test_voiceline_reaches_a_live_session_through_the_recorded_vendor(tmp_path: Path, engine: str) -> None:
    cells = run_voiceline(tmp_path, VOICELINE_PROFILE, engine)
    live, refused = cells["vl-allow"], cells["vl-block"]
    if live.outcome == "skipped" and "not usable" in live.reason:
        pytest.skip(live.reason)
    assert (live.outcome, live.seen.get("state_rule")) == ("pass", "live"), (live.reason, live.seen)
    assert live.seen["status"] == "Hi, I'm the VoiceLine demo."  # its words, from the fake's WebSocket
    assert live.seen["vendor"][:4] == [
        "POST /v1/sessions → 201",
        "ws /v1/live opened",
        'ws /v1/live ← {"type":"hello","agent":"demo"}',
        'ws /v1/live → {"type": "ready"}',
    ]
    assert (refused.outcome, refused.seen.get("state_rule")) == ("pass", "refused"), (refused.reason, refused.seen)
    assert refused.seen["vendor"] == []  # refused before it asked its vendor


def test_voiceline_without_the_fake_cannot_reach_its_vendor_and_with_the_handler_it_can(tmp_path: Path) -> None:
    text = VOICELINE_PROFILE.read_text(encoding="utf-8")
    bare = tmp_path / "bare.profile.yaml"
    bare.write_text(text.split("\nvendor:")[0] + "\n", encoding="utf-8")
    cell = run_voiceline(tmp_path / "bare", bare, "chromium")["vl-allow"]
    assert cell.outcome == "fail" and cell.seen["state"] == "error", (cell.reason, cell.seen)
    assert cell.seen["status"] == "We couldn't reach VoiceLine."
    coded = paths.SITE_DIR / "coded.profile.yaml"  # beside the handler module, as a user keeps them
    try:
        coded.write_text(text.replace("responses: voiceline.vendor.yaml", "handler: voiceline_vendor.py"), encoding="utf-8")
        cell = run_voiceline(tmp_path / "coded", coded, "chromium")["vl-allow"]
    finally:
        coded.unlink()
    assert cell.outcome == "pass", cell.reason
    assert cell.seen["status"] == "Hi, I'm the VoiceLine demo (handler)."


# -- the universal judge on both, cell by cell (the seed scenarios, Chromium) ----------------------------

# cell -> (outcome, the universal properties that failed)
UNIVERSAL = {
    ("voicedesk", "allow"): ("pass", ""),
    ("voicedesk", "blocked-prompt"): ("fail", "universal: no-reprompt-after-refusal"),  # its next click asks again
    ("voicedesk", "insecure-origin"): ("pass", ""),
    ("voicedesk", "no-device"): ("pass", ""),
    # VoiceLine shows the browser's error name ("Microphone unavailable (NotAllowedError).")
    # and asks again on the next click on its button (the seed's Continue is no click of VoiceLine's)
    ("voiceline", "blocked-prompt"): ("fail", "universal: no-reprompt-after-refusal, failure-told"),
    ("voiceline", "no-device"): ("fail", "universal: failure-told"),
    ("voiceline", "insecure-origin"): ("pass", ""),
}


@pytest.fixture(scope="module")
def universal_cells(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Result]:
    from harness.scenarios import load_all

    scenarios = {sc.id: sc for sc in load_all([paths.SCENARIO_DIR / "microphone.yaml", paths.SCENARIO_DIR / "devices.yaml"])}
    out: dict[tuple[str, str], Result] = {}
    for build, widget, profile in (("voicedesk", VOICEDESK, VOICEDESK_PROFILE), ("voiceline", VOICELINE, VOICELINE_PROFILE)):
        options = RunOptions(
            output_dir=tmp_path_factory.mktemp(build),
            widget=widget,
            profile=load_profile(profile),
            screenshots="failure",
            judge="universal",
        )
        with Harness(options) as h:
            out.update({(b, sid): h.run_cell(scenarios[sid], "chromium") for b, sid in UNIVERSAL if b == build})
    return out


@pytest.mark.parametrize("cell", list(UNIVERSAL), ids=[f"{b}-{s}" for b, s in UNIVERSAL])
def test_the_variants_under_the_universal_judge(universal_cells: dict[tuple[str, str], Result], cell: tuple[str, str]) -> None:
    r = universal_cells[cell]
    outcome, failed = UNIVERSAL[cell]
    assert r.outcome == outcome, (r.reason, r.verdicts)
    if failed:
        assert r.reason == failed
