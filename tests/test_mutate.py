"""spelo-harness mutate: Stryker's mutants, the harness's switch, the review of equivalents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import json
import time
from pathlib import Path

import pytest

from harness import mutate
from harness.mutate import Mutant, _mutant, mark_equivalents, serve_switch
from harness.model import CellId

if TYPE_CHECKING:
    from conftest import RunCli

SOURCE = ["var a = 1;", "if (a === 1) { go(); }", "done();"]


def test_a_mutant_carries_its_line_and_diff() -> None:
    m = _mutant(
        {
            "id": "7",
            "mutator": "EqualityOperator",
            "replacement": "a !== 1",
            "location": {"start": {"line": 1, "column": 4}, "end": {"line": 1, "column": 11}},
        },
        SOURCE,
    )
    assert (m.line, m.original) == (2, "a === 1")
    assert m.diff == "- if (a === 1) { go(); }\n+ if (a !== 1) { go(); }"


def test_the_served_build_sets_the_active_mutant_before_the_widget(tmp_path: Path) -> None:
    served = tmp_path / "w.js"
    serve_switch(served, "widget();", ["12", "40"])
    first, rest = served.read_text().split("\n", 1)
    assert 's.activeMutants={"12":true,"40":true}' in first and rest == "widget();"
    assert f"s.hitLimit={2 * mutate.HIT_LIMIT}" in first and "s.activeHits={}" in first
    serve_switch(served, "widget();", None)
    assert "activeMutant" not in served.read_text()


def test_only_reviewed_survivors_become_equivalent() -> None:
    survivor = Mutant(id="1", mutator="StringLiteral", replacement='""', line=3, original='"x"', status="survived")
    killed = Mutant(id="2", mutator="StringLiteral", replacement='""', line=3, original='"x"', status="killed")
    other = Mutant(id="3", mutator="StringLiteral", replacement='""', line=4, original='"y"', status="survived")
    mark_equivalents(
        [survivor, killed, other],
        [{"mutator": "StringLiteral", "original": '"x"', "replacement": '""', "reason": "a log line nobody reads"}],
    )
    assert (survivor.status, survivor.equivalent) == ("equivalent", "a log line nobody reads")
    assert killed.status == "killed" and other.status == "survived"
    elsewhere = Mutant(id="4", mutator="StringLiteral", replacement='""', line=9, original='"x"', status="survived", context='log("x");')
    mark_equivalents(
        [elsewhere],
        [{"mutator": "StringLiteral", "original": '"x"', "replacement": '""', "context": 'show("x");', "reason": "only on that line"}],
    )
    assert elsewhere.status == "survived"  # the same text on another line was not reviewed


def test_the_reviewed_equivalents_file_is_well_formed() -> None:
    for row in mutate.load_equivalents():
        assert row["reason"].strip()


def literal_and_three_cells() -> tuple[Mutant, Any]:
    """A string mutant, and the odds of three cells: a cheap one, a dearer one, and a dear one
    whose expectations hold the mutant's text."""
    from harness.mutate_plan import Odds
    from harness.mutate_workers import CellCost

    m = Mutant(id="9", mutator="StringLiteral", replacement='""', line=20, original='"No microphone found."')
    costs = {
        "cheap[chromium]": CellCost("cheap", "chromium", "pass", seconds=1.0, wanted="Talk to us"),
        "near[chromium]": CellCost("near", "chromium", "pass", seconds=3.0, wanted="Listening"),
        "wants[webkit]": CellCost("wants", "webkit", "pass", seconds=9.0, wanted="No microphone found."),
    }
    return m, Odds(costs, lambda c: [1.0])


def test_a_literal_is_tried_first_where_it_is_expected_then_where_its_lines_were_killed() -> None:
    m, odds = literal_and_three_cells()
    other = Mutant(id="1", mutator="X", replacement="y", line=400, original="x")
    assert odds.likeliest(other, sorted(odds.costs)) == "cheap[chromium]"  # nothing known: the cheapest
    assert odds.likeliest(m, sorted(odds.costs)) == "wants[webkit]"  # its expectations hold the text this mutant changes
    odds.judged(Mutant(id="k21", mutator="X", replacement="y", line=21, original="x"), "near[chromium]", killed=True)
    assert odds.likeliest(m, ["cheap[chromium]", "near[chromium]"]) == "near[chromium]"  # it failed a neighbour
    for i in range(3):  # then the cell that failed most
        odds.judged(Mutant(id=f"k{i}", mutator="X", replacement="y", line=100 + i, original="x"), "cheap[chromium]", killed=True)
    assert odds.likeliest(other, ["near[chromium]", "cheap[chromium]"]) == "cheap[chromium]"
    # ... unless it cleared a mutant on the lines around: then one not yet tried there goes first
    odds.judged(Mutant(id="c401", mutator="X", replacement="y", line=401, original="x"), "cheap[chromium]", killed=False)
    assert odds.likeliest(other, ["near[chromium]", "cheap[chromium]"]) == "near[chromium]"
    assert mutate.literal(m) == "No microphone found."
    assert mutate.literal(Mutant(id="1", mutator="StringLiteral", replacement='"x"', line=1, original='""')) is None
    assert mutate.literal(Mutant(id="2", mutator="BlockStatement", replacement="{}", line=1, original='"abc"')) is None


def test_a_cell_wants_the_texts_its_expectations_compare_not_those_that_only_may_not_appear() -> None:
    from harness.mutate_workers import wanted_texts
    from harness.scenarios import load_all

    by_id = {sc.id: sc for sc in load_all([Path("scenarios")])}
    invalid = wanted_texts(by_id["invalid-site-id"], "chromium", "playwright").splitlines()
    assert "This voice assistant is misconfigured (invalid site id)." in invalid and "invalid" in invalid
    assert "Uncaught" not in invalid  # console_absent only notices a line appearing
    leave = wanted_texts(by_id["session-ends-on-leave"], "chromium", "playwright").splitlines()
    assert "listening" in leave  # an expect step's (before the reload) ...
    assert "session_end" in leave  # ... and the final expectation's


def test_a_condition_made_false_is_tried_first_where_the_code_it_guards_ran() -> None:
    from harness.mutate_plan import Odds, guarded_cells
    from harness.mutate_workers import CellCost

    names = ("a", "b", "hangs-up")
    cells = [str(CellId(n, "chromium")) for n in names]
    never = Mutant(id="1", mutator="ConditionalExpression", replacement="false", line=10, original="s.live", cells=cells)
    always = Mutant(id="2", mutator="ConditionalExpression", replacement="true", line=10, original="s.live", cells=cells)
    body = Mutant(id="3", mutator="BlockStatement", replacement="{}", line=11, original="{ end(); }", cells=["hangs-up[chromium]"])
    far = Mutant(id="4", mutator="BlockStatement", replacement="{}", line=30, original="{ x(); }", cells=["b[chromium]"])
    guarded = guarded_cells([never, always, body, far])
    assert guarded == {"1": {"hangs-up[chromium]"}}  # only a false condition skips what it guards; line 30 is not its code
    costs = {c: CellCost(n, "chromium", "pass", seconds=t) for c, n, t in zip(cells, names, (1.0, 1.0, 5.0), strict=True)}
    odds = Odds(costs, lambda c: [1.0], guarded)
    assert odds.likeliest(never, cells) == "hangs-up[chromium]"
    assert odds.likeliest(always, cells) == "a[chromium]"  # the cheapest: every cell runs the condition


def test_the_odds_of_a_cell_lean_on_its_verdicts_around_a_mutant_and_its_cost_on_its_runs() -> None:
    m, odds = literal_and_three_cells()
    assert odds.odds(m, "cheap[chromium]") == 0.5  # never tried: one half
    for line in (19, 21, 22):  # the cheap cell passed its neighbours, the near one failed them
        odds.judged(Mutant(id=f"n{line}", mutator="X", replacement="y", line=line, original="x"), "cheap[chromium]", killed=False)
        odds.judged(Mutant(id=f"k{line}", mutator="X", replacement="y", line=line, original="x"), "near[chromium]", killed=True)
    assert odds.odds(m, "near[chromium]") > 0.5 > odds.odds(m, "cheap[chromium]")
    assert odds.odds(m, "wants[webkit]") >= 0.8  # its expectations hold the text this mutant changes
    assert odds.seconds("wants[webkit]", 0.0) == 9.0 and odds.seconds("wants[webkit]", 1.0) == 10.0  # + the bound
    for _ in range(3):  # its runs with mutants turn out cheap
        odds.ran("wants[webkit]", failed=False, seconds=0.5)
        odds.ran("wants[webkit]", failed=True, seconds=1.0)
    assert odds.seconds("wants[webkit]", 0.5) == 0.75
    before = odds.odds(m, "near[chromium]")
    odds.judged(m, "cheap[chromium]", killed=False)  # a mutant that outlived one cell is likelier to outlive the next
    assert odds.odds(m, "near[chromium]") < before


@pytest.mark.skipif(not mutate.INSTRUMENTER.is_dir(), reason="Stryker's instrumenter not installed (bash scripts/setup.sh)")
@pytest.mark.timeout(900)  # a coverage pass over some 30 cells, then 3 mutants
def test_mutate_runs_as_users_run_it(run_cli: RunCli, tmp_path: Path) -> None:
    """From the CLI, every scenario file, every engine usable here, a small sample: skipped cells,
    cells that leave their page and cells that fail without a mutant all pass through it. Some
    scenarios of each file (-k), not all 197 cells: the coverage pass over the whole catalog is
    what `mutate` measures (the weekly workflow), not what this test is for."""
    from harness import paths
    from harness.scenarios import load_all

    some = [
        "orb-is-named-button",  # accessibility.yaml
        "no-device",  # devices.yaml (and axe-no-device)
        "iframe-same-origin",  # iframes.yaml
        "blocked-prompt",  # microphone.yaml: a quirk in Firefox
        "mobile",  # mobile.yaml: a skipped cell, and one that follows a link off its page
        "fallback-link-loads",  # notice-and-config.yaml: leaves its page
        "granted-persists-reload",  # persistence.yaml: reloads
        "enterprise-policy-blocks",  # policy.yaml
        "session-hang-up",  # session.yaml: a limit in WebKitGTK
    ]
    out = run_cli(
        "mutate", "--sample", "3", "--budget", "60", "--workers", "2", "-k", ",".join(some), "--output", str(tmp_path / "m"), timeout=2400
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "Traceback" not in out.stdout + out.stderr
    rep = json.loads((tmp_path / "m" / "mutation.json").read_text())
    assert len(rep["mutants"]) == 3 and sum(rep["counts"].values()) == 3
    assert set(rep["engines"]) | set(rep["engines_not_run"]) == {"chromium", "firefox", "webkit"}
    ran = {CellId.parse(c).scenario for c in [*rep["cells"], *rep["cells_failing_without_mutant"]]}
    files = {Path(sc.source.rsplit(":", 1)[0]).name for sc in load_all([paths.SCENARIO_DIR]) if sc.id in ran}
    assert files == {p.name for p in paths.SCENARIO_DIR.glob("*.yaml")}, "every scenario file took part"
    assert any(line.startswith("mutation score ") for line in out.stdout.splitlines())
    assert all(m["status"] != "survived" or (m["diff"] and m["cells"]) for m in rep["mutants"])
    assert "Mutation score" in (tmp_path / "m" / "mutation.html").read_text()


def test_bad_input_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("mutate", "--budget", "0").returncode == 2
    out = run_cli("mutate", "--fail-under", "150")
    assert out.returncode == 2 and "--fail-under: expected a percentage" in out.stderr
    out = run_cli("mutate", "--workers", "0")
    assert out.returncode == 2 and "--workers: expected a number" in out.stderr
    out = run_cli("mutate", "--widget", str(tmp_path / "nope.js"))
    assert out.returncode == 2 and "--widget: no such file" in out.stderr


def fake_cell(fails_with: set[str], flaky_runs: int = 0, readable: bool = True) -> tuple[Any, list[list[str]]]:
    """A cell that fails when any of `fails_with` is in the group; every member's code runs. Its
    first `flaky_runs` runs fail on their own, with none of the group's code run."""
    from harness.mutate_workers import Hits

    calls: list[list[str]] = []

    def run(group: list[str]) -> tuple[bool, bool, Hits, int | None]:
        calls.append(list(group))
        hits = Hits()
        hits.readable = readable
        if len(calls) <= flaky_runs:
            return True, False, hits, 0
        hits.ran = set(group) if readable else set()
        failed = bool(fails_with & set(group))
        return failed, False, hits, (1 if failed else None)

    return run, calls


def test_a_group_is_split_until_each_member_that_fails_the_cell_is_found() -> None:
    from harness.mutate_workers import judge_group

    members = [str(i) for i in range(1, 17)]
    run, calls = fake_cell({"3", "11"})
    v = judge_group(run, "allow[chromium]", members, stop_at=time.time() + 60)
    assert v.killed == {"3": "killed", "11": "killed"}
    assert sorted(v.cleared, key=int) == [m for m in members if m not in ("3", "11")]
    assert v.runs == len(calls) < len(members)  # fewer runs than one per member
    assert all(len(c) == 1 for c in calls if c in (["3"], ["11"]))


def test_only_members_whose_code_ran_are_cleared_or_blamed() -> None:
    from harness.mutate_workers import judge_group

    # "5" failed the cell; "7" never ran with the group (the others changed its path): it is tried
    # again without them, where it runs and passes.
    runs: list[list[str]] = []

    def run(group: list[str]) -> tuple[bool, bool, Any, int | None]:
        from harness.mutate_workers import Hits

        runs.append(group)
        hits = Hits()
        hits.readable = True
        hits.ran = {m for m in group if m != "7" or group == ["7"]}
        return "5" in hits.ran, False, hits, (2 if "5" in hits.ran else None)

    v = judge_group(run, "c[webkit]", ["5", "6", "7"], stop_at=time.time() + 60)
    assert v.killed == {"5": "killed"} and sorted(v.cleared) == ["6", "7"]
    assert v.failed_at == {"5": 2}  # the step its run failed at
    assert ["7"] in runs


def test_a_failure_with_no_member_run_is_the_cell_not_a_kill() -> None:
    from harness.mutate_workers import judge_group

    run, calls = fake_cell(set(), flaky_runs=1)
    v = judge_group(run, "c[firefox]", ["1", "2"], stop_at=time.time() + 60)
    assert v.killed == {} and sorted(v.cleared) == ["1", "2"] and v.flaky == 1 and len(calls) == 2


def test_an_unreadable_page_counts_every_member_as_run() -> None:
    from harness.mutate_workers import judge_group

    run, calls = fake_cell({"2"}, readable=False)
    v = judge_group(run, "c[chromium]", ["1", "2", "3", "4"], stop_at=time.time() + 60)
    assert v.killed == {"2": "killed"} and sorted(v.cleared) == ["1", "3", "4"]
    assert calls[0] == ["1", "2", "3", "4"] and ["2"] in calls  # found by halving, not by hits


def test_out_of_budget_members_are_untested() -> None:
    from harness.mutate_workers import judge_group

    run, calls = fake_cell({"1"})
    v = judge_group(run, "c[chromium]", ["1", "2"], stop_at=time.time() - 1)
    assert v.untested == ["1", "2"] and not calls


def test_the_plan_tries_each_mutant_alone_then_in_groups_until_every_cell_cleared_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness import mutate_plan
    from harness.mutate_plan import Plan
    from harness.mutate_workers import CellCost, CellVerdict

    monkeypatch.setattr(mutate_plan, "ALONE_TRIES", 1)

    costs = {str(CellId(s, "chromium")): CellCost(s, "chromium", "pass", seconds=1.0) for s in ("a", "b", "c")}
    mutants = [Mutant(id=str(i), mutator="X", replacement="y", line=10 * i, original="x", cells=sorted(costs)) for i in (1, 2, 3)]
    plan = Plan(mutants, costs, stop_at=time.time() + 60)
    for cell in ("b[chromium]", "c[chromium]"):  # b and c have passed many mutants elsewhere: a group there likely passes
        for i in range(20):
            plan.odds.judged(Mutant(id=f"x{i}", mutator="X", replacement="y", line=500 + 10 * i, original="x"), cell, killed=False)
    tasks = plan.tasks(mutants)
    alone = [next(tasks) for _ in range(3)]
    assert [t[4] for t in alone] == [["1"], ["2"], ["3"]] and {t[1] for t in alone} == {"a"}
    plan.take(CellVerdict("a[chromium]", killed={"1": "killed"}))
    plan.take(CellVerdict("a[chromium]", cleared=["2", "3"]))
    group = next(tasks)
    assert group[4] == ["2", "3"] and group[1] in ("b", "c")
    plan.take(CellVerdict(f"{group[1]}[chromium]", cleared=["2"], killed={"3": "killed"}))
    last = next(tasks)
    assert last[4] == ["2"] and next(tasks, None) is None
    decided = plan.take(CellVerdict(f"{last[1]}[chromium]", cleared=["2"]))
    assert [m.status for m in mutants] == ["killed", "survived", "killed"] and decided == [mutants[1]]
    assert mutants[0].killed_by == "a[chromium]" and plan.runs["alone"] == 4 and plan.runs["group"] == 1


def test_a_mutant_a_cell_is_likely_to_fail_is_tried_there_alone_not_in_a_group() -> None:
    from harness.mutate_plan import Plan
    from harness.mutate_workers import CellCost

    costs = {"a[chromium]": CellCost("a", "chromium", "pass", seconds=1.0)}
    mutants = [Mutant(id=str(i), mutator="X", replacement="y", line=i, original="x", cells=["a[chromium]"]) for i in (1, 2, 3)]
    plan = Plan(mutants, costs, stop_at=time.time() + 60)
    for i in range(10):  # a killed every mutant it faced
        plan.odds.judged(Mutant(id=f"k{i}", mutator="X", replacement="y", line=100 + i, original="x"), "a[chromium]", killed=True)
    tasks = plan.tasks([])  # no first round: straight to groups
    assert [next(tasks)[4] for _ in range(3)] == [["1"], ["2"], ["3"]]


def test_each_step_of_a_mutant_s_cell_is_bounded_by_what_it_took_without_one() -> None:
    from harness.mutate_workers import step_waits

    phases = {"navigation": 0.4, "step 1: click orb": 0.2, "step screenshots": 0.1, "step 2: accept_notice": 3.1, "expect": 0.3}
    assert step_waits(phases, 2) == [0.2, 3.1, 0.3]
    assert step_waits({"step 1: click orb": 0.2}, 2) == [0.2, 0.0, 0.0]  # a step not reached: the bound's constant


# The orb shows 2 s after the page loads: a step bounded by 0.5 s fails in that time, and the
# scenario's own 8 s bound still holds for the steps given none.
LATE_JS = """customElements.define("late-voice", class extends HTMLElement {
  connectedCallback() {
    const r = this.attachShadow({ mode: "open" });
    setTimeout(() => { r.innerHTML = '<button class="go">Talk</button>'; }, 2000);
  }
});"""
LATE_CELLS = """scenarios:
  - id: late
    title: "The orb comes late"
    timeout_s: 8
    steps:
      - click: orb
    expect: {state: idle}
"""


def test_the_runner_bounds_each_step_s_waits_where_told(tmp_path: Path) -> None:
    from one_button import profile

    from harness.runner import Harness, RunOptions
    from harness.scenarios import load_file

    widget, cells = tmp_path / "late.js", tmp_path / "late.yaml"
    widget.write_text(LATE_JS, encoding="utf-8")
    cells.write_text(LATE_CELLS, encoding="utf-8")
    sc = load_file(cells)[0]
    with Harness(RunOptions(output_dir=tmp_path / "out", widget=widget, profile=profile("late", "late-voice"), screenshots="none")) as h:
        bounded = h.run_cell(sc, "chromium", bounds=[0.5, 1.0])
        unbounded = h.run_cell(sc, "chromium")
    assert bounded.outcome.failing and "did not become visible within 0.5 s" in (bounded.reason or ""), bounded.reason
    assert bounded.phases["step 1: click orb"] < 1.5, bounded.phases
    assert unbounded.outcome.value == "pass", unbounded.explain()


# A build whose "instrumentation" marks one id as its page loads and another only as the page goes
# away (as the reference ends a session in its pagehide handler).
LEAVING_JS = """(function () {
  var s = globalThis.__stryker__ = globalThis.__stryker__ || {};
  var cov = s.mutantCoverage = s.mutantCoverage || {static: {}, perTest: {}};
  cov.static["on-load"] = 1;
  addEventListener("pagehide", function () { cov.static["on-leave"] = 1; });
  customElements.define("leaving-voice", class extends HTMLElement {
    connectedCallback() { this.attachShadow({ mode: "open" }).innerHTML = '<button class="go">Talk</button>'; }
  });
})();"""
LEAVING_CELLS = """scenarios:
  - id: leaves
    title: "The visitor reloads the page"
    steps:
      - reload
    expect: {state: idle}
"""


def test_code_that_runs_as_the_page_goes_away_counts_as_reached(tmp_path: Path) -> None:
    from one_button import profile

    from harness.mutate_workers import Coverage
    from harness.runner import Harness, RunOptions
    from harness.scenarios import load_file

    widget, cells = tmp_path / "leaving.js", tmp_path / "leaving.yaml"
    widget.write_text(LEAVING_JS, encoding="utf-8")
    cells.write_text(LEAVING_CELLS, encoding="utf-8")
    cov = Coverage()
    options = RunOptions(output_dir=tmp_path / "out", widget=widget, profile=profile("leaving", "leaving-voice"), screenshots="none")
    with Harness(options) as h:
        r = h.run_cell(load_file(cells)[0], "chromium", [cov])
    assert r.outcome.value == "pass", r.explain()
    assert cov.covered == {"on-load", "on-leave"}


QUIET_CELLS = """scenarios:
  - id: quiet
    title: "The page never logs what the cell waits for"
    timeout_s: 8
    steps:
      - click: orb
    expect: {state: idle, console: ["never logged"]}
"""


def test_a_wrong_page_at_rest_is_judged_after_the_rest_it_is_given(tmp_path: Path) -> None:
    from one_button import profile

    from harness.runner import Harness, RunOptions
    from harness.scenarios import load_file

    widget, cells = tmp_path / "quiet.js", tmp_path / "quiet.yaml"
    widget.write_text(LEAVING_JS.replace("leaving-voice", "quiet-voice"), encoding="utf-8")
    cells.write_text(QUIET_CELLS, encoding="utf-8")
    sc = load_file(cells)[0]
    with Harness(RunOptions(output_dir=tmp_path / "out", widget=widget, profile=profile("quiet", "quiet-voice"), screenshots="none")) as h:
        quick = h.run_cell(sc, "chromium", bounds=[5.0, 5.0], rests=[0.3, 0.3])
        usual = h.run_cell(sc, "chromium", bounds=[5.0, 5.0])
    assert "nothing changed for 0.3 s" in (quick.reason or ""), quick.reason
    assert "nothing changed for 2 s" in (usual.reason or ""), usual.reason


def test_a_quick_step_judges_a_wrong_page_at_rest_sooner_than_a_long_one() -> None:
    from harness.mutate_plan import QUICK_REST_S, Plan
    from harness.mutate_workers import CellCost

    plan = Plan([], {"allow[chromium]": CellCost("allow", "chromium", "pass", waits=[0.05, 2.0])}, time.time() + 60)
    assert plan.rests_of("allow[chromium]") == [QUICK_REST_S, None]  # None: the runner's own REST_S


def test_a_mutant_left_alive_is_tried_alone_again_on_its_next_likeliest_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness import mutate_plan
    from harness.mutate_plan import Plan
    from harness.mutate_workers import CellCost, CellVerdict

    monkeypatch.setattr(mutate_plan, "ALONE_TRIES", 3)
    costs = {str(CellId(s, "chromium")): CellCost(s, "chromium", "pass", seconds=n) for s, n in (("a", 1.0), ("b", 2.0), ("c", 3.0))}
    mutants = [Mutant(id=str(i), mutator="X", replacement="y", line=10 * i, original="x", cells=sorted(costs)) for i in (1, 2)]
    plan = Plan(mutants, costs, stop_at=time.time() + 60)
    tasks = plan.tasks(mutants)
    first = [next(tasks) for _ in range(2)]
    assert [(t[1], t[4]) for t in first] == [("a", ["1"]), ("a", ["2"])]  # nothing known yet: the cheapest
    plan.take(CellVerdict("a[chromium]", cleared=["1"]))
    plan.take(CellVerdict("a[chromium]", cleared=["2"]))
    second = [next(tasks) for _ in range(2)]
    assert [(t[1], t[4]) for t in second] == [("b", ["1"]), ("b", ["2"])]  # alone again, not a group
    plan.take(CellVerdict("b[chromium]", killed={"1": "killed"}))
    plan.take(CellVerdict("b[chromium]", cleared=["2"]))
    third = next(tasks)
    assert (third[1], third[4]) == ("c", ["2"])
    assert plan.take(CellVerdict("c[chromium]", cleared=["2"])) == [mutants[1]] and next(tasks, None) is None
    assert [m.status for m in mutants] == ["killed", "survived"] and plan.runs["alone"] == 5 and plan.runs["group"] == 0


def test_a_kill_at_a_bound_below_what_its_cell_takes_without_mutants_is_reopened() -> None:
    from harness.mutate_plan import LONG_STEP_S, SAMPLES, Plan
    from harness.mutate_workers import CellCost, CellVerdict

    # The coverage pass saw "allow" connect in 0.3 s; its second run without mutants takes 2.3 s.
    costs = {str(CellId(s, "chromium")): CellCost(s, "chromium", "pass", seconds=1.0, waits=[0.05, 0.3]) for s in ("allow", "deny")}
    mutants = [Mutant(id=str(i), mutator="X", replacement="y", line=10 * i, original="x", cells=sorted(costs)) for i in (1, 2, 3)]
    plan = Plan(mutants, costs, stop_at=time.time() + 60)
    assert plan.bounds_of("allow[chromium]") == [0.85, 1.35] and 0.3 >= LONG_STEP_S
    tasks = plan.tasks(mutants)
    assert next(tasks)[4] == ["1"]
    bounds = plan.bounds_of("allow[chromium]")
    plan.take(CellVerdict("allow[chromium]", killed={"1": "killed"}, bounds=bounds, failed_at={"1": 1}))  # at the connect
    plan.take(CellVerdict("allow[chromium]", killed={"2": "killed"}, bounds=bounds, failed_at={"2": 0}))  # at a short step
    assert mutants[0].status == "killed" and set(plan.provisional) == {"1"}
    calibration = next(tasks)
    assert calibration == ("cover", "allow", "chromium")  # before any more mutants
    slower = CellCost("allow", "chromium", "pass", seconds=2.5, waits=[0.04, 2.3])
    assert plan.calibrated(slower) == [mutants[0]]
    assert mutants[0].status == "not run (budget)" and plan.pending["1"] == set(costs) and mutants[1].status == "killed"
    assert plan.odds.cells["allow[chromium]"].kills == 1  # the reopened kill no longer counts for the cell
    assert plan.bounds_of("allow[chromium]") == [0.85, 5.35] and plan.samples["allow[chromium]"] == 2 < SAMPLES
    # A run without mutants that fails on its own is no sample.
    assert plan.calibrated(CellCost("allow", "chromium", "fail", waits=[0.04, 9.0])) == []
    assert plan.bounds_of("allow[chromium]") == [0.85, 5.35]


def test_a_long_step_is_bounded_by_its_slowest_engine_where_the_steps_line_up() -> None:
    from harness.mutate_plan import Plan
    from harness.mutate_workers import CellCost

    costs = {
        "allow[chromium]": CellCost("allow", "chromium", "pass", waits=[0.05, 0.9]),  # caught the short Listening
        "allow[firefox]": CellCost("allow", "firefox", "pass", waits=[0.1, 2.0]),  # ... or waited for the second one
        "allow[webkit]": CellCost("allow", "webkit", "pass", waits=[0.3]),  # another path: its steps do not line up
        "deny[chromium]": CellCost("deny", "chromium", "pass", waits=[0.05, 3.0]),  # another scenario
    }
    plan = Plan([], costs, stop_at=time.time() + 60)
    assert plan.natural["allow[chromium]"] == [0.05, 2.0]  # the short step keeps its own time
    assert plan.natural["allow[firefox]"] == [0.1, 2.0] and plan.natural["allow[webkit]"] == [0.3]
    # A slower run of one engine raises its siblings' long steps too.
    plan.calibrated(CellCost("allow", "firefox", "pass", waits=[0.1, 2.5]))
    assert plan.natural["allow[chromium]"] == [0.05, 2.5] and plan.natural["deny[chromium]"] == [0.05, 3.0]


def test_the_plan_waits_for_a_calibration_that_could_reopen_a_kill_before_it_ends() -> None:
    from harness.mutate_plan import Plan
    from harness.mutate_workers import CellCost, CellVerdict

    costs = {"allow[chromium]": CellCost("allow", "chromium", "pass", seconds=1.0, waits=[0.05, 0.3])}
    mutants = [Mutant(id="1", mutator="X", replacement="y", line=10, original="x", cells=list(costs))]
    plan = Plan(mutants, costs, stop_at=time.time() + 60)
    tasks = plan.tasks(mutants)
    assert next(tasks)[4] == ["1"]
    plan.take(CellVerdict("allow[chromium]", killed={"1": "killed"}, bounds=plan.bounds_of("allow[chromium]"), failed_at={"1": 1}))
    assert next(tasks) == ("cover", "allow", "chromium")
    assert next(tasks) == ("wait",)  # nothing to hand out, but the kill may yet be reopened
    plan.calibrated(CellCost("allow", "chromium", "pass", waits=[0.05, 2.3]))
    again = next(tasks)
    assert again[0] == "cell" and again[4] == ["1"] and again[3] == plan.bounds_of("allow[chromium]")
    plan.take(CellVerdict("allow[chromium]", cleared=["1"]))
    assert next(tasks, None) is None and mutants[0].status == "survived"
