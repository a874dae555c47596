"""Our variant builds in fixtures_site/, each with its profile, run cell by cell in real browsers.

VoiceDesk (voicedesk.js): its own words, a terms step and a multi-step start (Start → Agree →
Voice → Start call), one sentence for an open prompt and a refusal. Its profile's flows take the
scenario's `click: orb` / `accept_notice` through its own parts, and its compound state rules tell
the open prompt from the refusal by the microphone request's outcome; each cell names the rule
that read its state.
"""
from __future__ import annotations


import pytest

from harness import paths
from harness.profile import load_profile
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
def voicedesk_cells(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("voicedesk")
    (tmp / "cells.yaml").write_text(VOICEDESK_CELLS, encoding="utf-8")
    scenarios = {sc.id: sc for sc in load_file(tmp / "cells.yaml")}
    profile = load_profile(VOICEDESK_PROFILE)
    with Harness(RunOptions(output_dir=tmp / "out", widget=VOICEDESK, profile=profile, screenshots="failure")) as h:
        return {(sid, engine): h.run_cell(scenarios[sid], engine) for sid, engine in EXPECTED}


@pytest.mark.parametrize("cell", list(EXPECTED), ids=[f"{s}[{e}]" for s, e in EXPECTED])
def test_voicedesk_cell_by_cell(voicedesk_cells: dict, cell: tuple[str, str]):
    r = voicedesk_cells[cell]
    if r.outcome == "skipped" and "not usable" in r.reason:
        pytest.skip(r.reason)
    outcome, rule = EXPECTED[cell]
    assert (r.outcome, r.seen.get("state_rule")) == (outcome, rule), (r.reason, r.seen)


def test_the_flows_are_recorded_on_the_steps(voicedesk_cells: dict):
    first = voicedesk_cells[("vd-block", "chromium")]
    assert first.steps[0].action == "click orb (the profile's flow: click start → notice shown: the flow ends here)"
    assert first.steps[1].action.endswith("(the profile's flow: click continue → click voice → click call)")
    # After the refusal it shows Start call at once: Start and Voice are skipped, not waited out.
    again = first.steps[3].action
    assert "start not shown: skipped" in again and "voice not shown: skipped" in again and again.endswith("click call)")
    back = voicedesk_cells[("vd-returning", "chromium")].steps[4].action
    assert back == "click orb (the profile's flow: click start → click voice → click call)", back
