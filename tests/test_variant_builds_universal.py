"""Our variant builds in fixtures_site/ under each judge, cell by cell, in Chromium.

PlainMic (plainmic.js) holds every universal property; `data-break` breaks exactly one, and the
universal judge fails that property and no other; the contract judge (through PlainMic's profile)
catches some of them and not others. AttrMic's only state is an attribute on a child element with
no text; SpeechMic listens through speech recognition. The snapshot judge: a broken build run
against the baseline recorded from the unbroken one moves exactly the cells the break touches.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import paths
from harness.judge_universal import failures_told_apart
from harness.profile import load_profile
from harness.results import Result
from harness.runner import Harness, RunOptions
from harness.scenarios import load_file

CELLS = """
scenarios:
  - id: v-allow-stop
    title: "Allowed, listening, stopped by a second click"
    permission: granted
    steps:
      - click: orb
      - expect: {state: listening}
      - click: orb
    expect: {state: idle}
  - id: v-refuse-again
    title: "Refused at the prompt; the next click tells, and does not ask again"
    permission: prompt
    prompt_answer: block
    steps:
      - click: orb
      - expect: {state: denied}
      - click: orb
    expect: {state: denied, status: Microphone access needed, gum_calls: 1}
  - id: v-no-device
    title: "No microphone"
    permission: granted
    device: none
    steps:
      - click: orb
    expect: {state: no-device, status: "No microphone found. Connect a microphone and try again."}
  - id: v-insecure
    title: "Plain http on a hostname"
    origin: insecure-host
    permission: granted
    steps:
      - click: orb
    expect: {state: insecure}
"""


def run(
    tmp_path: Path, build: str, judge: str, embed: str | None = None, cells: str = CELLS, engine: str = "chromium", observe: bool = False
) -> dict[str, Result]:
    profile = load_profile(paths.SITE_DIR / f"{build}.profile.yaml")
    if embed is not None:
        profile = profile.model_copy(update={"embed": embed})
    f = tmp_path / "cells.yaml"
    f.write_text(cells, encoding="utf-8")
    out = tmp_path / f"out-{build}-{judge}-{len(list(tmp_path.iterdir()))}"
    with Harness(
        RunOptions(
            output_dir=out, widget=paths.SITE_DIR / f"{build}.js", profile=profile, screenshots="failure", judge=judge, observe=observe
        )
    ) as h:
        return {sc.id: h.run_cell(sc, engine) for sc in load_file(f)}


def failed_properties(r: Result) -> list[str]:
    return [v["id"] for v in r.verdicts if v["verdict"] == "fail"]


def broken(name: str) -> str:
    return f'<plain-mic data-break="{name}"></plain-mic><script src="{{{{WIDGET_SRC}}}}" async></script>'


def test_plainmic_holds_every_property_and_its_contract(tmp_path: Path) -> None:
    universal = run(tmp_path, "plainmic", "universal")
    for r in universal.values():
        assert r.outcome == "pass", r.explain()
        assert failed_properties(r) == []
    held = {v["id"] for r in universal.values() for v in r.verdicts if v["verdict"] == "pass"}
    assert {
        "no-mic-on-load",
        "access-needs-activation",
        "no-reprompt-after-refusal",
        "failure-told",
        "click-settles",
        "no-page-error",
        "mic-released",
    } <= held  # each judged somewhere, not only n/a
    assert [v["verdict"] for v in failures_told_apart(list(universal.values()))] == ["pass"]
    contract = run(tmp_path, "plainmic", "contract")
    assert {k: r.outcome for k, r in contract.items()} == dict.fromkeys(contract, "pass")
    assert contract["v-refuse-again"].seen["status"].startswith("Microphone blocked.")  # its own words


def test_a_step_the_build_has_no_part_for_is_no_action_of_the_visitor(tmp_path: Path) -> None:
    """The seed `allow` clicks the notice's Continue; PlainMic has no notice: that step is shown
    as not applicable and is not the session's end (the microphone is rightly still live)."""
    cells = """
scenarios:
  - id: v-allow-continue
    title: "Allowed: orb, then the notice's Continue (which this build does not have)"
    permission: granted
    steps:
      - click: orb
      - click: continue
    expect: {state: listening}
"""
    (r,) = run(tmp_path, "plainmic", "universal", cells=cells).values()
    assert r.outcome == "pass", r.explain()
    assert "not applicable" in r.steps[1].action
    released = next(v for v in r.verdicts if v["id"] == "mic-released")
    assert released["verdict"] != "fail", released


# break -> (cell -> the universal properties it fails), and the cells the contract fails
BREAKS = {
    # the tracks it took on load are never stopped: the microphone stays live too
    "on-load": (
        {
            "v-allow-stop": ["no-mic-on-load", "access-needs-activation", "mic-released"],
            "v-refuse-again": ["no-mic-on-load", "access-needs-activation"],
            "v-no-device": ["no-mic-on-load", "access-needs-activation"],
            "v-insecure": [],
        },
        None,
    ),
    "re-prompt": (
        {"v-allow-stop": [], "v-refuse-again": ["no-reprompt-after-refusal"], "v-no-device": [], "v-insecure": []},
        {"v-refuse-again"},
    ),
    # the contract sees only the final text: after the second click it is the right one again
    "raw-error": (
        {"v-allow-stop": [], "v-refuse-again": ["failure-told"], "v-no-device": ["failure-told"], "v-insecure": []},
        {"v-no-device"},
    ),
    "keeps-mic": ({"v-allow-stop": ["mic-released"], "v-refuse-again": [], "v-no-device": [], "v-insecure": []}, set()),
    "page-error": (
        {
            "v-allow-stop": ["no-page-error"],
            "v-refuse-again": ["no-page-error"],
            "v-no-device": ["no-page-error"],
            "v-insecure": ["no-page-error"],
        },
        set(),
    ),
}


@pytest.mark.parametrize("name", list(BREAKS))
def test_each_broken_variant_fails_its_property_cell_by_cell(tmp_path: Path, name: str) -> None:
    want_universal, want_contract = BREAKS[name]
    universal = run(tmp_path, "plainmic", "universal", embed=broken(name))
    assert {k: failed_properties(r) for k, r in universal.items()} == want_universal
    for r in universal.values():  # each failure names the observation that decided it
        assert all(m.field in want_universal[r.scenario] and m.text for m in r.mismatches)
    if want_contract is not None:
        contract = run(tmp_path, "plainmic", "contract", embed=broken(name))
        assert {k for k, r in contract.items() if r.outcome == "fail"} == want_contract


def test_one_text_for_every_failure_fails_across_the_run_only(tmp_path: Path) -> None:
    universal = run(tmp_path, "plainmic", "universal", embed=broken("one-text"))
    assert all(r.outcome == "pass" for r in universal.values())  # each told, in words
    (apart,) = failures_told_apart(list(universal.values()))
    assert apart["verdict"] == "fail" and "Voice is unavailable right now." in apart["observation"]


def test_asking_without_activation_fails_that_property(tmp_path: Path) -> None:
    # In Firefox: in Chromium, Playwright's evaluate runs with a user gesture, so the harness's own
    # probes renew the page's activation (contract/engine-facts.yaml, chromium-probe-renews-activation).
    cells = CELLS.split("  - id: v-refuse-again")[0]
    (r,) = run(tmp_path, "plainmic", "universal", embed=broken("no-activation"), cells=cells, engine="firefox").values()
    assert failed_properties(r) == ["access-needs-activation"]
    assert "without user activation" in r.mismatches[0].text


def test_the_snapshot_judge_moves_the_cells_the_break_touches(tmp_path: Path) -> None:
    from harness.snapshot import judge as by_snapshot
    from harness.snapshot import load, take

    base = run(tmp_path, "plainmic", "snapshot", observe=True)
    path = tmp_path / "plainmic.yaml"
    take(path, list(base.values()), "plainmic", replace=True)
    baseline = load(path)
    moved = run(tmp_path, "plainmic", "snapshot", embed=broken("raw-error"), observe=True)
    judged = {k: by_snapshot(r, baseline) for k, r in moved.items()}
    assert {k for k, r in judged.items() if r.outcome == "fail"} == {"v-refuse-again", "v-no-device"}
    assert all(r.outcome != "stale-quirk" for r in judged.values())


def test_attribute_only_and_speech_builds_under_the_universal_judge(tmp_path: Path) -> None:
    attr = run(tmp_path, "attrmic", "universal")
    for r in attr.values():
        assert r.outcome == "pass", r.explain()
    told = next(v for v in attr["v-no-device"].verdicts if v["id"] == "failure-told")
    assert "No microphone found" in told["observation"]  # told by the button's name: no text at all
    assert attr["v-allow-stop"].seen["text"] == ""
    speech = run(tmp_path, "speechmic", "universal", cells=CELLS.replace("gum_calls: 1", "present: true"))
    refused = speech["v-refuse-again"]
    assert refused.outcome == "pass", refused.explain()
    assert refused.seen["speech"][0]["outcome"] == "not-allowed" and refused.seen["gum"] == []
    by_id = {v["id"]: v for v in refused.verdicts}
    assert by_id["failure-told"]["verdict"] == "pass" and "not-allowed" in by_id["failure-told"]["observation"]
    assert by_id["no-reprompt-after-refusal"]["verdict"] == "pass"
