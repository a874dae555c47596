"""spelo-harness mutate: Stryker's mutants, the harness's switch, the review of equivalents."""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
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
    serve_switch(served, "widget();", "12")
    first, rest = served.read_text().split("\n", 1)
    assert 's.activeMutant="12"' in first and f"s.hitLimit={mutate.HIT_LIMIT}" in first and rest == "widget();"
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


@pytest.mark.skipif(not mutate.INSTRUMENTER.is_dir(), reason="Stryker's instrumenter not installed (bash scripts/setup.sh)")
@pytest.mark.timeout(2700)  # the coverage pass is every cell of the catalog in every engine
def test_a_literal_is_tried_first_where_it_showed_then_where_its_lines_were_killed() -> None:
    from collections import Counter

    from harness.mutate_workers import CellCost

    m = Mutant(id="9", mutator="StringLiteral", replacement='""', line=20, original='"No microphone found."')
    costs = {
        "cheap[chromium]": CellCost("cheap", "chromium", "pass", seconds=1.0, shown="Talk to us"),
        "near[chromium]": CellCost("near", "chromium", "pass", seconds=3.0, shown="Listening"),
        "shows[webkit]": CellCost("shows", "webkit", "pass", seconds=9.0, shown="No microphone found."),
    }
    kills_at = {21: Counter({"near[chromium]": 1})}
    order = sorted(costs, key=lambda c: mutate.likely_killers(m, c, costs[c], Counter(), kills_at))
    assert order == ["shows[webkit]", "near[chromium]", "cheap[chromium]"]
    assert mutate.literal(m) == "No microphone found."
    assert mutate.literal(Mutant(id="1", mutator="StringLiteral", replacement='"x"', line=1, original='""')) is None
    assert mutate.literal(Mutant(id="2", mutator="BlockStatement", replacement="{}", line=1, original='"abc"')) is None


def test_mutate_runs_as_users_run_it(run_cli: RunCli, tmp_path: Path) -> None:
    """From the CLI, every scenario file, every engine usable here, a small sample: skipped cells,
    cells that leave their page and cells that fail without a mutant all pass through it."""
    from harness import paths
    from harness.scenarios import load_all

    out = run_cli("mutate", "--sample", "3", "--budget", "60", "--workers", "2", "--output", str(tmp_path / "m"), timeout=2400)
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
