"""The benchmark's cells written by hand: the same page, the same clicks and the same checks
as the scenarios blocked-prompt, blocked-before, insecure-origin, notice-cancel and no-device
(scenarios/*.yaml), with Playwright's own auto-waiting assertions."""
from __future__ import annotations

from playwright.sync_api import expect

BLOCKED_TIP = "Mic access is blocked — click the lock icon to re-enable."
NEEDED = "Microphone access needed"


def query_line(state: str) -> str:
    return f"[Spelo] navigator.permissions.query({{ name: 'microphone' }}) → state: '{state}'"


def gum(page) -> list[str]:
    return page.evaluate("window.__speloSpy.calls.map(c => c.outcome)")


def parts(page):
    root = page.locator(".spelo-root")
    return (root, root.locator(".spelo-orb"), root.locator(".spelo-status"), root.locator(".spelo-tip"),
            root.locator(".spelo-fallback"))


def test_blocked_prompt(visit, engine, rep):
    page = visit(engine, permission="prompt")
    root, orb, status, tip, fallback = parts(page)
    orb.click()
    page.locator(".spelo-continue").click()
    expect(root).to_have_attribute("data-state", "denied")
    expect(status).to_have_text(NEEDED)
    expect(fallback).to_be_visible()
    assert gum(page) == ["NotAllowedError"]
    orb.click()
    expect(status).to_have_text(NEEDED)
    expect(tip).to_have_text(BLOCKED_TIP)
    expect(fallback).to_be_visible()
    assert query_line("prompt") in page.console_lines
    assert len(gum(page)) == 1


def test_blocked_before(visit, engine, rep):
    page = visit(engine, permission="denied")
    root, orb, status, tip, fallback = parts(page)
    orb.click()
    page.locator(".spelo-continue").click()
    expect(root).to_have_attribute("data-state", "blocked")
    expect(status).to_have_text(NEEDED)
    expect(tip).to_have_text(BLOCKED_TIP)
    expect(fallback).to_be_visible()
    assert query_line("denied") in page.console_lines
    assert gum(page) == []


def test_insecure_origin(visit, engine, rep):
    page = visit(engine, origin="insecure-host")
    root, orb, status, tip, fallback = parts(page)
    orb.click()
    page.locator(".spelo-continue").click()
    expect(root).to_have_attribute("data-state", "insecure")
    expect(status).to_have_text("Voice needs a secure (HTTPS) page. The microphone is unavailable on this page.")
    expect(fallback).to_be_visible()
    assert gum(page) == []


def test_notice_cancel(visit, engine, rep):
    page = visit(engine)
    root, orb, status, tip, fallback = parts(page)
    orb.click()
    page.locator(".spelo-cancel").click()
    expect(root).to_have_attribute("data-state", "idle")
    expect(page.locator(".spelo-notice")).to_be_hidden()
    assert gum(page) == []


def test_no_device(visit, engine, rep):
    page = visit(engine, device="none")
    root, orb, status, tip, fallback = parts(page)
    orb.click()
    page.locator(".spelo-continue").click()
    expect(root).to_have_attribute("data-state", "no-device")
    expect(status).to_have_text("No microphone found. Connect a microphone and try again.")
    expect(fallback).to_be_visible()
    assert gum(page) == ["NotFoundError"]
    assert query_line("granted") in page.console_lines
