"""Profile version 2 in real browsers: selectors that reach into (nested) open shadow roots in
every engine, state rules (first match wins; none: the texts seen are reported, the cell fails),
a build without a notice step (accept_notice not applicable, a cancel scenario not run)."""

from __future__ import annotations

from typing import Any

from pathlib import Path

import pytest

from harness import paths
from harness.engines import ENGINE_NAMES
from harness.profile import WidgetProfile, load_profile
from harness.runner import Harness, RunOptions
from harness.scenarios import load_file

SHADOW_WIDGET = paths.SITE_DIR / "spelo-shadow.js"
SHADOW_PROFILE = paths.SITE_DIR / "spelo-shadow.profile.yaml"

SHADOW_CELLS = """
scenarios:
  - id: shadow-notice
    title: "The orb and the notice's Cancel, two shadow roots deep, are found and clicked"
    steps:
      - click: orb
      - expect: {state: notice, notice: true, present: true}
      - click: cancel
    expect: {state: idle, notice: false, orb_focused: true, orb_name: Talk to our voice assistant}
"""

# A build of the kind real widgets are: a custom element with an open shadow root, no state
# attribute, its own words, no notice step, no fallback link.
ACME_JS = """customElements.define("acme-voice", class extends HTMLElement {
  constructor() {
    super();
    const r = this.attachShadow({ mode: "open" });
    r.innerHTML = '<div class="box"><button class="start" aria-label="Talk">Talk</button><p class="msg"></p></div>';
    r.querySelector(".start").addEventListener("click", () => { r.querySelector(".msg").textContent = "Oops, Ready"; });
  }
});"""
ACME_PROFILE = """version: 2
name: acme
embed: '<acme-voice></acme-voice><script src="{{WIDGET_SRC}}"></script>'
root: acme-voice
state_attr: none
orb: .start
status: none
tooltip: none
notice: none
fallback: none
"""
ACME_CELLS = """
scenarios:
  - id: rules
    title: "After the click both texts show: the first rule that holds names the state"
    timeout_s: 3
    steps:
      - expect: {state: idle}
      - click: orb
      - accept_notice
    expect: {state: STATE, text_contains: ["Oops, Ready"]}
  - id: cancel-notice
    title: "Cancelling a notice the build does not have"
    steps:
      - click: orb
      - click: cancel
    expect: {state: idle}
"""


def run_cells(tmp_path: Path, cells: str, profile: WidgetProfile, widget: Path, engine: str) -> dict[str, Any]:
    (tmp_path / "cells.yaml").write_text(cells, encoding="utf-8")
    scenarios = load_file(tmp_path / "cells.yaml")
    with Harness(RunOptions(output_dir=tmp_path / "out", widget=widget, profile=profile, screenshots="failure")) as h:
        return {sc.id: h.run_cell(sc, engine) for sc in scenarios}


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_selectors_reach_into_nested_shadow_roots(tmp_path: Path, engine: str) -> None:
    r = run_cells(tmp_path, SHADOW_CELLS, load_profile(SHADOW_PROFILE), SHADOW_WIDGET, engine)["shadow-notice"]
    if r.outcome == "skipped" and "not usable" in r.reason:
        pytest.skip(r.reason)
    assert r.outcome == "pass", r.reason
    assert r.seen["state"] == "idle" and r.seen["orb"]["focused"] is True


def acme(tmp_path: Path, rules: str) -> tuple[WidgetProfile, Path]:
    widget = tmp_path / "acme" / "acme.js"
    widget.parent.mkdir()
    widget.write_text(ACME_JS, encoding="utf-8")
    (tmp_path / "acme.profile.yaml").write_text(ACME_PROFILE + rules, encoding="utf-8")
    return load_profile(tmp_path / "acme.profile.yaml"), widget


@pytest.mark.parametrize(
    "rules, state",
    [
        (
            'state_rules:\n  - {state: error, text: "Oops"}\n  - {state: listening, regex: "Rea.y"}\n  - {state: idle, visible: .start}\n',
            "error",
        ),
        (
            'state_rules:\n  - {state: listening, regex: "Rea.y"}\n  - {state: error, text: "Oops"}\n  - {state: idle, visible: .start}\n',
            "listening",
        ),
    ],
)
def test_state_rules_first_match_wins_and_notice_none_is_not_applicable(tmp_path: Path, rules: str, state: str) -> None:
    profile, widget = acme(tmp_path, rules)
    results = run_cells(tmp_path, ACME_CELLS.replace("STATE", state), profile, widget, "chromium")
    r = results["rules"]
    assert r.outcome == "pass", r.reason
    assert r.seen["state"] == state
    assert r.steps[2].action.startswith("accept_notice") or "not applicable" in r.steps[2].action
    assert "not applicable: this build has no notice step" in r.steps[2].action
    skipped = results["cancel-notice"]
    assert skipped.outcome == "skipped" and skipped.reason.startswith("not applicable to acme:"), skipped.reason


def test_no_matching_rule_fails_the_cell_with_the_texts_seen(tmp_path: Path) -> None:
    profile, widget = acme(
        tmp_path, 'state_rules:\n  - {state: idle, visible: .start:has-text("Nope")}\n  - {state: listening, text: "Nope"}\n'
    )
    r = run_cells(tmp_path, ACME_CELLS.replace("STATE", "error"), profile, widget, "chromium")["rules"]
    assert r.outcome == "fail"
    assert "no state rule of the profile matched; the visitor saw 'Talk'" in r.reason


def test_a_selector_that_matches_nothing_fails_the_cell_naming_selector_and_step(tmp_path: Path) -> None:
    profile, widget = acme(tmp_path, "state_rules:\n  - {state: idle, visible: .start}\n")
    profile = profile.model_copy(update={"orb": ".talk-button"})
    cells = ACME_CELLS.replace("STATE", "error").replace("      - expect: {state: idle}\n", "")
    r = run_cells(tmp_path, cells, profile, widget, "chromium")["rules"]
    assert r.outcome == "fail"
    assert r.reason.startswith("step 1 (click orb): acme-voice >>> .talk-button did not become visible within 3 s"), r.reason


# A build that keeps a faded-out copy of its button (opacity 0, in its own place) before the one
# that shows, as ElevenLabs' embed does with its call panel in some runs. The visitor clicks the
# one they see; so must every engine's click, the runner's wait and the probe.
FADED_JS = ACME_JS.replace(
    '<div class="box"><button class="start" aria-label="Talk">Talk</button><p class="msg"></p></div>',
    '<div class="box" style="opacity:0"><button class="start" aria-label="Talk">Talk</button></div>'
    + '<div class="box" style="margin-top:80px"><button class="start" aria-label="Talk">Talk</button><p class="msg"></p></div>',
).replace(
    'r.querySelector(".start").addEventListener("click", () => { r.querySelector(".msg").textContent = "Oops, Ready"; });',
    'r.querySelectorAll(".start").forEach((b, i) => b.addEventListener("click", () => {'
    + ' r.querySelector(".msg").textContent = i ? "Oops, Ready" : "the faded copy was clicked"; }));',
)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_every_engine_clicks_the_copy_that_shows_not_a_faded_one_before_it(tmp_path: Path, engine: str) -> None:
    profile, widget = acme(tmp_path, 'state_rules:\n  - {state: error, text: "Oops"}\n  - {state: idle, visible: .start}\n')
    widget.write_text(FADED_JS, encoding="utf-8")
    r = run_cells(tmp_path, ACME_CELLS.replace("STATE", "error"), profile, widget, engine)["rules"]
    if r.outcome == "skipped" and "not usable" in r.reason:
        pytest.skip(r.reason)
    assert r.outcome == "pass", r.reason
    assert r.seen["text"] == "Talk Oops, Ready", r.seen["text"]


# A build that swaps navigator.mediaDevices.getUserMedia for a shim of its own calling the
# prototype's method, as the WebRTC adapter bundled in real builds does for Safari user agents.
SHIM_JS = ACME_JS.replace(
    'r.querySelector(".msg").textContent = "Oops, Ready";',
    """
      const own = MediaDevices.prototype.getUserMedia;
      navigator.mediaDevices.getUserMedia = (c) => own.call(navigator.mediaDevices, c);
      navigator.mediaDevices.getUserMedia({ audio: true }).then(
        () => { r.querySelector(".msg").textContent = "Ready"; },
        (e) => { r.querySelector(".msg").textContent = "Oops " + e.name; });""",
)
SHIM_CELLS = """
scenarios:
  - id: shimmed
    title: "The getUserMedia spy sees a call made through the build's own shim"
    permission: granted
    timeout_s: 5
    steps:
      - click: orb
    expect: {state: listening, gum_calls: 1, gum_errors: [ok]}
"""


def test_the_spy_sees_getusermedia_through_a_builds_own_shim(tmp_path: Path) -> None:
    profile, widget = acme(
        tmp_path,
        'state_rules:\n  - {state: listening, text: "Ready"}\n  - {state: error, text: "Oops"}\n  - {state: idle, visible: .start}\n',
    )
    widget.write_text(SHIM_JS, encoding="utf-8")
    r = run_cells(tmp_path, SHIM_CELLS, profile, widget, "chromium")["shimmed"]
    assert r.outcome == "pass", r.reason


def test_a_cell_reports_the_builds_own_words_and_never_judges_a_part_marked_none(tmp_path: Path) -> None:
    widget = tmp_path / "acme.js"
    widget.write_text(ACME_JS, encoding="utf-8")
    profile = WidgetProfile.model_validate(
        {
            **__import__("yaml").safe_load(ACME_PROFILE),
            "state_rules": [{"state": "denied", "text": "Oops"}, {"state": "idle", "visible": ".start"}],
            "texts": {"Microphone access needed": "Oops, Ready", "Listening": "Talk"},
        }
    )
    cells = """
scenarios:
  - id: words
    title: "The build's own words in what was seen; a tooltip it has not is not judged"
    timeout_s: 3
    steps:
      - click: orb
    expect: {state: denied, tooltip: "Microphone blocked", text_contains: ["Microphone access needed", "Connecting…"]}
"""
    r = run_cells(tmp_path, cells, profile, widget, "chromium")["words"]
    assert r.outcome == "fail"
    assert r.not_applicable == {"tooltip": "this build has no tooltip (profile: tooltip: none)"}
    assert [m.field for m in r.mismatches] == ["text_contains"]  # only the text the build never showed
    assert r.mismatches[0].text == "text: expected to contain 'Connecting…', seen 'Talk Oops, Ready'"
    assert r.seen["text"] == "Talk Oops, Ready" and r.seen["tooltip"] == ""  # as the build showed it
    assert "Microphone access needed" not in r.reason and "Listening" not in r.reason
