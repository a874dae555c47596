"""A user's own test with the spelo fixtures: open a situation, click, assert.

Run it like any pytest file (the plugin comes with the package):
    .venv/bin/pytest examples/test_user_example.py --browser chromium
spelo_tab is a fresh context and page in spelo_engine's browser, made for spelo_situation by the
engine's own means (here: the microphone permission already denied, as a visitor's browser
remembers it). Waits are conditions with a deadline, never sleeps.
"""
from __future__ import annotations

import time

import pytest

from harness.engines.base import Situation, Tab
from harness.profile import REFERENCE


@pytest.fixture
def spelo_situation() -> Situation:  # one rung of the ladder, overridden for this module
    return Situation(permission="denied")


def widget(tab: Tab) -> dict:
    """What a visitor perceives of the widget: state, status, tooltip ... (harness/probe.js)."""
    return tab.evaluate(REFERENCE.probe_expression()) or {}


def wait_until(tab: Tab, holds, timeout_s: float = 10.0) -> dict:
    """The widget's snapshot once `holds(snapshot)` is true; fails with the last one at the deadline."""
    end = time.monotonic() + timeout_s
    while True:
        snap = widget(tab)
        if holds(snap) or time.monotonic() > end:
            return snap
        tab.settle(0.05)  # returns early when the page changes


def test_a_denied_microphone_says_how_to_re_enable_it(spelo_harness, spelo_site, spelo_tab):
    url = spelo_harness.env.origins.page_url("localhost", "top", "/index.html", spelo_site.site_id)
    spelo_tab.goto(url)
    wait_until(spelo_tab, lambda s: s.get("present"))
    spelo_tab.click(REFERENCE.selector("orb"))
    wait_until(spelo_tab, lambda s: s.get("notice"))
    spelo_tab.click(REFERENCE.selector("continue"))
    snap = wait_until(spelo_tab, lambda s: s.get("state") == "blocked")
    assert snap["state"] == "blocked"
    assert snap["status"] == "Microphone access needed"
    assert snap["tooltip"] == "Mic access is blocked — click the lock icon to re-enable."
