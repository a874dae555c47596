"""A cell's time by phase: accumulated in order, written with the result, shown in the report."""

from __future__ import annotations

from pathlib import Path

from harness.model import Outcome
from harness.phases import PhaseClock
from harness.report.html_cell import _facts
from harness.results import Result


def test_phases_keep_their_order_and_add_up() -> None:
    clock = PhaseClock()
    clock.add("launch", 1.0)
    clock.add("step 1: click orb", 0.25)
    clock.add("step screenshots", 0.1)
    clock.add("step 2: reload", 0.5)
    clock.add("step screenshots", 0.1)  # every step's screenshot under one name
    clock.add("probe", 0.05, clock.parts)
    assert list(clock.phases) == ["launch", "step 1: click orb", "step screenshots", "step 2: reload"]
    assert clock.phases["step screenshots"] == 0.2 and clock.parts == {"probe": 0.05}
    with clock.phase("teardown"):
        pass
    assert list(clock.phases)[-1] == "teardown"


def test_the_report_says_where_the_time_went(tmp_path: Path) -> None:
    r = Result(
        scenario="a",
        engine="chromium",
        outcome=Outcome.PASS,
        duration_s=2.0,
        phases={"launch": 1.25, "navigation": 0.5},
        phase_parts={"screenshots": 0.3},
    )
    html = _facts(r, tmp_path)
    assert "launch 1.25 s · navigation 0.50 s" in html and "screenshots 0.30 s" in html
    assert Result.from_dict(r.to_dict()).phases == r.phases
