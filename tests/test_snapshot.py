"""Snapshots: record twice gives the same bytes; a reworded text fails exactly the cells that show
it, naming field, old and new value; approve takes it; a bad baseline is one line and exit 2
before any browser starts; what could not be observed moves like any other fact."""

from __future__ import annotations

from typing import Any, TYPE_CHECKING

import re
import shutil
from pathlib import Path

import pytest

from harness import paths, snapshot
from harness.observe import Normaliser
from harness.results import Result, StepRecord

if TYPE_CHECKING:
    from conftest import RunCli

# blocked-before shows the tooltip; insecure-origin does not; allow has a whole session (peer,
# tool call, analytics racing the tool's query) that must also record the same twice.
CELLS = ["scenarios/microphone.yaml", "--browser", "chromium", "-k", "blocked-before or insecure-origin or allow"]
OLD_TIP = "Mic access is blocked — click the lock icon to re-enable."
NEW_TIP = "Mic access is blocked — use the padlock in the address bar."


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two cells recorded once on the reference build (shared by the tests below)."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("recorded")
    args = [sys.executable, "-m", "harness.cli", "record", str(out / "base.yaml"), *_abs(CELLS), "--output", str(out / "run")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=out, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "recorded 3 cells" in done.stdout
    return out / "base.yaml"


def _abs(args: list[str]) -> list[str]:
    return [str(paths.ROOT / a) if a.endswith(".yaml") else a for a in args]


def test_recording_an_unchanged_build_twice_gives_the_same_bytes(recorded: Path, run_cli: RunCli, tmp_path: Path) -> None:
    again = tmp_path / "again.yaml"
    out = run_cli("record", str(again), *_abs(CELLS), "--output", str(tmp_path / "run"))
    assert out.returncode == 0, out.stdout[-3000:]
    assert again.read_bytes() == recorded.read_bytes()
    text = recorded.read_text(encoding="utf-8")
    assert "blocked-before[chromium]:" in text and "insecure-origin[chromium]:" in text
    assert "- session_start" in text and "tool_result: true" in text
    assert f"tooltip: {OLD_TIP}" in text
    for volatile in (r"://[a-z.]+:\d+", "/tmp/", r"cell[0-9a-f]{12}", r"sess_[0-9a-f]"):  # ports, paths, ids
        assert not re.search(volatile, text), volatile
    assert (recorded.parent / "base.shots" / "blocked-before-chromium.png").is_file()


def test_a_reworded_tooltip_moves_exactly_its_cells_and_approve_takes_it(recorded: Path, run_cli: RunCli, tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    shutil.copyfile(recorded, base)
    widget = tmp_path / "spelo.js"
    source = paths.REFERENCE_WIDGET.read_text(encoding="utf-8")
    widget.write_text(source.replace("click the lock icon to re-enable.", "use the padlock in the address bar."), encoding="utf-8")
    run = ["run", *_abs(CELLS), "--widget", str(widget), "--against", str(base), "--screenshots", "end"]

    moved = run_cli(*run, "--output", str(tmp_path / "moved"))
    assert moved.returncode == 1, moved.stdout[-3000:]
    assert f"tooltip: was '{OLD_TIP}', now '{NEW_TIP}'" in moved.stdout
    assert "blocked-before[chromium]: fail: moved from the baseline" in moved.stdout
    assert "insecure-origin[chromium]: fail" not in moved.stdout  # it does not show the tooltip
    report = (tmp_path / "moved" / "report.html").read_text(encoding="utf-8")
    assert "before (the baseline)" in report and "Judged by the snapshot" in report

    approved = run_cli("approve", str(base), "--results", str(tmp_path / "moved" / "results.json"))
    assert approved.returncode == 0, approved.stderr
    assert "1 moved" in approved.stdout
    before, after = recorded.read_text(encoding="utf-8").splitlines(), base.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=False) if a != b]
    assert len(before) == len(after) and changed == [(f"    tooltip: {OLD_TIP}", f"    tooltip: {NEW_TIP}")]

    passed = run_cli(*run, "--output", str(tmp_path / "passed"))
    assert passed.returncode == 0, passed.stdout[-3000:]


# -- bad baselines: one line, exit 2, nothing started -------------------------------------------------

GOOD = """format: spelo-harness-snapshot/1
profile: reference
cells:
  blocked-before[chromium]:
    state: blocked
    tooltip: x
"""


@pytest.mark.parametrize(
    "text,where",
    [
        (GOOD.replace("state: blocked", "state: 5"), ":5: cells.blocked-before[chromium].state: Input should be a valid string"),
        (GOOD.replace("tooltip: x", "colour: red"), ":6: cells.blocked-before[chromium].colour: unknown field"),
        (GOOD.replace("snapshot/1", "snapshot/9"), ":1: format: 'spelo-harness-snapshot/9' is another harness version's snapshot"),
        (GOOD.replace("format: spelo-harness-snapshot/1\n", ""), ":1: format: missing"),
        (GOOD.replace("[chromium]", "[opera]"), ":4: cells: 'blocked-before[opera]' is not a cell"),
        (GOOD + "    api: [unclosed\n", ":8: not valid YAML"),
    ],
)
def test_a_bad_baseline_is_one_line_and_exit_2_before_any_browser(run_cli: RunCli, tmp_path: Path, text: str, where: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    out = run_cli("run", "--browser", "chromium", "--against", str(bad))
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stdout == ""  # pytest, and so any browser, never started
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr, out.stderr
    assert f"{bad}{where}" in out.stderr, out.stderr
    gate = run_cli("gate", str(tmp_path / "none.json"), "--baseline", str(bad))
    assert gate.returncode == 2


# -- judging and the file, without a browser ------------------------------------------------------


def _result(**kw: Any) -> Result:
    base: dict[str, Any] = {
        "scenario": "blocked-before",
        "engine": "chromium",
        "outcome": "pass",
        "observed": {"state": "blocked", "tooltip": OLD_TIP, "console": ["[log] a", "[log] b"]},
        "steps": [StepRecord(index=1, action="click orb")],
    }
    return Result(**{**base, **kw})


def _snap(tmp_path: Path, cells: dict[str, Any]) -> snapshot.Snapshot:
    path = tmp_path / "s.yaml"
    snapshot.write(path, "reference", cells)
    return snapshot.load(path)


def test_what_differs_between_runs_is_normalised() -> None:
    norm = Normaliser("cellc35e60648c8a")
    line = (
        "GET https://shop.test:42259/v1/cellc35e60648c8a/config sess_65f8f75e5e5e3aebe4cbb2f7 "
        "call_c48a4d418818 /tmp/pytest-1/x.wav ws://127.0.0.1:3000/"
    )
    assert norm(line) == "GET https://shop.test/v1/<site>/config sess_<id> call_<id> <tmp> ws://127.0.0.1/"
    assert Normaliser()("http://localhost:39003/index.html?site=celld7080b3601f8") == "http://localhost/index.html?site=<site>"


def test_an_engine_that_stops_running_moves(tmp_path: Path) -> None:
    snap = _snap(tmp_path, {"blocked-before[chromium]": snapshot.entry(_result())})
    r = snapshot.judge(_result(outcome="skipped", reason="chromium not usable here: no browser", observed={}), snap)
    assert r.outcome == "fail"
    assert "not_observed: was absent, now 'chromium not usable here: no browser'" in [m.text for m in r.mismatches]
    assert "state: was 'blocked', now absent" in [m.text for m in r.mismatches]


def test_list_moves_name_the_item_and_unchanged_cells_pass(tmp_path: Path) -> None:
    snap = _snap(tmp_path, {"blocked-before[chromium]": snapshot.entry(_result())})
    moved = snapshot.judge(_result(observed={"state": "blocked", "tooltip": OLD_TIP, "console": ["[log] a", "[log] c"]}), snap)
    assert [m.text for m in moved.mismatches] == ["console[1]: was '[log] b', now '[log] c'"]
    same = snapshot.judge(_result(outcome="fail", reason="the contract's words differ"), snap)
    assert same.outcome == "pass" and same.baseline["contract"].startswith("fail")
    new = snapshot.judge(_result(scenario="allow"), snap)
    assert new.outcome == "fail" and "not in the baseline" in new.reason


def test_the_file_is_sorted_and_stable(tmp_path: Path) -> None:
    cells: dict[str, dict[str, Any]] = {"b[firefox]": {"state": "x", "api": ["GET config"]}, "a[chromium]": {"tooltip": "", "state": "y"}}
    text = snapshot.dumps("reference", cells)
    assert text == snapshot.dumps("reference", dict(reversed(list(cells.items()))))
    assert text.index("a[chromium]") < text.index("b[firefox]") and text.index("    state: y") < text.index("    tooltip")
    assert _snap(tmp_path, cells).cells == cells


def test_approve_refuses_results_without_observations(run_cli: RunCli, tmp_path: Path) -> None:
    from harness.results import write_results

    plain = tmp_path / "results.json"  # a plain `run`: the contract's verdict, no observation at rest
    write_results(plain, [_result(observed={})], {})
    out = run_cli("approve", str(tmp_path / "base.yaml"), "--results", str(plain))
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "blocked-before[chromium]: no observation" in out.stderr
    assert not (tmp_path / "base.yaml").exists()
