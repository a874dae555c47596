"""Profile version 2 without a browser: validation (one line naming file, line and field), what
a build without a notice step means for steps, state rules that matched nothing, text patterns."""

from __future__ import annotations

import sys
import subprocess
from pathlib import Path

import pytest

from harness import paths
from harness.profile import REFERENCE, REFERENCE_PROFILE_FILE, load_profile
from harness.expect import mismatches
from harness.scenarios import Expect, ScenarioError

SHADOW_PROFILE = paths.SITE_DIR / "spelo-shadow.profile.yaml"
ELEVENLABS_PROFILE = paths.ROOT / "profiles" / "elevenlabs-convai.profile.yaml"


def test_the_reference_profile_reads_as_before() -> None:
    assert load_profile(REFERENCE_PROFILE_FILE) == REFERENCE
    assert REFERENCE.selector("orb") == ".spelo-root >>> .spelo-orb"
    assert REFERENCE.state_attr == "data-state" and REFERENCE.state_rules == []


def test_the_repository_profiles_load() -> None:
    shadow = load_profile(SHADOW_PROFILE)
    assert shadow.root == "spelo-voice >>> spelo-panel >>> .spelo-root"
    eleven = load_profile(ELEVENLABS_PROFILE)
    assert eleven.state_attr is None and eleven.notice == ".terms" and eleven.fallback is None
    assert [r.state for r in eleven.state_rules][:2] == ["denied", "error"]


@pytest.mark.parametrize(
    "text, where",
    [
        ("state_attr: none\n", "p.yaml:1: (top): no state source: give state_attr or state_rules"),
        (
            "state_rules:\n  - {state: idle, visible: .a}\n  - {state: x, text: a, regex: b}\n",
            "p.yaml:3: state_rules[1]: a state rule has exactly one of: visible, part, text, regex, attribute, mic, all, any, not",
        ),
        ("state_rules:\n  - {state: idle, regex: '(unclosed'}\n", "p.yaml:2: state_rules[0].regex: not a valid pattern"),
        ("name: x\norb: 'a >>> '\n", "p.yaml:2: orb: 'a >>> ': every part around '>>>' needs a selector"),
        ("embed: '<x-w site=\"{{SITE}}\"></x-w>'\n", "p.yaml:1: embed: unknown placeholder {{SITE}}"),
        ("embed: '<x-w></x-w>'\n", "p.yaml:1: embed: the embed must load the build"),
        ("texts:\n  Listening:\n    regex: '['\n", "p.yaml:3: texts.Listening.pattern.regex: not a valid pattern"),
        ("name: x\nstate_colour: red\n", "p.yaml:2: state_colour: unknown field"),
    ],
)
def test_a_bad_profile_is_one_line_naming_file_line_and_field(tmp_path: Path, text: str, where: str) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_profile(p)
    assert str(e.value).startswith(str(tmp_path / where)), str(e.value)
    assert "\n" not in str(e.value)


def test_a_bad_profile_stops_the_run_with_exit_2_before_any_browser(tmp_path: Path) -> None:
    p = tmp_path / "bad.profile.yaml"
    p.write_text("name: x\nstate_rules:\n  - {state: idle}\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(paths.SCENARIO_DIR / "policy.yaml"), "--profile", str(p)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"spelo-harness: {p}:3: state_rules[0]: a state rule has exactly one of: visible, part, text, regex, attribute, mic, all, any, not"
    ]
    assert "sealed" not in proc.stderr and proc.stdout == ""


def test_notice_none_makes_the_notice_steps_not_applicable(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("notice: none\nfallback: none\n", encoding="utf-8")
    prof = load_profile(p)
    assert prof.selector("continue") is None and prof.selector("cancel") is None
    assert prof.selector("fallback") is None and prof.selector("orb") == ".spelo-root >>> .spelo-orb"
    assert REFERENCE.selector("continue") == ".spelo-root >>> .spelo-continue"


def test_page_parts_are_looked_up_from_the_document(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("root: acme-voice\nnotice: 'page: .consent >>> dialog'\n", encoding="utf-8")
    prof = load_profile(p)
    assert prof.notice is not None and prof.path(prof.notice) == ".consent >>> dialog"
    assert prof.path(prof.orb) == "acme-voice >>> .spelo-orb"


def test_an_unmatched_state_is_reported_with_the_texts_seen_never_passed() -> None:
    snap = {"present": True, "state": None, "state_unknown": True, "text": "An error occurred Copy ID Close"}
    misses = [m.text for m in mismatches(Expect(state="denied"), snap)]
    assert misses == ["state: no state rule of the profile matched; the visitor saw 'An error occurred Copy ID Close'"]
    assert mismatches(Expect(states_seen=["idle"]), snap)[0].text.startswith("state: no state rule")
    assert mismatches(Expect(state="denied"), {**snap, "state": "denied", "state_unknown": False}) == []


def test_texts_map_back_exactly_or_by_pattern(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("texts:\n  Listening: Listening now\n  Connecting…:\n    regex: 'Connecting( \\.\\.\\.)?'\n", encoding="utf-8")
    prof = load_profile(p)
    back = prof.to_reference(
        {
            "state": "x",
            "status": "Connecting ...",
            "tooltip": "Listening now",
            "text": "a Connecting b",
            "history": [{"state": "x", "status": "Connecting"}],
        }
    )
    assert back["status"] == "Connecting…" and back["tooltip"] == "Listening" and back["text"] == "a Connecting… b"
    assert back["history"] == [{"state": "x", "status": "Connecting…"}]


def test_the_host_pages_carry_the_profiles_embed_and_the_builds_folder_is_served() -> None:
    import urllib.error
    import urllib.request

    from harness.server import FixtureServer

    embed = load_profile(SHADOW_PROFILE).embed
    with FixtureServer(widget=paths.SITE_DIR / "spelo-shadow.js", embed=embed) as srv:
        site = srv.new_site(config={"color": "#123456"})

        def get(path: str) -> tuple[int, str]:
            try:
                with urllib.request.urlopen(srv.origins.url("localhost", path), timeout=10) as res:
                    return res.status, res.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, ""

        status, page = get(f"/index.html?site={site.site_id}")
        assert status == 200
        assert f'<spelo-voice data-site-id="{site.site_id}" data-api-base="{srv.origins.origin("api")}">' in page
        assert '<script src="/widget/spelo-shadow.js" async></script>' in page
        assert get("/widget/spelo.js")[0] == 200  # the file the build loads next to itself
        for bad in ("/widget/../pyproject.toml", "/widget/.%2e/pyproject.toml", "/widget/nope.js", "/widget/"):
            assert get(bad)[0] == 404, bad
    js_call = '<script src="{{WIDGET_SRC}}"></script><script>Acme.init({{SITE_CONFIG_JS}});</script>'
    with FixtureServer(widget=paths.SITE_DIR / "spelo-shadow.js", embed=js_call) as srv:
        site = srv.new_site(config={"greeting": "</script><b>hi</b> & bye"})
        with urllib.request.urlopen(srv.origins.url("localhost", f"/index.html?site={site.site_id}"), timeout=10) as res:
            page = res.read().decode()
        assert ('<script>Acme.init({"greeting": "\\u003c/script\\u003e\\u003cb\\u003ehi\\u003c/b\\u003e \\u0026 bye"});</script>') in page
    with FixtureServer() as srv:  # the reference: its script tag, as ever
        site = srv.new_site()
        with urllib.request.urlopen(srv.origins.url("localhost", f"/index.html?site={site.site_id}"), timeout=10) as res:
            page = res.read().decode()
        assert (
            f'<script src="/widget/spelo.js" data-site-id="{site.site_id}" data-api-base="{srv.origins.origin("api")}" async></script>'
        ) in page


def test_a_profile_marks_scenarios_not_applicable_and_the_cell_says_so(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from harness.runner import CellRun, RunOptions
    from harness.scenarios import load_all

    p = tmp_path / "p.yaml"
    p.write_text("name: acme\nnot_applicable:\n  'session-*': it speaks its own protocol\n", encoding="utf-8")
    prof = load_profile(p)
    assert prof.not_applicable_reason("session-hang-up") == "it speaks its own protocol"
    assert prof.not_applicable_reason("allow") is None
    sc = next(s for s in load_all([paths.SCENARIO_DIR / "session.yaml"]) if s.id == "session-hang-up")
    fake = SimpleNamespace(options=RunOptions(output_dir=tmp_path, profile=prof))  # no browser is reached
    r = CellRun(fake, sc, "chromium").run()  # type: ignore[arg-type]
    assert (r.outcome, r.reason) == ("skipped", "not applicable to acme: it speaks its own protocol")


COMPOUND = """version: 2
name: t
root: x-w
state_attr: none
notice: none
parts:
  start: .start
state_rules:
  - name: refused
    state: denied
    all: [{text: "Blocked"}, {mic: NotAllowedError}]
  - state: requesting
    all: [{text: "Blocked"}, {mic: pending}]
  - state: idle
    any: [{part: start}, {not: {visible: .busy}}]
flows:
  orb:
    - click: start
    - {click: orb, optional: true}
"""


def test_compound_rules_and_flows_load_and_name_their_rules(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(COMPOUND, encoding="utf-8")
    prof = load_profile(p)
    assert [r.label(i) for i, r in enumerate(prof.state_rules)] == [
        "refused",
        "rule 2: requesting if all(text 'Blocked', mic pending)",
        "rule 3: idle if any(part 'start', not visible '.busy')",
    ]
    assert [s.describe() for s in prof.flows["orb"]] == ["click start", "click orb (optional)"]
    assert '"cond": {"all": [{"text": "Blocked", "in": null}, {"mic": ["NotAllowedError"]}]}' in prof.probe_expression()
    assert '{"visible": "x-w >>> .start"}' in prof.probe_expression()


@pytest.mark.parametrize(
    "edit, where",
    [
        (("part: start", "part: stat"), "p.yaml:15: state_rules[2].any[0].part: unknown part 'stat' (this profile's parts:"),
        (("state: idle", "state: idel"), "p.yaml:14: state_rules[2].state: unknown state 'idel'"),
        (("- click: start", "- click: strat"), "p.yaml:18: flows.orb[0].click: unknown part 'strat'"),
        (("mic: pending", "mic: pendin"), "p.yaml:13: state_rules[1].all[1].mic: 'pendin' is not an outcome of a microphone"),
        (
            ('{text: "Blocked"}, {mic: N', '{text: "Blocked", regex: x}, {mic: N'),
            "p.yaml:11: state_rules[0].all[0]: a condition has exactly one of:",
        ),
        (("{not: {visible: .busy}}", "{nor: {visible: .busy}}"), "p.yaml:15: state_rules[2].any[1].nor: unknown field"),
        (("    - click: start\n", "    - {click: start, key: Enter}\n"), "p.yaml:18: flows.orb[0]: a flow step has exactly one of"),
        (("  orb:\n", "  ball:\n"), "p.yaml:17: flows: 'ball' is not a step a flow can stand for (orb, continue, cancel, fallback)"),
        (("  start: .start", "  orb: .start"), "p.yaml:7: parts: 'orb' is a part every profile has"),
    ],
)
def test_a_rule_or_flow_naming_what_the_profile_lacks_is_one_line(tmp_path: Path, edit: tuple[str, str], where: str) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(COMPOUND.replace(*edit, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_profile(p)
    assert str(e.value).startswith(str(tmp_path / where)), str(e.value)
    assert "\n" not in str(e.value)


def test_a_flow_naming_an_unknown_part_stops_the_run_with_exit_2_before_any_browser(tmp_path: Path) -> None:
    p = tmp_path / "bad.profile.yaml"
    p.write_text(COMPOUND.replace("- click: start", "- click: strat"), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(paths.SCENARIO_DIR / "policy.yaml"), "--profile", str(p)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"spelo-harness: {p}:18: flows.orb[0].click: unknown part 'strat' (this profile's parts: "
        "fallback, orb, root, start, status, tooltip)"
    ]
    assert proc.stdout == ""


def test_a_state_mismatch_names_the_rule_that_read_the_state() -> None:
    seen = {"present": True, "state": "requesting", "state_rule": "asking"}
    assert [m.text for m in mismatches(Expect(state="denied"), seen)] == [
        "state: expected 'denied', seen 'requesting' (read by the profile's rule 'asking')"
    ]
    assert mismatches(Expect(state="requesting"), seen) == []
