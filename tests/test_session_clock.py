"""The session's limits (5 minutes without speech, the 2-hour cap), guarded with the harness's
clock: Playwright's page.clock is installed before the page's scripts and the cell moves it
forward. Builds of our own that break a limit each fail the cell that guards it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

from harness.scenarios import Step
from harness.steps import clock_ms
from test_blind_spots import assert_broken_build_fails

if TYPE_CHECKING:
    from conftest import RunCli

# (test id, engine, -k, the reference's text, the broken text, what the failing cell must say)
BROKEN = [
    (
        "never-idle",
        "chromium",
        "session-ends-idle",
        "  var IDLE_MS = 5 * 60 * 1000;",
        "  var IDLE_MS = 50 * 60 * 1000;",
        "session-ends-idle[chromium]: not as expected",
    ),
    (
        "idle-too-soon",
        "firefox",
        "session-ends-idle",
        "  var IDLE_MS = 5 * 60 * 1000;",
        "  var IDLE_MS = 2 * 60 * 1000;",
        "session-ends-idle[firefox]: step 5 (expect)",
    ),
    (
        "no-cap",
        "chromium",
        "session-ends-at-cap",
        "  var CAP_MS = 2 * 60 * 60 * 1000;",
        "  var CAP_MS = 20 * 60 * 60 * 1000;",
        "session-ends-at-cap[chromium]: not as expected",
    ),
    # Speech does not hold the session open: a build that ends it while the assistant talks.
    (
        "idle-while-speaking",
        "chromium",
        "session-ends-at-cap",
        "else if (!s.speaking && !s.visitorSpeaking && now - s.lastSpeech >= IDLE_MS)",
        "else if (now - s.lastSpeech >= IDLE_MS)",
        "session-ends-at-cap[chromium]: step 5 (expect)",
    ),
]


@pytest.mark.parametrize("engine,keyword,reference,broken,says", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_build_that_breaks_a_limit_fails_its_cell(
    run_cli: RunCli, tmp_path: Path, engine: str, keyword: str, reference: str, broken: str, says: str
) -> None:
    assert_broken_build_fails(run_cli, tmp_path, engine, keyword, reference, broken, says)


def test_a_clock_step_is_minutes_and_seconds_or_hours_too() -> None:
    assert clock_ms("04:50") == 290_000 and clock_ms("1:59:00") == 7_140_000
    assert Step.model_validate({"clock": "00:15"}).describe() == "clock 00:15"
    for bad in ("5 minutes", "4:70", "300"):
        with pytest.raises(ValidationError):
            Step.model_validate({"clock": bad})
