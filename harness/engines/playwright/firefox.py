"""Firefox through Playwright: Playwright's own build where installed, else Debian's Firefox ESR
over WebDriver BiDi (channel "moz-firefox").

Firefox has no per-context microphone permission that Playwright can set (grant_permissions
rejects "microphone" over BiDi and in Playwright's Juggler build), so every situation is made
with prefs, which are per launch: the pool keeps one browser per distinct set of prefs.
- microphone: media.navigator.streams.fake (a 1 kHz sine). No device: neither that pref nor
  media.cubeb.force_mock_context, whose mock backend brings a capture device of its own
  (measured: "Fake Audio Input 2"); getUserMedia then rejects with NotFoundError.
- granted / denied: permissions.default.microphone = 1 / 2 (the query reads granted / denied).
- prompt, visitor blocks: media.getusermedia.microphone.deny answers the request with
  NotAllowedError; the query keeps reading prompt (Firefox does not remember this answer).
- prompt, visitor allows: media.navigator.permission.disabled (no prompt; the query still reads prompt).
- prompt, visitor ignores it: no pref; headless Firefox never answers its doorhanger.
- hostnames: network.dns.localDomains lists the fixture hostnames (resolved to loopback) and
  network.dns.forceResolve sends every other lookup to 127.0.0.1 too. With the browser on another
  host, localDomains would name that host's loopback, and forceResolve spares localhost and
  127.0.0.1 (measured: NS_ERROR_CONNECTION_REFUSED on the browser host). So there every load
  goes through a proxy of ours on this machine (hostproxy.py, network.proxy.* with
  network.proxy.allow_hijacking_localhost), which relays the fixture hosts to the fixture server;
  forceResolve still sends any other lookup to this machine. WebRTC does not use the proxy.
- enterprise policy (policy_block): Firefox reads policies.json only from its install's
  distribution/ folder (or /etc/firefox), machine-wide. So the run gets a private install: a
  folder of links to the system Firefox's files, its own copy of the launcher (Firefox finds its
  install folder from the binary's real path) and a distribution/policies.json that blocks the
  microphone. Measured: the policy then applies only with permissions.isolateBy.userContext off,
  since Playwright's contexts are user contexts. Playwright's own Firefox build (Juggler, not
  BiDi) is not made this way: its playwright.cfg reads a policies.json from the path in
  PLAYWRIGHT_FIREFOX_POLICIES_JSON (Playwright's launch docs), so the launch sets that variable.
  Not run here (the build cannot be downloaded on this machine): README, "Playwright's own browsers".
- TLS: the context ignores certificate errors (ignore_https_errors), as BiDi offers no way to
  add a CA to the temporary profile. Pages on the run's https hosts stay secure contexts.
- Playwright's versions: from 1.65 on, Playwright opens every WebDriver BiDi context with
  emulation.setMediaFeaturesOverride (BidiBrowserContext.initialize → doUpdateDefaultEmulatedMedia,
  unconditionally), which Firefox ESR 153 answers "unknown command", so no context can be made.
  No option of ours avoids that call, so the engine asks once (driver_gap: one launch, one context)
  and, where the distro's Firefox lacks the command, reports Firefox not usable with that reason:
  a run naming --browser firefox stops with it (exit 2), a run of every engine names it as not run.
  Playwright's own Firefox (Juggler) is not affected. 1.62 to 1.64 drive ESR 153.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Hashable

from playwright.sync_api import Browser, Error as PlaywrightError

from harness.engines.base import RunEnv, Situation, Tab, Unsupported
from harness.engines.hostproxy import HostProxy
from harness.engines.playwright.engine import PlaywrightEngine
from harness.engines.playwright.tab import PlaywrightTab, context_options, playwright
from harness.origins import LOOPBACK, is_loopback

BASE_PREFS: dict[str, Any] = {
    "media.peerconnection.ice.obfuscate_host_addresses": False,  # real loopback candidates, no mDNS
    "media.peerconnection.ice.loopback": True,
    "media.autoplay.default": 0,
    "media.autoplay.blocking_policy": 0,
    "media.autoplay.block-webaudio": False,
    # Without a mock audio backend AudioContext.resume() never settles headless.
    "media.cubeb.force_mock_context": True,
    "network.dns.forceResolve": LOOPBACK,
    "browser.shell.checkDefaultBrowser": False,
    # Measured with ESR 153 over BiDi: with Fission, Playwright's input (locator and mouse
    # clicks alike) never reaches a cross-origin, out-of-process iframe; without it the iframe
    # runs in-process and the click arrives. Permissions and secure-context rules are per
    # origin, not per process, so no cell changes meaning.
    "fission.autostart": False,
}


# An IT department's policy: the microphone is blocked and the user cannot change it.
POLICY_BLOCK_MICROPHONE = {"policies": {"Permissions": {"Microphone": {"BlockNewRequests": True, "Locked": True}}}}


# With --connect, prefs reach the browser only if the server lets them (remote.py). They travel
# as one object, all or none, so one pref a page can read tells: navigator.oscpu (which the widget
# does not read) shows this value only where the prefs arrived.
CANARY_PREF, CANARY = "general.oscpu.override", "spelo-harness prefs applied"


# The first Playwright that opens a BiDi context with a command Firefox ESR 153 lacks; older ones
# are not asked (a launch costs seconds).
BIDI_GAP_FROM = (1, 65)


def bidi_gap(executable: str) -> str:
    """Why this Playwright cannot open a context in the Firefox at `executable` (WebDriver BiDi),
    in one line naming the command the browser does not know; "" when it can, or when the launch
    itself fails (the cells report that)."""
    version = importlib.metadata.version("playwright")
    if tuple(int(p) for p in re.findall(r"\d+", version)[:2]) < BIDI_GAP_FROM:
        return ""
    try:
        browser = playwright().firefox.launch(channel="moz-firefox", executable_path=executable, headless=True)
    except PlaywrightError:
        return ""
    try:
        browser.new_context().close()
    except PlaywrightError as e:
        missing = re.search(r"Protocol error \(([\w.]+)\): unknown command", str(e))
        if missing:
            return (
                f"Playwright {version} opens every context with the WebDriver BiDi command {missing[1]}, which "
                f"this Firefox ({browser.version}, {executable}) does not know: use Playwright's own Firefox "
                "(`python -m playwright install firefox`), or playwright<1.65 with this one"
            )
        return ""
    finally:
        browser.close()
    return ""


def _prefs_arrived(browser: Browser) -> bool:
    context = browser.new_context()
    try:
        return bool(context.new_page().evaluate("navigator.oscpu") == CANARY)
    finally:
        context.close()


class FirefoxEngine(PlaywrightEngine):
    name = "firefox"
    system_paths = ("firefox-esr", "firefox", "/usr/bin/firefox-esr")
    install_hint = "no Firefox: run `playwright install firefox` or `apt-get install firefox-esr`"

    def __init__(self) -> None:
        super().__init__()
        self._installs: dict[int, Path] = {}  # id(browser) -> its private install (policy runs)

    def driver_gap(self, executable: str | None) -> str:
        return bidi_gap(executable) if executable else ""  # None: Playwright's own build (Juggler)

    def prefs(self, situation: Situation, mapped_hosts: tuple[str, ...] = (), address: str = LOOPBACK) -> dict[str, Any]:
        prefs = dict(BASE_PREFS)
        prefs["network.dns.forceResolve"] = address
        if is_loopback(address):
            prefs["network.dns.localDomains"] = ",".join(mapped_hosts)
        if situation.device == "fake":
            prefs["media.navigator.streams.fake"] = True
        else:
            prefs["media.cubeb.force_mock_context"] = False
        if situation.permission == "granted":
            prefs["permissions.default.microphone"] = 1
        elif situation.permission == "denied":
            prefs["permissions.default.microphone"] = 2
        elif situation.policy_block:
            # The policy answers the request; media.navigator.permission.disabled (the visitor's
            # Allow) would skip the permission check and hand a stream to a build that asks anyway.
            pass
        elif situation.prompt_answer == "allow":
            prefs["media.navigator.permission.disabled"] = True
        elif situation.prompt_answer == "block":
            prefs["media.getusermedia.microphone.deny"] = True
        return prefs

    def _check(self, situation: Situation) -> None:
        if situation.device == "silent":
            raise Unsupported("Firefox's fake microphone always plays a tone; no pref makes it silent")

    def launch_key(self, situation: Situation) -> Hashable:
        return (
            self.name,
            situation.device,
            situation.permission,
            situation.prompt_answer if situation.permission == "prompt" else None,
            situation.policy_block,
        )

    def launch(self, situation: Situation, env: RunEnv) -> Browser:
        self._check(situation)
        path, _ = self._executable()
        prefs = self.prefs(situation, env.mapped_hosts, env.origins.address)
        # One set of launch options, in BrowserType.launch's names, for a browser started here or
        # by a Playwright server (start_browser decides which).
        opts: dict[str, Any] = {"firefox_user_prefs": prefs, "headless": not env.headed}
        home = None  # the policy file's folder, removed with the browser
        proxy = None  # with a server on another host: our proxy to the fixture hosts
        if env.connect:
            if situation.policy_block:
                raise Unsupported(
                    "with --connect the server launches Firefox; the private install that holds the policy would be made on this machine"
                )
            prefs[CANARY_PREF] = CANARY
            if not is_loopback(env.origins.address):
                proxy = self._proxy_prefs(prefs, env)
        elif situation.policy_block:
            prefs["permissions.isolateBy.userContext"] = False
            if path is None:  # Playwright's build (Juggler): its own variable names the policy file
                home = Path(tempfile.mkdtemp(prefix="spelo-firefox-policy-"))
                (home / "policies.json").write_text(json.dumps(POLICY_BLOCK_MICROPHONE))
                opts["env"] = {**os.environ, "PLAYWRIGHT_FIREFOX_POLICIES_JSON": str(home / "policies.json")}
            else:  # the distro's Firefox (BiDi) reads policies only from its install folder
                path = self._private_install(path, env)
                home = Path(path).parent
        if path:  # the distro's Firefox: WebDriver BiDi
            opts.update(channel="moz-firefox", executable_path=path)
        try:
            browser = self.start_browser(env, opts, verify=_prefs_arrived)
        except BaseException:
            if proxy is not None:
                proxy.stop()
            if home is not None:
                shutil.rmtree(home, ignore_errors=True)
            raise
        if proxy is not None:
            self._proxies[id(browser)] = proxy
        if home is not None:
            self._installs[id(browser)] = home
        return browser

    @staticmethod
    def _proxy_prefs(prefs: dict[str, Any], env: RunEnv) -> HostProxy:
        """A proxy on this machine's run address for a Firefox on another host, and the prefs
        that send all its loads there (localhost and 127.0.0.1 included)."""
        address = env.origins.address
        proxy = HostProxy(env.mapped_hosts, listen=address, upstream=address)
        port = proxy.start()
        prefs.update(
            {
                "network.proxy.type": 1,
                "network.proxy.http": address,
                "network.proxy.http_port": port,
                "network.proxy.ssl": address,
                "network.proxy.ssl_port": port,
                "network.proxy.no_proxies_on": "",
                "network.proxy.allow_hijacking_localhost": True,
            }
        )
        return proxy

    @staticmethod
    def _private_install(executable: str, env: RunEnv) -> str:
        real = Path(executable).resolve()
        home = Path(tempfile.mkdtemp(prefix="spelo-firefox-policy-"))
        for entry in real.parent.iterdir():
            if entry.name not in ("distribution", real.name):
                (home / entry.name).symlink_to(entry)
        shutil.copy2(real, home / real.name)
        (home / "distribution").mkdir()
        (home / "distribution" / "policies.json").write_text(json.dumps(POLICY_BLOCK_MICROPHONE))
        return str(home / real.name)

    def new_tab(self, browser: Browser, situation: Situation, env: RunEnv) -> Tab:
        self._check(situation)
        opts = context_options(situation, {"ignore_https_errors": True})
        opts.pop("is_mobile", None)  # Firefox has no mobile emulation; viewport and UA still apply
        opts.pop("has_touch", None)
        context = browser.new_context(**opts)
        try:
            return PlaywrightTab(context, env.output_dir / "trace.zip" if env.trace else None)
        except BaseException:
            context.close()
            raise

    def close_browser(self, browser: Browser) -> None:
        try:
            super().close_browser(browser)
        finally:
            home = self._installs.pop(id(browser), None)
            if home is not None:
                shutil.rmtree(home, ignore_errors=True)

    def describe(self, situation: Situation) -> list[str]:
        prefs = self.prefs(situation)
        keys = (
            "media.navigator.streams.fake",
            "permissions.default.microphone",
            "media.navigator.permission.disabled",
            "media.getusermedia.microphone.deny",
        )
        shown = [f"{k}={prefs[k]}" for k in keys if k in prefs]
        lines = ["prefs: " + (", ".join(shown) or "none set (microphone prompt, no device)")]
        if situation.policy_block:
            lines.append(
                "policies.json blocking the microphone: "
                + ("in a private copy of the install" if self._executable()[0] else "PLAYWRIGHT_FIREFOX_POLICIES_JSON")
            )
        return lines
