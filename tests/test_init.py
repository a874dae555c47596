"""`spelo-harness init`: a user's repository set up on a sample widget, and the set-up's own
command run on one of its cells; the files it writes load with the harness's own readers, the
workflow's commands parse and (where actionlint is at hand) lint; nothing is overwritten without
--force."""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from harness import paths
from harness.cli import build_parser
from harness.commands import init
from harness.gate import load_baseline
from harness.profile import load_profile
from harness.scenarios import load_file

if TYPE_CHECKING:
    from conftest import RunCli

LINT = Path("/work/shared/tools/lint-workflows.sh")


@pytest.fixture
def repo(tmp_path: Path, run_cli: RunCli) -> tuple[Path, subprocess.CompletedProcess[str]]:
    (tmp_path / "dist").mkdir()
    shutil.copy(paths.REFERENCE_WIDGET, tmp_path / "dist" / "widget.js")  # the sample widget
    out = run_cli("init")
    assert out.returncode == 0, out.stderr
    return tmp_path, out


def test_init_writes_files_the_harness_reads(repo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, out = repo
    for rel in (
        init.PROFILE,
        init.SCENARIO_FILE,
        init.KNOWN_ISSUES,
        init.WORKFLOW,
        f"{init.SCHEMAS}/profile.schema.json",
        f"{init.SCHEMAS}/scenarios.schema.json",
    ):
        assert f"wrote {rel}" in out.stdout, out.stdout
    profile_text = (root / init.PROFILE).read_text(encoding="utf-8")
    assert profile_text.startswith(f"# yaml-language-server: $schema={init.SCHEMAS}/profile.schema.json\n")
    assert load_profile(root / init.PROFILE).name == "my-widget"
    scenarios = load_file(root / init.SCENARIO_FILE)
    assert [s.id for s in scenarios] == ["my-cancel-on-notice"]
    schema_line = (root / init.SCENARIO_FILE).read_text(encoding="utf-8").splitlines()[0]
    assert (root / init.SCENARIO_FILE).parent.joinpath(schema_line.split("$schema=")[1]).resolve().is_file()
    assert load_baseline(root / init.KNOWN_ISSUES).engines == {"chromium", "firefox", "webkit"}
    json.loads((root / init.SCHEMAS / "profile.schema.json").read_text(encoding="utf-8"))


def test_the_workflow_runs_the_harness_commands_that_parse(repo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, _ = repo
    flow = yaml.safe_load((root / init.WORKFLOW).read_text(encoding="utf-8"))
    assert set(flow["jobs"]) == {"cells", "report"} and flow["jobs"]["report"]["needs"] == ["cells"]
    assert flow["jobs"]["cells"]["strategy"]["matrix"] == {
        "engine": ["chromium", "firefox", "webkit"],
        "shard": list(range(1, init.SHARDS + 1)),
    }
    lines = [
        line.strip()
        for job in flow["jobs"].values()
        for step in job["steps"]
        for line in str(step.get("run", "")).splitlines()
        if line.strip().startswith("spelo-harness ")
    ]
    assert [shlex.split(x)[1] for x in lines] == ["run", "merge", "gate"]
    for line in lines:
        argv = shlex.split(line.replace('"$ENGINE"', "chromium").replace('"$SHARD/2"', "1/2").split(" ||")[0])
        build_parser().parse_args(argv[1:])  # exits (SystemExit) on an option the harness lacks
    installs = [s["run"] for job in flow["jobs"].values() for s in job["steps"] if "playwright install" in str(s.get("run"))]
    assert installs == ["python -m playwright install --with-deps ${{ matrix.engine }}"]
    if LINT.is_file() and shutil.which("node") and shutil.which("npm"):
        lint = subprocess.run(["bash", str(LINT), str(root / init.WORKFLOW)], capture_output=True, text=True, timeout=300)
        assert lint.returncode == 0, lint.stdout + lint.stderr


def test_init_refuses_to_overwrite_without_force(repo: tuple[Path, subprocess.CompletedProcess[str]], run_cli: RunCli) -> None:
    root, _ = repo
    (root / init.KNOWN_ISSUES).write_text("engines: [chromium]\nknown_issues: []\n", encoding="utf-8")
    again = run_cli("init")
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.strip().count("\n") == 0 and "--force" in again.stderr, again.stderr
    assert (root / init.KNOWN_ISSUES).read_text(encoding="utf-8").startswith("engines: [chromium]")
    forced = run_cli("init", "--force")
    assert forced.returncode == 0, forced.stderr
    assert (root / init.KNOWN_ISSUES).read_text(encoding="utf-8") == init.KNOWN_ISSUES_TEXT


def test_the_set_ups_command_runs_its_own_cell(repo: tuple[Path, subprocess.CompletedProcess[str]], run_cli: RunCli) -> None:
    root, out = repo
    command = out.stdout.strip().splitlines()[-1].split(": ", 2)[-1]
    assert command == init.run_command("dist/widget.js"), out.stdout
    argv = shlex.split(command)[1:] + ["--browser", "chromium", "-k", "my-cancel-on-notice", "--workers", "1", "--output", "out"]
    ran = run_cli(*argv)
    assert ran.returncode == 0, (ran.stdout + ran.stderr)[-3000:]
    results = json.loads((root / "out" / "results.json").read_text(encoding="utf-8"))["results"]
    assert [(r["scenario"], r["engine"], r["outcome"]) for r in results] == [("my-cancel-on-notice", "chromium", "pass")]
