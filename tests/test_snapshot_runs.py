"""Snapshots that repeat: at rest waits for running animations and transitions (a button that fades
in after a delay is read once it is in), `record --runs N` records what differed between its runs
as varying with each value seen (the build's races), `run --against` accepts any of them, and a
format-1 file (before `varying`) still loads. The orb is the one the visitor sees: a build that
leaves a faded-out copy in the DOM in some runs has not moved."""

from __future__ import annotations

from typing import Any, TYPE_CHECKING

from pathlib import Path

import pytest

from harness import snapshot
from harness.model import Outcome, CellId
from harness.results import Result

if TYPE_CHECKING:
    from conftest import RunCli

# -- folding runs, judging by varying facts (no browser) ---------------------------------------------


def test_the_harness_s_own_activation_race_is_not_a_fact_where_its_reads_change_activation() -> None:
    """WebKitGTK: a read between the click and the call consumes the click's activation, in some
    runs and not others (engine fact webkitgtk-evaluate-consumes-activation). The snapshot fact
    names both outcomes, so it is the same either way; other engines keep the spy's words."""
    from harness.observe import CONSUMED, GIVEN, _gum, fact_activation_words

    webkitgtk, chromium = fact_activation_words("webkit", "webkitgtk"), fact_activation_words("chromium", "system /usr/bin/chromium")
    call = {"outcome": "NotAllowedError", "api": "mediaDevices.getUserMedia"}
    assert _gum({**call, "activation": True}, webkitgtk) == _gum({**call, "activation": CONSUMED}, webkitgtk)
    assert _gum({**call, "activation": False}, webkitgtk) == _gum({**call, "activation": GIVEN}, webkitgtk)
    assert _gum({**call, "activation": True}, webkitgtk) != _gum({**call, "activation": False}, webkitgtk)
    assert _gum({**call, "activation": True}, chromium) == "NotAllowedError (with user activation)"
    assert fact_activation_words("webkit", "playwright")(True) == "with user activation"  # Playwright's WebKit: no such fact


def test_fold_keeps_what_repeated_and_records_what_varied_with_each_value() -> None:
    a = {"state": "error", "orb": "<button> 'Start'", "getUserMedia": ["NotAllowedError (with user activation)"]}
    b = {"state": "error", "orb": "(none)", "getUserMedia": ["NotAllowedError (without user activation)"]}
    c = {"state": "error", "orb": "<button> 'Start'", "getUserMedia": ["NotAllowedError (with user activation)"], "stopped": "step 2: ..."}
    folded = snapshot.fold([a, b, c])
    assert folded == {
        "state": "error",
        "varying": {
            "getUserMedia": [["NotAllowedError (with user activation)"], ["NotAllowedError (without user activation)"]],
            "orb": ["(none)", "<button> 'Start'"],
            "stopped": ["(absent)", "step 2: ..."],
        },
    }
    assert snapshot.fold([folded, a]) == folded  # a run like one already seen adds nothing
    assert snapshot.fold([a, a]) == a


def test_a_varying_fact_moves_only_to_a_value_never_seen() -> None:
    old = {"state": "error", "varying": {"orb": ["(none)", "<button> 'Start'"]}}
    assert snapshot.diff(old, {"state": "error", "orb": "(none)"}) == []
    assert snapshot.diff(old, {"state": "error", "orb": "<button> 'Start'"}) == []
    assert [m.text for m in snapshot.diff(old, {"state": "error", "orb": "<button> 'Stop'"})] == [
        "orb: was one of [(none), <button> 'Start'] (it varied when recorded), now \"<button> 'Stop'\""
    ]
    assert [m.text for m in snapshot.diff(old, {"state": "idle", "orb": "(none)"})] == ["state: was 'error', now 'idle'"]


def _result(cell: str, facts: dict[str, Any]) -> Result:
    cell_id = CellId.parse(cell)
    return Result(scenario=cell_id.scenario, engine=cell_id.engine, outcome=Outcome.PASS, observed=facts)


def test_take_with_several_runs_writes_varying_and_lists_the_races(tmp_path: Path) -> None:
    base = tmp_path / "b.yaml"
    runs = [
        [_result("allow[webkit]", {"state": "error", "orb": o}), _result("deny[webkit]", {"state": "denied"})]
        for o in ("(none)", "<button> 'Start'", "(none)")
    ]
    moved, count = snapshot.take(base, runs[0], "x", True, more_runs=runs[1:])
    assert (moved, count) == ({}, 2)
    loaded = snapshot.load(base)
    assert loaded.cells["allow[webkit]"] == {"state": "error", "varying": {"orb": ["(none)", "<button> 'Start'"]}}
    assert snapshot.races(loaded.cells) == ["allow[webkit]: orb: '(none)' | \"<button> 'Start'\""]
    assert base.read_text(encoding="utf-8").count("format: spelo-harness-snapshot/2") == 1
    # approve of a run that shows one of the values seen keeps the entry (and its varying) as it is
    moved, _ = snapshot.take(base, [runs[1][0]], None, False)
    assert moved == {} and snapshot.load(base).cells == loaded.cells


def test_a_format_1_snapshot_still_loads(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(
        "format: spelo-harness-snapshot/1\nprofile: reference\ncells:\n  allow[chromium]:\n    state: listening\n", encoding="utf-8"
    )
    assert snapshot.load(old).cells == {"allow[chromium]": {"state": "listening"}}


# -- in a browser: at rest waits for a transition; two runs record the same ------------------------------

FADE_JS = """customElements.define("fade-voice", class extends HTMLElement {
  constructor() {
    super();
    const r = this.attachShadow({ mode: "open" });
    r.innerHTML = '<style>.again{opacity:0;transition:opacity .4s linear 1s}.again.in{opacity:1}</style>' +
      '<div class="box"><button class="start">Talk</button><p class="msg"></p><button class="again">Try again</button></div>';
    r.querySelector(".start").addEventListener("click", () => {
      r.querySelector(".msg").textContent = "Done";
      // As real builds fade a button back in: a class set a frame later, a delayed transition.
      requestAnimationFrame(() => requestAnimationFrame(() => r.querySelector(".again").classList.add("in")));
    });
  }
});"""
FADE_PROFILE = """version: 2
name: fade
embed: '<fade-voice></fade-voice><script src="{{WIDGET_SRC}}"></script>'
root: fade-voice
state_attr: none
state_rules:
  - {state: listening, text: Done}
  - {state: idle, part: orb}
orb: .start
status: none
tooltip: none
notice: none
fallback: none
"""
FADE_CELLS = """scenarios:
  - id: fade
    title: "A button fades in a second after the click: at rest is after it is in"
    timeout_s: 6
    steps:
      - click: orb
    expect: {state: listening}
"""


@pytest.fixture
def fade_build(tmp_path: Path) -> tuple[Path, Path, Path]:
    (tmp_path / "fade").mkdir()
    (tmp_path / "fade" / "fade.js").write_text(FADE_JS, encoding="utf-8")
    (tmp_path / "fade.profile.yaml").write_text(FADE_PROFILE, encoding="utf-8")
    (tmp_path / "cells").mkdir()
    (tmp_path / "cells" / "fade.yaml").write_text(FADE_CELLS, encoding="utf-8")
    return tmp_path / "fade" / "fade.js", tmp_path / "fade.profile.yaml", tmp_path / "cells" / "fade.yaml"


def test_record_runs_waits_for_the_fade_and_repeats(run_cli: RunCli, tmp_path: Path, fade_build: tuple[Path, Path, Path]) -> None:
    widget, profile, cells = fade_build
    base = tmp_path / "fade.snap.yaml"
    build = ["--widget", str(widget), "--profile", str(profile), "--browser", "chromium", "--screenshots", "end"]
    out = run_cli("record", str(base), "--runs", "2", str(cells), *build, "--output", str(tmp_path / "rec"))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "races: 0 facts varied between the 2 runs" in out.stdout, out.stdout[-2000:]
    facts = snapshot.load(base).cells["fade[chromium]"]
    assert facts["other_text"] == "Talk Done Try again", facts  # read after the transition, not before it
    again = run_cli("run", str(cells), *build, "--against", str(base), "--output", str(tmp_path / "again"))
    assert again.returncode == 0, again.stdout[-3000:]


def test_a_bad_number_of_runs_is_one_line_and_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    out = run_cli("record", str(tmp_path / "x.yaml"), "--runs", "0", "--browser", "chromium")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == "spelo-harness: record: --runs: expected a number of runs from 1 to 20, got '0'"


# -- what shows: a faded-out panel left in the DOM is not part of the page -----------------------

# As ElevenLabs' embed does in some runs: after the click its call panel fades out and is removed
# when that transition ends, unless the transition was cancelled (no transitionend): then it stays
# in the DOM at opacity 0, its call button with it. Here the `keep` attribute decides, so both
# outcomes are made on demand; a fresh panel (an error line, a new call button) comes after it.
LEFT_JS = """customElements.define("left-voice", class extends HTMLElement {
  connectedCallback() {
    const r = this.attachShadow({ mode: "open" }), keep = this.hasAttribute("keep");
    r.innerHTML = '<style>.panel{transition:opacity .2s linear}.panel.out{opacity:0}</style>' +
      '<div class="panel"><button aria-label="Start a call">Call</button></div>';
    r.querySelector("button").addEventListener("click", () => {
      const old = r.querySelector(".panel"), fresh = document.createElement("div");
      fresh.className = "panel";
      fresh.innerHTML = '<p>An error occurred</p><button aria-label="Start a call">Call</button>';
      r.appendChild(fresh);
      old.addEventListener("transitionend", () => { if (!keep) { old.remove(); } });
      requestAnimationFrame(() => requestAnimationFrame(() => old.classList.add("out")));
    });
  }
});"""
LEFT_PROFILE = """version: 2
name: left
embed: '<left-voice {keep}></left-voice><script src="{{{{WIDGET_SRC}}}}"></script>'
root: left-voice
state_attr: none
state_rules:
  - {{state: error, all: [{{text: "An error occurred"}}, {{visible: 'button[aria-label="Start a call"]'}}]}}
  - {{state: idle, part: orb}}
orb: 'button[aria-label="Start a call"]'
status: none
tooltip: none
notice: none
fallback: none
"""
LEFT_CELLS = """scenarios:
  - id: left
    title: "The call panel fades out behind a fresh one; removed, or left in the DOM at opacity 0"
    timeout_s: 6
    steps:
      - click: orb
    expect: {state: error}
"""


def test_a_panel_left_faded_out_in_the_dom_is_not_read_and_has_not_moved(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "left").mkdir()
    widget = tmp_path / "left" / "left.js"
    widget.write_text(LEFT_JS, encoding="utf-8")
    removed, kept = tmp_path / "removed.profile.yaml", tmp_path / "kept.profile.yaml"
    removed.write_text(LEFT_PROFILE.format(keep=""), encoding="utf-8")
    kept.write_text(LEFT_PROFILE.format(keep="keep"), encoding="utf-8")
    cells = tmp_path / "left.yaml"
    cells.write_text(LEFT_CELLS, encoding="utf-8")
    base = tmp_path / "left.snap.yaml"
    common = [str(cells), "--widget", str(widget), "--browser", "chromium", "--screenshots", "end"]
    out = run_cli("record", str(base), *common, "--profile", str(removed), "--output", str(tmp_path / "rec"))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    facts = snapshot.load(base).cells["left[chromium]"]
    assert facts["orb"] == "<button> 'Start a call'" and facts["state"] == "error", facts
    # The same build with the faded-out panel left first in the DOM: the visitor sees the same page,
    # so the orb is the button that shows and the rule on what is visible reads the same state.
    again = run_cli("run", *common, "--profile", str(kept), "--against", str(base), "--output", str(tmp_path / "kept"))
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]


# -- focus: the ring a visitor sees, not where a mouse click left it ------------------------------

FOCUS_JS = """customElements.define("focus-voice", class extends HTMLElement {
  connectedCallback() {
    const r = this.attachShadow({ mode: "open" });
    r.innerHTML = '<button class="go">Talk</button><p class="msg"></p>';
    r.querySelector(".go").addEventListener("click", (e) => {
      e.currentTarget.focus();  // kept on the button after a mouse click too, in every engine
      r.querySelector(".msg").textContent = "Done";
    });
  }
});"""
FOCUS_CELLS = """scenarios:
  - id: by-mouse
    title: "A click: the focus stays on the button, with no ring"
    timeout_s: 6
    steps:
      - click: orb
    expect: {state: listening}
  - id: by-keys
    title: "Enter on the button: the focus shows"
    timeout_s: 6
    steps:
      - press: Enter
    expect: {state: listening}
"""


@pytest.mark.parametrize("engine", ["chromium", "firefox", "webkit"])
def test_the_orb_fact_is_focused_only_where_the_focus_shows(tmp_path: Path, engine: str) -> None:
    """Whether a button a mouse clicked keeps the focus can be the build's race, and shows nothing
    (no ring after a mouse click): the snapshot's orb says "(focused)" only for :focus-visible,
    as after keys. The contract's orb_focused still reads the focus itself."""
    from one_button import profile, run_cells

    rules = [{"state": "listening", "text": "Done"}, {"state": "idle", "visible": ".go"}]
    results = run_cells(tmp_path, FOCUS_JS, profile("focus", "focus-voice", state_rules=rules), FOCUS_CELLS, engine, observe=True)
    mouse, keys = results["by-mouse"], results["by-keys"]
    assert mouse.outcome is Outcome.PASS and keys.outcome is Outcome.PASS, (mouse.explain(), keys.explain())
    assert mouse.seen["orb"]["focused"] is True, mouse.seen["orb"]
    assert mouse.observed["orb"] == "<button> 'Talk'", mouse.observed
    assert keys.observed["orb"] == "<button> 'Talk' (focused)", keys.observed
