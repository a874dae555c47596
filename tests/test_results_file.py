"""The one reader of results files (harness/results.py), as gate, merge, soak and shard use it;
cell ids and slugs made in one place."""

from __future__ import annotations

from typing import Any

import json
from pathlib import Path

import pytest

from harness.model import Outcome
from harness import gate, merge, shard, soak
from harness.errors import UsageError
from harness.results import FORMAT, Result, ResultsError, cell_id, cell_slug, read_results, write_results


def test_cell_id_and_slug() -> None:
    assert cell_id("blocked-prompt", "firefox") == "blocked-prompt[firefox]"
    assert Result(scenario="a", engine="webkit", outcome=Outcome.PASS).cell_id == "a[webkit]"
    assert cell_slug("a b/c", "webkit") == "a_b_c-webkit"


BAD: dict[str, tuple[bytes | str | dict[str, Any], str]] = {
    "not-json": ("{", "not JSON"),
    "binary": (b"\xff\xfe\x00", "not a text file"),
    "foreign": ({"results": []}, "not a spelo-harness results file"),
    "not-a-list": ({"format": FORMAT, "results": {}}, '"results" must be a list'),
    "no-engine": ({"format": FORMAT, "results": [{"scenario": "a", "outcome": "pass"}]}, "missing or empty 'engine'"),
    "typed": (
        {"format": FORMAT, "results": [{"scenario": "a", "engine": "x", "outcome": "pass", "steps": [1]}]},
        "a[x]): an item of 'steps' has the wrong type",
    ),
}


def write(path: Path, content: bytes | str | dict[str, Any]) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(BAD))
def test_every_reader_refuses_or_ignores_a_bad_file_alike(tmp_path: Path, case: str) -> None:
    content, message = BAD[case]
    path = write(tmp_path / f"{case}.json", content)
    with pytest.raises(ResultsError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        read_results(path)
    assert issubclass(ResultsError, UsageError)  # cli.main: one line, exit 2
    with pytest.raises(UsageError, match="not JSON|not a text file|not a spelo|must be|missing|wrong type"):
        gate.load_results(path)
    with pytest.raises(merge.MergeError, match="^merge: "):
        merge.read(path)
    assert soak.read_outcomes(path) == {} and shard.known_durations(path) == {}  # no run, no durations


def test_every_reader_reads_a_good_file_alike(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_results(path, [Result(scenario="a", engine="chromium", outcome=Outcome.FAIL, reason="r", duration_s=2.5)], {"k": 1})
    f = read_results(path)
    assert [r.cell_id for r in f.results] == ["a[chromium]"] and f.meta == {"k": 1}
    assert list(gate.load_results(path)) == ["a[chromium]"]
    assert merge.read(path)[2] == {"k": 1}
    assert soak.read_outcomes(path) == {"a[chromium]": {"outcome": "fail", "reason": "r"}}
    assert shard.known_durations(path) == {"a[chromium]": 2.5}
