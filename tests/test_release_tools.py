"""The release manager's and the quirk hunter's doors: gate, repro, shard, widget profiles."""

from __future__ import annotations

from typing import Callable

from typing import TYPE_CHECKING

import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from harness.profile import WidgetProfile
from harness.model import Outcome, CellId
from harness.results import Result, write_results
from harness.shard import ShardError, parse_shard, split

if TYPE_CHECKING:
    from conftest import RunCli


def results_file(path: Path, outcomes: dict[str, str]) -> Path:
    results = []
    for cell, outcome in outcomes.items():
        scenario, engine = CellId.parse(cell).scenario, CellId.parse(cell).engine
        results.append(
            Result(scenario=scenario, engine=engine, outcome=Outcome(outcome), reason="" if outcome == "pass" else f"{scenario} broke")
        )
    write_results(path, results, {})
    return path


def gate(run_cli: RunCli, *args: object) -> subprocess.CompletedProcess[str]:
    return run_cli("gate", *map(str, args))


def test_gate_new_failure_fails_and_fixed_is_reported(run_cli: RunCli, tmp_path: Path) -> None:
    base = results_file(tmp_path / "base.json", {"a[chromium]": "pass", "b[chromium]": "fail", "c[firefox]": "pass"})
    now = results_file(tmp_path / "now.json", {"a[chromium]": "fail", "b[chromium]": "pass", "c[firefox]": "quirk"})
    out = gate(run_cli, now, "--baseline", base)
    assert out.returncode == 1
    assert "## Release gate: FAILED" in out.stdout
    assert "### New failures\n- `a[chromium]`: a broke" in out.stdout
    assert "### Fixed\n- `b[chromium]`" in out.stdout


def test_gate_passes_with_known_issues_file(run_cli: RunCli, tmp_path: Path) -> None:
    now = results_file(tmp_path / "now.json", {"a[chromium]": "fail", "b[webkit]": "pass"})
    known = tmp_path / "known-issues.yaml"
    known.write_text('engines: [chromium, webkit]\nknown_issues:\n  - cell: "a[chromium]"\n    reason: "ticket 12"\n')
    out = gate(run_cli, now, "--baseline", known)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Still failing (known)\n- `a[chromium]`: ticket 12" in out.stdout


@pytest.mark.parametrize(
    "make_bad, message",
    [
        (lambda p: p.write_text('{"results": []}'), "not a spelo-harness results file"),
        (lambda p: p.write_text("not json"), "not JSON"),
    ],
)
def test_gate_refuses_files_that_are_not_ours(run_cli: RunCli, tmp_path: Path, make_bad: Callable[[Path], object], message: str) -> None:
    bad = tmp_path / "bad.json"
    make_bad(bad)
    base = results_file(tmp_path / "base.json", {"a[chromium]": "pass"})
    out = gate(run_cli, bad, "--baseline", base)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def test_gate_refuses_a_baseline_for_another_scenario_set(run_cli: RunCli, tmp_path: Path) -> None:
    base = results_file(tmp_path / "base.json", {"x[chromium]": "pass"})
    now = results_file(tmp_path / "now.json", {"a[chromium]": "pass"})
    out = gate(run_cli, now, "--baseline", base)
    assert out.returncode == 2 and "another scenario set" in out.stderr


def test_shard_spec_and_split_are_even_and_complete() -> None:
    assert parse_shard("2/3") == (2, 3)
    for bad in ("3/2", "0/2", "a/b", "1/0", ""):
        with pytest.raises(ShardError):
            parse_shard(bad)
    cells = [f"c{i}[chromium]" for i in range(10)]
    durations = {c: float(i + 1) for i, c in enumerate(cells)}
    shards = split(cells, 3, durations)
    assert sorted(sum(shards, [])) == sorted(cells)  # nothing lost, nothing twice
    loads = [sum(durations[c] for c in s) for s in shards]
    assert max(loads) - min(loads) <= max(durations.values())
    assert split(cells, 3, durations) == shards  # deterministic


def test_profile_translates_a_builds_words_back() -> None:
    profile = WidgetProfile(states={"denied": "mic-blocked"}, texts={"Microphone access needed": "Mic needed"})
    snap = profile.to_reference(
        {
            "state": "mic-blocked",
            "status": "Mic needed",
            "tooltip": "",
            "text": "Mic needed now",
            "history": [{"state": "mic-blocked", "status": "Mic needed"}],
        }
    )
    assert snap["state"] == "denied" and snap["status"] == "Microphone access needed"
    assert snap["text"] == "Microphone access needed now"
    assert snap["history"] == [{"state": "denied", "status": "Microphone access needed"}]


def test_a_build_with_other_words_passes_with_its_profile(run_cli: RunCli, tmp_path: Path) -> None:
    from harness import paths

    build = tmp_path / "build.js"
    build.write_text(
        paths.REFERENCE_WIDGET.read_text().replace('"Microphone access needed"', '"Mic needed"').replace('"data-state"', '"data-phase"')
    )
    profile = tmp_path / "build.profile.yaml"
    profile.write_text('name: build\nstate_attr: data-phase\ntexts: {"Microphone access needed": "Mic needed"}\n')
    args = ["run", "--browser", "chromium", "-k", "blocked-before", "--widget", str(build), "--output", str(tmp_path / "o")]
    assert run_cli(*args).returncode == 1  # without its profile the build's words do not match
    out = run_cli(*args, "--profile", str(profile))
    assert out.returncode == 0, out.stdout[-1500:]


def test_repro_prints_steps_urls_and_artifacts(run_cli: RunCli, tmp_path: Path) -> None:
    out = run_cli("repro", "blocked-before", "--browser", "chromium", "--output", str(tmp_path / "r"))
    assert out.returncode == 0, out.stdout + out.stderr
    for text in (
        "open http://localhost:",
        "step 1: click orb",
        "step 2: click continue",
        "artifacts: ",
        "final screenshot: ",
        "blocked-before[chromium]: pass",
    ):
        assert text in out.stdout
    assert run_cli("repro", "nope", "--browser", "chromium").returncode == 2


def test_repro_keep_server_serves_the_cells_page_until_interrupted(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "repro",
            "notice-cancel",
            "--browser",
            "chromium",
            "--keep-server",
            "--output",
            str(tmp_path / "r"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "stays up" in line:
                break
        url = next(proc.stdout).strip()
        # The repro runs sealed: its server is reachable from inside its namespace, which this
        # test process shares (pytest runs sealed too, and the child inherits it).
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        assert "data-site-id" in page
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
