"""The flow runner without a browser: a page of parts that show and go, clicked through in order."""

from __future__ import annotations

import pytest

from harness.flows import FlowDriver, FlowFailed, FlowStep, run_flow


class Page:
    """Parts that show; a click runs the part's handler (which shows others)."""

    def __init__(self, showing: set[str], on_click: dict[str, set[str]]) -> None:
        self.showing, self.on_click, self.settles = set(showing), on_click, 0
        self.clicks: list[str] = []

    def driver(self) -> FlowDriver:
        return FlowDriver(
            selector=lambda part: f"#{part}",
            visible=lambda sel: sel[1:] in self.showing,
            click=self.click,
            key=lambda k: self.clicks.append(f"key {k}"),
            settle=self.settle,
            timeout_s=0.2,
        )

    def click(self, sel: str) -> None:
        self.clicks.append(sel[1:])
        self.showing = set(self.on_click.get(sel[1:], set()))

    def settle(self) -> None:
        self.settles += 1


FLOW = [FlowStep(click="start", optional=True), FlowStep(stop_at="notice"), FlowStep(click="voice", optional=True), FlowStep(click="call")]
CLICKS = {"start": {"notice"}, "agree": {"voice"}, "voice": {"call"}, "call": {"live"}}


def test_first_visit_stops_at_the_notice() -> None:
    page = Page({"start"}, CLICKS)
    assert run_flow(FLOW, page.driver()) == ["click start", "notice shown: the flow ends here"]
    assert page.clicks == ["start"] and page.settles == 0


def test_a_returning_visitor_goes_through_and_a_skipped_part_is_not_waited_out() -> None:
    page = Page({"start"}, {**CLICKS, "start": {"voice"}})
    assert run_flow(FLOW, page.driver()) == ["click start", "click voice", "click call"]
    page = Page({"call"}, CLICKS)  # after a refusal: Start call again at once
    assert run_flow(FLOW, page.driver()) == ["start not shown: skipped", "voice not shown: skipped", "click call"]
    assert page.settles == 0


def test_a_part_that_never_shows_fails_naming_it() -> None:
    page = Page({"start"}, {"start": set()})
    with pytest.raises(FlowFailed, match=r"neither notice nor voice or call showed within 0.2 s"):
        run_flow(FLOW, page.driver())
    with pytest.raises(FlowFailed, match=r"^call \(#call\) did not show within 0.2 s"):
        run_flow([FlowStep(click="call")], Page(set(), {}).driver())


def test_wait_gone_and_key() -> None:
    page = Page({"spinner"}, {})
    page.settle = lambda: page.showing.discard("spinner")  # type: ignore[method-assign]
    steps = [FlowStep(gone="spinner"), FlowStep(key="Enter")]
    assert run_flow(steps, page.driver()) == ["spinner gone", "key Enter"]
    assert page.clicks == ["key Enter"]
