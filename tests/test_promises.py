"""The promise → cells map: ids are checked, the command names guarded and unguarded promises."""

from __future__ import annotations

from typing import TYPE_CHECKING

import json

from harness.promises import load_promises

if TYPE_CHECKING:
    from conftest import RunCli, ScenarioFileMaker

CELL = """scenarios:
  - id: one
    title: one cell
    guards: [page-rules, {guard}]
    steps: [reload]
    expect: {{}}
"""


def test_an_unknown_promise_is_a_usage_error_naming_file_line_field(run_cli: RunCli, scenario_file: ScenarioFileMaker) -> None:
    path = scenario_file(CELL.format(guard="no-such-promise"))
    for command in ("promises", "run"):
        out = run_cli(command, str(path.parent))
        assert out.returncode == 2, out.stderr
        assert f"{path}:4: scenarios[0].guards[1]: unknown promise 'no-such-promise'" in out.stderr
        assert "Traceback" not in out.stderr


def test_the_map_names_the_promises_no_cell_guards(run_cli: RunCli, scenario_file: ScenarioFileMaker) -> None:
    path = scenario_file(CELL.format(guard="site-id-checked"))
    out = run_cli("promises", "--json", str(path.parent))
    assert out.returncode == 1  # promises are left unguarded by this one cell
    rows = json.loads(out.stdout[: out.stdout.rindex("}") + 1])["promises"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["page-rules"]["cells"] == {"chromium": ["one"], "firefox": ["one"], "webkit": ["one"]}
    assert not by_id["notice-cancel-closes"]["guarded"]
    assert "unguarded: " in out.stdout and "notice-cancel-closes" in out.stdout.splitlines()[-1]


def test_the_catalog_guards_every_promise_that_can_be(run_cli: RunCli) -> None:
    out = run_cli("promises")
    assert out.returncode == 0, out.stdout[-1500:]
    assert out.stdout.splitlines()[-1].startswith("unguarded: none")
    # Every promise can be guarded now: the idle limits with the harness's clock (session-ends-idle).
    assert [p.id for p in load_promises().values() if p.unguardable] == []
    assert "cannot be guarded" not in out.stdout


def test_the_readme_shows_the_current_map(run_cli: RunCli) -> None:
    from harness import paths

    out = run_cli("promises", "--markdown")
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    table = [line for line in out.stdout.splitlines() if line.startswith("|")]
    assert table and all(line in readme for line in table), "README.md: paste `spelo-harness promises --markdown`"
