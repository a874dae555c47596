"""WebKit from Playwright's own build (only where `playwright install webkit` put it; it cannot be
installed on an offline machine, so this path is not exercised by this repository's tests).

Playwright's WebKit is patched for automation: grant_permissions(["microphone"]) and mock capture
devices work, and a context proxy reaches the fixture hostnames (WebKit has no host-resolver
rule). What it cannot make here is refused as Unsupported rather than guessed.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.engines.base import RunEnv, Situation, Tab, Unsupported
from harness.engines.hostproxy import HostProxy
from harness.engines.playwright_engine import find_executable
from harness.engines.playwright_tab import PlaywrightTab, context_options, playwright


@dataclass
class PwBrowser:
    browser: Any
    proxy: HostProxy


def installed() -> bool:
    path, source = find_executable(playwright().webkit, ())
    return source == "playwright"


def _check(situation: Situation) -> None:
    if situation.permission != "granted" and not (situation.permission == "prompt"
                                                 and situation.prompt_answer == "block"):
        raise Unsupported("Playwright's WebKit can grant the microphone but not deny it persistently "
                          "or answer its prompt otherwise than Block")
    if situation.device != "fake" or situation.policy_block:
        raise Unsupported("Playwright's WebKit always has its mock microphone and no policy mechanism")


def launch(situation: Situation, env: RunEnv) -> PwBrowser:
    _check(situation)
    proxy = HostProxy(env.mapped_hosts)
    port = proxy.start()
    try:
        browser = playwright().webkit.launch(headless=not env.headed, slow_mo=env.slowmo_ms or None,
                                             proxy={"server": f"http://127.0.0.1:{port}"})
    except BaseException:
        proxy.stop()
        raise
    return PwBrowser(browser, proxy)


def new_tab(browser: PwBrowser, situation: Situation, env: RunEnv) -> Tab:
    _check(situation)
    # Playwright cannot add a CA to WebKit; the run's self-made certificate is accepted as is.
    context = browser.browser.new_context(**context_options(situation, {"ignore_https_errors": True}))
    if situation.permission == "granted":
        context.grant_permissions(["microphone"])
    return PlaywrightTab(context, Path(env.output_dir) / "trace.zip" if env.trace else None)


def close(browser: PwBrowser) -> None:
    try:
        browser.browser.close()
    finally:
        browser.proxy.stop()


def describe(situation: Situation) -> list[str]:
    return ["Playwright's WebKit build; " + ("grant_permissions(['microphone'])" if situation.permission == "granted"
                                              else "no grant: Playwright denies the request"),
            "hostnames through a loopback-only proxy; TLS errors ignored (ignore_https_errors)"]
