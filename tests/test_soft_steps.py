"""Every step runs: an expect step that does not hold is recorded with its verdict and the cell
goes on (as soft assertions do), failing after its last step; a step that cannot be taken ends
it, and the steps after are shown as not run. A wrong page is judged once it is at rest, not at
the deadline; a page that never rests still meets the deadline."""

from __future__ import annotations

from typing import Any

from pathlib import Path

from harness.results import Result
from one_button import profile, run_cells

# Each click counts; `.tick` (when asked) changes every 100 ms, so the page never rests.
COUNTER_JS = """customElements.define("count-voice", class extends HTMLElement {
  constructor() {
    super();
    const r = this.attachShadow({ mode: "open" });
    r.innerHTML = '<button class="go" aria-label="Go">Go</button><p class="n">0</p><p class="tick"></p>';
    let n = 0;
    r.querySelector(".go").addEventListener("click", () => { r.querySelector(".n").textContent = String(++n); });
    if (this.hasAttribute("ticking")) { let t = 0; setInterval(() => { r.querySelector(".tick").textContent = String(++t); }, 100); }
  }
});"""
CELLS = """
scenarios:
  - id: soft
    title: "A wrong intermediate expectation is recorded, the later steps still run"
    timeout_s: 8
    steps:
      - click: orb
      - expect: {text_contains: ["Go 5"]}
      - click: orb
      - expect: {text_contains: ["Go 2"]}
    expect: {text_contains: ["Go 2"]}
  - id: stops
    title: "A step that cannot be taken ends the cell; the steps after are shown, not run"
    timeout_s: 3
    steps:
      - expect: {text_contains: ["Go 9"]}
      - click: cancel
      - click: orb
    expect: {state: idle}
"""


def run(tmp_path: Path, embed: str, cells: str, soft_expect: bool = True, **more: Any) -> dict[str, Result]:
    prof = profile("count", "count-voice", embed=embed + '<script src="{{WIDGET_SRC}}"></script>', **more)
    return run_cells(tmp_path, COUNTER_JS, prof, cells, "chromium", soft_expect=soft_expect)


def test_every_step_runs_and_a_wrong_page_is_judged_at_rest(tmp_path: Path) -> None:
    r = run(tmp_path, "<count-voice></count-voice>", CELLS)["soft"]
    assert [(s.action, s.verdict) for s in r.steps] == [
        ("click orb", "done"),
        ("expect", "fail"),
        ("click orb", "done"),
        ("expect", "pass"),
    ]
    assert r.outcome == "fail"
    assert r.reason.startswith("step 2 (expect): not as expected at rest (")  # not "after 8 s"
    assert "text: expected to contain 'Go 5', seen 'Go 1'" in r.reason
    assert r.mismatches == []  # the final expectation held: only the step's failed


def test_a_step_that_cannot_be_taken_ends_the_cell_and_the_rest_are_not_run(tmp_path: Path) -> None:
    r = run(tmp_path, "<count-voice></count-voice>", CELLS.replace("click: cancel", "click: fallback"))["stops"]
    assert r.outcome == "skipped"  # a profile without a fallback link: the scenario cannot run here
    r = run(tmp_path, "<count-voice></count-voice>", CELLS.replace("click: cancel", "click: fallback"), fallback=".nope")["stops"]
    assert [(s.action, s.verdict) for s in r.steps] == [("expect", "fail"), ("click fallback", "failed"), ("click orb", "not run")]
    assert r.outcome == "fail" and r.reason.index("step 1 (expect)") < r.reason.index("step 2 (click fallback)")


def test_a_page_that_never_rests_is_judged_at_the_deadline(tmp_path: Path) -> None:
    r = run(tmp_path, "<count-voice ticking></count-voice>", CELLS)["soft"]
    assert r.steps[1].verdict == "fail"
    assert "not as expected after 8 s" in r.reason and "at rest" not in r.reason


def test_without_soft_expectations_the_first_that_fails_ends_the_cell(tmp_path: Path) -> None:
    """As mutate runs its cells: a failure is the verdict on the mutant, and the later waits would
    each run out their bound for nothing."""
    r = run(tmp_path, "<count-voice></count-voice>", CELLS, soft_expect=False)["soft"]
    assert [(s.action, s.verdict) for s in r.steps] == [
        ("click orb", "done"),
        ("expect", "failed"),
        ("click orb", "not run"),
        ("expect", "not run"),
    ]
    assert r.outcome == "fail" and r.reason.startswith("step 2 (expect): not as expected at rest ("), r.reason
