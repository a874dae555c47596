"""Configuration coverage: every value of contract/config-values.yaml is set otherwise than its
default by a cell, and the cells that set it check its effect: a copy of the reference that
ignores the value (made here, in a temporary folder) fails one of them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import json

import pytest

from harness import config_coverage, paths
from harness.scenarios import load_all

if TYPE_CHECKING:
    from conftest import RunCli, ScenarioFileMaker

MERGE = "if (body.data[k] !== null && body.data[k] !== undefined) { config[k] = body.data[k]; }"


def ignoring_config_key(key: str) -> tuple[str, str]:
    """The reference's config merge, with this key dropped: the build keeps its own default."""
    return MERGE, f"if (k !== {json.dumps(key)} && body.data[k] !== null && body.data[k] !== undefined) {{ config[k] = body.data[k]; }}"


# value id -> (the reference's text, the text of a build that ignores the value)
IGNORED = {
    **{
        v: ignoring_config_key(k)
        for v, k in {
            "color": "color",
            "position": "position",
            "size": "size",
            "edge-glow": "edge_glow",
            "enabled-pages": "enabled_pages",
            "disabled-pages": "disabled_pages",
            "privacy-notice": "privacy_notice",
            "privacy-policy-url": "privacy_policy_url",
            "custom-instructions": "custom_instructions",
            "fallback-url": "fallback_url",
        }.items()
    },
    "site-id": ("if (!SITE_ID_RE.test(siteId)) {", "if (false) {"),
    "token-error-code": ('" " + (body.error || "") +', '" " +'),
    "retry-after": ('(res.headers.get("Retry-After") ? " (Retry-After " + res.headers.get("Retry-After") + "s)" : "")', '""'),
}


def test_every_value_has_a_way_to_be_ignored() -> None:
    assert set(IGNORED) == {v.id for v in config_coverage.load_values()}


def test_every_contract_value_is_set_by_a_cell_in_every_engine_that_can() -> None:
    rows = config_coverage.coverage(load_all([paths.SCENARIO_DIR]), ["chromium", "firefox", "webkit"])
    unset = [r["id"] for r in rows if not r["covered"]]
    assert not unset, f"no cell sets these configuration values otherwise than their default: {unset}"
    for r in rows:  # an engine without a cell is one where the value is only an engine limit
        assert all(r["cells"][e] or r["limits"].get(e) for e in r["cells"]), r


def test_promises_fails_when_a_value_has_no_cell(run_cli: RunCli, scenario_file: ScenarioFileMaker) -> None:
    path = scenario_file(
        "scenarios:\n  - id: one\n    title: one\n    guards: [page-rules]\n"
        "    site: {config: {color: '#123456'}}\n    steps: [reload]\n    expect: {}\n"
    )
    out = run_cli("promises", "--json", str(path.parent))
    assert out.returncode == 1
    values = {v["id"]: v for v in json.loads(out.stdout[: out.stdout.rindex("}") + 1])["config_values"]}
    assert values["color"]["cells"]["chromium"] == ["one"] and not values["fallback-url"]["covered"]
    assert "configuration values no cell sets: position, size" in run_cli("promises", str(path.parent)).stdout


def _cells_setting(value_id: str) -> list[str]:
    row = next(r for r in config_coverage.coverage(load_all([paths.SCENARIO_DIR]), ["chromium"]) if r["id"] == value_id)
    cells: list[str] = row["cells"]["chromium"]
    return cells


@pytest.mark.parametrize("value_id", sorted(IGNORED))
def test_a_build_that_ignores_the_value_fails_a_cell_that_sets_it(run_cli: RunCli, tmp_path: Path, value_id: str) -> None:
    reference, broken = IGNORED[value_id]
    text = paths.REFERENCE_WIDGET.read_text(encoding="utf-8")
    assert text.count(reference) == 1, f"the reference build no longer has {reference!r}"
    widget = tmp_path / "spelo.js"
    widget.write_text(text.replace(reference, broken), encoding="utf-8")
    cells = _cells_setting(value_id)
    out = run_cli(
        "run",
        "--browser",
        "chromium",
        "-k",
        " or ".join(cells),
        "--widget",
        str(widget),
        "--screenshots",
        "failure",
        "--output",
        str(tmp_path / "out"),
        timeout=600,
    )
    results = json.loads((tmp_path / "out" / "results.json").read_text())["results"]
    assert {r["scenario"] for r in results} >= set(cells)
    failed = [r["scenario"] for r in results if r["outcome"] == "fail"]
    assert out.returncode == 1 and failed, f"a build ignoring {value_id} passed {cells}"
