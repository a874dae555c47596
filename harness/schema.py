"""JSON Schemas of the scenario and profile files, made from the pydantic models that load them,
so editors complete and check the YAML (`# yaml-language-server: $schema=...` at the top of each
file). Written into schemas/ by scripts/setup.sh, and printed by `spelo-harness schema`.

The models accept a little more than their plain schema says (a step written as a bare word,
an origin checked by a validator); those are added here, so the editor and the loader agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.origins import ORIGINS
from harness.profile import WidgetProfile
from harness.scenarios import ScenarioFile, Step

FILES = {"scenarios": "scenarios.schema.json", "profile": "profile.schema.json"}
SHORTHAND_STEPS = ("accept_notice",)  # besides a bare word for a true flag (reload, axe ...)


def scenario_schema() -> dict[str, Any]:
    schema = ScenarioFile.model_json_schema()
    defs = schema["$defs"]
    step = defs["Step"]
    step["minProperties"] = step["maxProperties"] = 1  # exactly one action or check per step
    flags = [name for name, f in Step.model_fields.items() if f.annotation in (bool, bool | None)]
    defs["Step"] = {
        "anyOf": [step, {"enum": [*SHORTHAND_STEPS, *flags]}],
        "description": "one visitor action or check; a bare word for a flag (reload) or accept_notice",
    }
    defs["Scenario"]["properties"]["origin"]["enum"] = list(ORIGINS)
    schema["title"] = "Spelo harness scenario file"
    return schema


def profile_schema() -> dict[str, Any]:
    schema = WidgetProfile.model_json_schema()
    schema["title"] = "Spelo harness widget profile"
    return schema


def schema(kind: str) -> dict[str, Any]:
    return scenario_schema() if kind == "scenarios" else profile_schema()


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, name in FILES.items():
        path = folder / name
        path.write_text(json.dumps(schema(kind), indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written
