"""The scenario loader: every scenario file of the repo loads; bad files give one line with
file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import paths
from harness.scenarios import ScenarioError, load_all, load_file

GOOD = """\
scenarios:
  - id: ok
    title: fine
    steps: [reload]
    expect: {state: idle}
"""


def test_repo_scenarios_load() -> None:
    scenarios = load_all([paths.SCENARIO_DIR])
    assert len(scenarios) >= 6
    assert {"allow", "blocked-prompt", "blocked-before", "insecure-origin"} <= {s.id for s in scenarios}


@pytest.mark.parametrize(
    "text, where",
    [
        (
            "scenarios:\n  - id: x\n    title: t\n    origin: moon\n    steps: [reload]\n    expect: {}\n",
            ":4: scenarios[0].origin: unknown origin 'moon'",
        ),
        (
            "scenarios:\n  - id: x\n    title: t\n    steps: [reload]\n    expect: {}\n    colour: red\n",
            ":6: scenarios[0].colour: unknown field",
        ),
        (
            "scenarios:\n  - id: x\n    title: t\n    steps: [reload]\n    expect: {gum_calls: many}\n",
            ":5: scenarios[0].expect.gum_calls: Input should be a valid integer",
        ),
        (
            "scenarios:\n  - id: x\n    title: t\n    steps: [reload]\n    expect: {}\n    engines: [safari]\n",
            ":6: scenarios[0].engines[0]: Input should be 'chromium', 'firefox' or 'webkit'",
        ),
        (
            "scenarios:\n  - id: x\n    title: t\n    steps:\n      - click: orb\n        reload: true\n    expect: {}\n",
            ":5: scenarios[0].steps[0]: a step has exactly one of",
        ),
        ("scenarios:\n  - id: x\n   title: [\n", ":3: not valid YAML"),
        ("- just a list\n", ":1: (top): expected a mapping"),
    ],
)
def test_bad_file_names_file_line_and_field(tmp_path: Path, text: str, where: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_file(p)
    message = str(e.value)
    assert message.startswith(str(p)), message
    assert where in message, message
    assert "\n" not in message


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(ScenarioError, match="'ok' is already used at"):
        load_all([tmp_path])


def test_quirk_overrides_only_its_fields(tmp_path: Path) -> None:
    p = tmp_path / "q.yaml"
    p.write_text(
        GOOD.replace(
            "expect: {state: idle}",
            """expect: {state: idle, status: Ready}
    quirks:
      webkit:
        reason: differs
        evidence: measured
        source: webkitgtk
        expect: {state: other}""",
        )
    )
    sc = load_file(p)[0]
    assert sc.expect_for("webkit", "webkitgtk").state == "other"
    assert sc.expect_for("webkit", "webkitgtk").status == "Ready"
    assert sc.expect_for("webkit", "playwright").state == "idle"  # the quirk is WebKitGTK's only
    assert sc.expect_for("chromium", "playwright").state == "idle"
