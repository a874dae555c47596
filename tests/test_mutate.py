"""spelo-harness mutate: Stryker's mutants, the harness's switch, the review of equivalents."""
from __future__ import annotations

import json

import pytest

from harness import mutate
from harness.mutate import Mutant, _mutant, mark_equivalents, serve_switch

SOURCE = ["var a = 1;", "if (a === 1) { go(); }", "done();"]


def test_a_mutant_carries_its_line_and_diff():
    m = _mutant({"id": "7", "mutator": "EqualityOperator", "replacement": "a !== 1",
                 "location": {"start": {"line": 1, "column": 4}, "end": {"line": 1, "column": 11}}}, SOURCE)
    assert (m.line, m.original) == (2, "a === 1")
    assert m.diff == "- if (a === 1) { go(); }\n+ if (a !== 1) { go(); }"


def test_the_served_build_sets_the_active_mutant_before_the_widget(tmp_path):
    served = tmp_path / "w.js"
    serve_switch(served, "widget();", "12")
    first, rest = served.read_text().split("\n", 1)
    assert 's.activeMutant="12"' in first and f"s.hitLimit={mutate.HIT_LIMIT}" in first and rest == "widget();"
    serve_switch(served, "widget();", None)
    assert "activeMutant" not in served.read_text()


def test_only_reviewed_survivors_become_equivalent():
    survivor = Mutant(id="1", mutator="StringLiteral", replacement='""', line=3, original='"x"', status="survived")
    killed = Mutant(id="2", mutator="StringLiteral", replacement='""', line=3, original='"x"', status="killed")
    other = Mutant(id="3", mutator="StringLiteral", replacement='""', line=4, original='"y"', status="survived")
    mark_equivalents([survivor, killed, other], [{"mutator": "StringLiteral", "original": '"x"',
                                                  "replacement": '""', "reason": "a log line nobody reads"}])
    assert (survivor.status, survivor.equivalent) == ("equivalent", "a log line nobody reads")
    assert killed.status == "killed" and other.status == "survived"
    elsewhere = Mutant(id="4", mutator="StringLiteral", replacement='""', line=9, original='"x"', status="survived",
                       context="log(\"x\");")
    mark_equivalents([elsewhere], [{"mutator": "StringLiteral", "original": '"x"', "replacement": '""',
                                    "context": 'show("x");', "reason": "only on that line"}])
    assert elsewhere.status == "survived"  # the same text on another line was not reviewed


def test_the_reviewed_equivalents_file_is_well_formed():
    for row in mutate.load_equivalents():
        assert row["reason"].strip()


@pytest.mark.skipif(not mutate.INSTRUMENTER.is_dir(), reason="Stryker's instrumenter not installed (bash scripts/setup.sh)")
def test_mutate_runs_a_sample_against_one_cell(run_cli, tmp_path):
    out = run_cli("mutate", "-k", "appearance-defaults", "--sample", "4", "--budget", "240",
                  "--output", str(tmp_path / "m"), timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    rep = json.loads((tmp_path / "m" / "mutation.json").read_text())
    assert len(rep["mutants"]) == 4 and sum(rep["counts"].values()) == 4
    assert "mutation score" in out.stdout
    assert all(m["status"] != "survived" or m["diff"] for m in rep["mutants"])
    assert "Mutation score" in (tmp_path / "m" / "mutation.html").read_text()


def test_bad_input_is_a_usage_error(run_cli, tmp_path):
    assert run_cli("mutate", "--budget", "0").returncode == 2
    out = run_cli("mutate", "--widget", str(tmp_path / "nope.js"))
    assert out.returncode == 2 and "--widget: no such file" in out.stderr
