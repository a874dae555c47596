"""The watchdog's escalation, one step at a time, on a real Chromium: a page that does not yield
is ended by closing it; a browser that does not answer (stopped with SIGSTOP) is killed; a
Playwright driver that does not answer (stopped too) is killed and the next call gets a new one.
Each within its bound plus the escalation steps and a margin."""

from __future__ import annotations

from typing import Callable, Iterator

from playwright.sync_api import Browser

import os
import signal
import time

import pytest

from harness.engines import availability
from harness.engines.playwright import tab as pwtab
from harness.engines.watchdog import ESCALATE_S, PageHung

MARGIN_S = 10.0
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page_tab() -> Iterator[tuple[pwtab.PlaywrightTab, Browser]]:
    if not availability("chromium").usable or not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium not here")
    browser = pwtab.playwright().chromium.launch(executable_path=CHROMIUM)
    tab = pwtab.PlaywrightTab(browser.new_context())
    yield tab, browser
    try:
        browser.close()
    except Exception:  # noqa: BLE001 (killed by the test on purpose)
        pass
    pwtab.stop_playwright()


def _ended_within(call: Callable[[], object], steps: int) -> tuple[PageHung, float]:
    started = time.monotonic()
    with pytest.raises(PageHung) as ended:
        call()
    took = time.monotonic() - started
    assert took <= pwtab.CALL_BOUND_S + steps * ESCALATE_S + MARGIN_S, took
    return ended.value, took


def test_a_script_that_does_not_yield_is_ended_by_closing_the_page(page_tab: tuple[pwtab.PlaywrightTab, Browser]) -> None:
    tab, browser = page_tab
    tab.page.set_content("<button onclick='for(;;){}'>go</button>")
    # The click itself may be what waits (Chromium acknowledges input once the handler returns).

    def click_then_ask() -> None:
        tab.click("button")
        tab.evaluate("1")

    ended, _ = _ended_within(click_then_ask, 1)
    assert str(ended).startswith("the page's script did not yield for "), ended
    assert "after the click on button" in str(ended)
    assert browser.is_connected()  # only the page went


def test_a_browser_that_does_not_answer_is_killed(page_tab: tuple[pwtab.PlaywrightTab, Browser]) -> None:
    tab, browser = page_tab
    tab.page.set_content("<p>quiet</p>")
    driver = pwtab.driver_pid()
    assert driver is not None
    kids = [int(p) for p in open(f"/proc/{driver}/task/{driver}/children").read().split()]
    for pid in kids:
        os.killpg(pid, signal.SIGSTOP)
    try:
        ended, _ = _ended_within(lambda: tab.evaluate("1"), 2)
    finally:
        for pid in kids:
            try:
                os.killpg(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    assert "the browser did not answer either: the harness killed it" in str(ended), ended
    assert not browser.is_connected()


def test_a_driver_that_does_not_answer_is_killed_and_replaced(page_tab: tuple[pwtab.PlaywrightTab, Browser]) -> None:
    tab, _ = page_tab
    tab.page.set_content("<p>quiet</p>")
    driver = pwtab.driver_pid()
    assert driver is not None
    os.kill(driver, signal.SIGSTOP)
    ended, _ = _ended_within(lambda: tab.evaluate("1"), 3)
    assert "Playwright's driver did not answer either" in str(ended), ended
    fresh = pwtab.playwright()  # a new driver for what follows
    assert pwtab.driver_pid() not in (None, driver)
    browser = fresh.chromium.launch(executable_path=CHROMIUM)
    try:
        assert browser.new_page().evaluate("1 + 1") == 2
    finally:
        browser.close()
