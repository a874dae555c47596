"""Vendor fakes without a browser: recorded answers and handler modules answer as written, and a
fake that cannot be loaded stops the run (one line naming file, line and field; exit 2) before any
browser starts."""

from __future__ import annotations

from typing import Any

import subprocess
import sys
from pathlib import Path

import pytest

from harness import paths
from harness.profile import load_profile
from harness.scenarios import ScenarioError
from harness.vendor_fake import VendorFake, load_recorded

PROFILE = """version: 2
name: v
root: x-w
state_attr: none
state_rules: [{state: idle, part: orb}]
notice: none
vendor:
  hosts: [api.vendor.test]
  FIELD
"""


def test_recorded_answers_and_the_log() -> None:
    fake = VendorFake(["api.voiceline.test"], recorded=load_recorded(paths.SITE_DIR / "voiceline.vendor.yaml"))
    assert fake.http("POST", "https://api.voiceline.test/v1/sessions?x=1", b"{}") == (
        201,
        b'{"id": "sess-demo", "live": "wss://live.voiceline.test/v1/live"}',
        "application/json",
    )
    status, body, _ = fake.http("GET", "https://api.voiceline.test/v2/other", None)
    assert status == 404 and b"no answer" in body
    assert fake.ws_open("wss://live.voiceline.test/v1/live") == []
    assert fake.ws_message("wss://live.voiceline.test/v1/live", '{"type":"bye"}') == []
    assert fake.ws_message("wss://live.voiceline.test/v1/live?session=s", '{"type":"hello"}') == [
        '{"type": "ready"}',
        '{"type": "greeting", "text": "Hi, I\'m the VoiceLine demo."}',
    ]
    assert fake.log[:3] == ["POST /v1/sessions → 201", "GET /v2/other → 404", "ws /v1/live opened"]


def write(tmp_path: Path, field: str, files: dict[str, str] | None = None) -> Path:
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    p = tmp_path / "p.yaml"
    p.write_text(PROFILE.replace("FIELD", field), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "field, files, where",
    [
        ("handler: nope.py", {}, "p.yaml:9: vendor.handler: cannot load {tmp}/nope.py: no such file"),
        (
            "handler: h.py",
            {"h.py": "import not_a_module_anywhere\n"},
            "p.yaml:9: vendor.handler: cannot load {tmp}/h.py: ModuleNotFoundError: No module named 'not_a_module_anywhere'",
        ),
        (
            "handler: h.py",
            {"h.py": "def ws_open(path):\n    return []\n"},
            "p.yaml:9: vendor.handler: cannot load {tmp}/h.py: it defines no http(method, path, body) function",
        ),
        (
            "handler: h.py",
            {"h.py": "raise RuntimeError('boom\\nsecond line')\n"},
            "p.yaml:9: vendor.handler: cannot load {tmp}/h.py: RuntimeError: boom",
        ),
        ("responses: r.yaml", {"r.yaml": "http:\n  - {path: /a, stauts: 200}\n"}, "r.yaml:2: http[0].stauts: unknown field"),
        ("responses: r.json", {"r.json": "{oops"}, "r.json: not valid JSON"),
        ("responses: r.yaml\n  handler: h.py", {}, "p.yaml:8: vendor: a vendor fake has exactly one of"),
    ],
)
def test_a_fake_that_cannot_be_loaded_is_one_line(tmp_path: Path, field: str, files: dict[str, Any], where: str) -> None:
    p = write(tmp_path, field, files)
    with pytest.raises(ScenarioError) as e:
        load_profile(p)
    message = str(e.value)
    assert message.startswith(str(tmp_path / where.replace("{tmp}", str(tmp_path)))) or message.startswith(
        str(tmp_path) + "/" + where.replace("{tmp}", str(tmp_path))
    ), message
    assert "\n" not in message


def test_a_bad_hostname_is_named(tmp_path: Path) -> None:
    p = write(tmp_path, "responses: r.yaml").read_text(encoding="utf-8").replace("api.vendor.test", "https://api")
    (tmp_path / "p.yaml").write_text(p, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"p.yaml:8: vendor.hosts: 'https://api' is not a hostname"):
        load_profile(tmp_path / "p.yaml")


def test_a_handler_that_cannot_be_loaded_stops_the_run_with_exit_2_before_any_browser(tmp_path: Path) -> None:
    p = write(tmp_path, "handler: nope.py")
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(paths.SCENARIO_DIR / "policy.yaml"), "--profile", str(p)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"spelo-harness: {p}:9: vendor.handler: cannot load {tmp_path}/nope.py: no such file"]
    assert proc.stdout == ""
