"""The JSON Schemas of scenario and profile files: every file of the project passes its schema,
names it for editors, and what the loader refuses the schema refuses too."""

from __future__ import annotations

from typing import Any

from pathlib import Path

import json

import jsonschema
import pytest
import yaml

from harness import cli, paths
from harness.profile import REFERENCE_PROFILE_FILE
from harness.schema import profile_schema, scenario_schema

SCENARIO_FILES = sorted(paths.SCENARIO_DIR.glob("*.yaml"))


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_each_scenario_file_passes_and_names_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/scenarios.schema.json\n")
    assert list(validator(scenario_schema()).iter_errors(yaml.safe_load(text))) == []


def test_the_profile_file_passes_and_names_the_schema() -> None:
    text = REFERENCE_PROFILE_FILE.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/profile.schema.json\n")
    assert list(validator(profile_schema()).iter_errors(yaml.safe_load(text))) == []


GOOD_STEPS = [{"click": "orb"}, "accept_notice", "reload", {"expect": {"state": "idle"}}]
EXPECT = {"state": "idle"}


@pytest.mark.parametrize(
    "bad",
    [
        {"scenarios": [{"id": "a", "title": "t", "steps": [{"click": "orb", "reload": True}], "expect": EXPECT}]},  # two actions
        {"scenarios": [{"id": "a", "title": "t", "steps": ["dance"], "expect": EXPECT}]},  # no such word
        {"scenarios": [{"id": "a", "title": "t", "steps": GOOD_STEPS, "expect": EXPECT, "colour": "red"}]},  # unknown field
        {"scenarios": [{"id": "a", "title": "t", "steps": GOOD_STEPS, "expect": EXPECT, "origin": "mars"}]},  # no such origin
    ],
)
def test_what_the_loader_refuses_the_schema_refuses(bad: dict[str, Any], tmp_path: Path) -> None:
    assert list(validator(scenario_schema()).iter_errors(bad)) != []
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    from harness.scenarios import ScenarioError, load_file

    with pytest.raises(ScenarioError):
        load_file(path)


def test_good_steps_pass() -> None:
    good = {"scenarios": [{"id": "a", "title": "t", "steps": GOOD_STEPS, "expect": EXPECT}]}
    assert list(validator(scenario_schema()).iter_errors(good)) == []


def test_the_command_prints_and_writes_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schema", "profile"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Spelo harness widget profile"
    assert cli.main(["schema", "--write", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profile.schema.json", "scenarios.schema.json"]
