"""WebKit as Playwright's own WebKit build (where `playwright install webkit` put it). One of the
two engines behind the name `webkit` (harness/engines/__init__.py chooses); stock WebKitGTK is
engines/webkitgtk/. The build cannot be downloaded on this project's machines, so no cell of it has run
here: tests/test_playwright_builds.py proves that it is found, chosen and reported, and that a
build which does not start fails its cells (README, "Playwright's own browsers").

Playwright's WebKit is patched for automation: grant_permissions(["microphone"]) and mock capture
devices work, and a context proxy reaches the fixture hostnames (WebKit has no host-resolver
rule). What it cannot make here is refused as Unsupported rather than guessed.
"""

from __future__ import annotations

from typing import Hashable

from playwright.sync_api import Browser, Error as PlaywrightError

from harness.engines.base import EngineCrashed, RunEnv, Situation, Tab, Unsupported
from harness.engines.hostproxy import HostProxy
from harness.engines.playwright.engine import PlaywrightEngine, find_executable, launch_error
from harness.engines.playwright.tab import PlaywrightTab, ask_playwright, context_options, playwright
from harness.origins import LOOPBACK


def installed() -> bool:
    """Whether Playwright's WebKit build is where Playwright looks for it (PLAYWRIGHT_BROWSERS_PATH
    or its default cache). Raises PlaywrightError when Playwright's driver does not start."""
    return ask_playwright(lambda p: find_executable(p.webkit, ())[1] == "playwright")


class PlaywrightWebKitEngine(PlaywrightEngine):
    name = "webkit"
    build = "playwright"
    system_paths = ()  # only Playwright's build: the distro's WebKit is engines/webkitgtk/'s
    install_hint = "no Playwright WebKit build: run `playwright install --with-deps webkit`"

    def launch_key(self, situation: Situation) -> Hashable:
        return (self.name, self.build)  # everything is set per context

    def _check(self, situation: Situation) -> None:
        if situation.permission != "granted" and not (situation.permission == "prompt" and situation.prompt_answer == "block"):
            raise Unsupported(
                "Playwright's WebKit can grant the microphone but not deny it persistently or answer its prompt otherwise than Block"
            )
        if situation.device != "fake" or situation.policy_block:
            raise Unsupported("Playwright's WebKit always has its mock microphone and no policy mechanism")

    def launch(self, situation: Situation, env: RunEnv) -> Browser:
        self._check(situation)
        proxy = HostProxy(env.mapped_hosts)
        port = proxy.start()
        try:
            browser = playwright().webkit.launch(
                headless=not env.headed, slow_mo=env.slowmo_ms or None, proxy={"server": f"http://{LOOPBACK}:{port}"}
            )
        except PlaywrightError as e:
            proxy.stop()
            # The chosen build is there but does not start: every cell fails with this, never a skip.
            raise EngineCrashed(f"Playwright's WebKit build did not start: {launch_error(e)}") from None
        except BaseException:
            proxy.stop()
            raise
        self._proxies[id(browser)] = proxy
        return browser

    def new_tab(self, browser: Browser, situation: Situation, env: RunEnv) -> Tab:
        self._check(situation)
        # Playwright cannot add a CA to WebKit; the run's self-made certificate is accepted as is.
        context = browser.new_context(**context_options(situation, {"ignore_https_errors": True}))
        try:
            if situation.permission == "granted":
                context.grant_permissions(["microphone"])
            return PlaywrightTab(context, env.output_dir / "trace.zip" if env.trace else None)
        except BaseException:
            context.close()
            raise

    def version(self, browser: Browser) -> str:
        return f"Playwright WebKit {browser.version}"

    def describe(self, situation: Situation) -> list[str]:
        return [
            "Playwright's WebKit build; "
            + ("grant_permissions(['microphone'])" if situation.permission == "granted" else "no grant: Playwright denies the request"),
            "hostnames through a loopback-only proxy; TLS errors ignored (ignore_https_errors)",
        ]
