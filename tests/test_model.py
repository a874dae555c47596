"""The one model of a cell (harness/model.py): outcomes keep their words through JSON and YAML,
the cell id has one text form and one parser, and no module of the harness restates the outcomes
or reads a cell's facts out of its wording."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml

from harness import paths
from harness.model import FAILING, CellId, Outcome, Stop, is_failing
from harness.results import Result, read_results, write_results
from harness.snapshot import diff, entry

PACKAGE = paths.ROOT / "harness"


def test_outcomes_keep_their_words_in_json_and_yaml(tmp_path: Path) -> None:
    # Words, as a file or a caller gives them: Result.__post_init__ makes them the enums.
    r = Result(scenario="blocked", engine="firefox", outcome="stale-quirk", stopped="crash")  # type: ignore[arg-type]
    assert r.outcome is Outcome.STALE_QUIRK and r.stopped is Stop.CRASH and not r.ok
    assert f"{r.outcome}" == "stale-quirk" and str(r.outcome) == "stale-quirk"
    assert yaml.safe_dump({"o": r.outcome, "s": r.stopped}) == "o: stale-quirk\ns: crash\n"
    write_results(tmp_path / "results.json", [r], {})
    raw = json.loads((tmp_path / "results.json").read_text())["results"][0]
    assert raw["outcome"] == "stale-quirk" and raw["stopped"] == "crash"
    back = read_results(tmp_path / "results.json").results[0]
    assert back.outcome is Outcome.STALE_QUIRK and back.stopped is Stop.CRASH


def test_the_failing_outcomes_are_defined_once() -> None:
    assert {o.value for o in FAILING} == {"fail", "stale-quirk"}
    assert [o for o in Outcome if o.failing] == [Outcome.FAIL, Outcome.STALE_QUIRK]
    assert is_failing("fail") and not is_failing("failed") and not is_failing("quirk")
    assert not Outcome.SKIPPED.ran and Outcome.LIMIT.ran


def test_an_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError):
        Result(scenario="a", engine="chromium", outcome="passed")  # type: ignore[arg-type]  # a word, refused


@pytest.mark.parametrize("text,cell", [("blocked[chromium]", CellId("blocked", "chromium")), ("a-2[webkit]", CellId("a-2", "webkit"))])
def test_a_cell_id_reads_back_as_it_was_written(text: str, cell: CellId) -> None:
    assert CellId.parse(text) == cell and str(cell) == text


@pytest.mark.parametrize("text", ["blocked", "blocked[]", "[chromium]", "Blocked[chromium]", "a[b][c]", "a[chromium] "])
def test_text_that_is_not_a_cell_id_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a cell"):
        CellId.parse(text)


def test_a_node_id_names_its_file_and_cell() -> None:
    assert CellId.of_nodeid("scenarios/mic.yaml::blocked[firefox]") == ("scenarios/mic.yaml", CellId("blocked", "firefox"))
    assert CellId.of_nodeid("tests/test_x.py::test_y[firefox]") is None
    assert CellId("a b/c", "webkit").slug == "a_b_c-webkit"


def test_a_snapshot_entry_reads_why_a_cell_stopped_from_its_field_not_its_wording() -> None:
    base = dict(scenario="blocked", engine="chromium", outcome="fail", observed={"state": "idle"})
    worded = Result(**base, reason="the browser crashed: but no field says so")  # type: ignore[arg-type]
    assert "stopped" not in entry(worded)
    typed = Result(**base, reason="Target closed", stopped=Stop.CRASH)  # type: ignore[arg-type]
    assert entry(typed)["stopped"] == "Target closed"


def test_a_move_names_its_field_without_reading_its_text() -> None:
    moves = diff(
        {"state": "idle", "peer": {"states": ["a"]}, "console": ["x"]}, {"state": "error", "peer": {"states": ["b"]}, "console": []}
    )
    assert [m.field for m in moves] == ["console", "peer.states", "state"]
    assert str(moves[-1]) == "state: was 'idle', now 'error'"


def _outcome_words() -> set[str]:
    return {o.value for o in Outcome}


def _restatements(path: Path) -> list[str]:
    """Comparisons of an `.outcome` with plain words, and tuples or sets made only of outcome
    words: each restates what model.py defines."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    words = _outcome_words()

    def plain(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return node.value in words
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return bool(node.elts) and all(isinstance(e, ast.Constant) and e.value in words for e in node.elts)
        return False

    # A file's vocabulary (a quirk's kind: Literal["quirk", "limit"]) is the file's, not a restatement.
    annotations = {id(n.slice) for n in ast.walk(tree) if isinstance(n, ast.Subscript)}
    for node in ast.walk(tree):
        if id(node) in annotations:
            continue
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Attribute) and s.attr == "outcome" for s in sides) and any(plain(s) for s in sides):
                found.append(f"{path.relative_to(paths.ROOT)}:{node.lineno}: an outcome compared with a plain word")
        elif isinstance(node, (ast.Tuple, ast.Set)) and len(node.elts) > 1 and plain(node):
            found.append(f"{path.relative_to(paths.ROOT)}:{node.lineno}: a set of outcome words")
    return found


def test_no_module_restates_the_outcomes() -> None:
    found = [line for f in sorted(PACKAGE.rglob("*.py")) if f.name != "model.py" for line in _restatements(f)]
    assert not found, "\n".join(found)


def test_the_guard_sees_a_restatement(tmp_path: Path) -> None:
    bad = paths.ROOT / "harness" / "_restates_for_test.py"  # beside the others, removed at once
    try:
        bad.write_text('FAILED = ("fail", "stale-quirk")\nok = r.outcome == "skipped"\n', encoding="utf-8")
        assert len(_restatements(bad)) == 2
    finally:
        bad.unlink()
