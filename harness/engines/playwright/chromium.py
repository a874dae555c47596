"""Chromium through Playwright: Playwright's own build where installed, else Debian's chromium.

How each situation is made (all by Chromium's own means):
- microphone: --use-fake-device-for-media-stream; silent: plus --use-file-for-fake-audio-capture
  with a WAV of zeros; no device: neither flag (getUserMedia → NotFoundError).
- permission granted: context.grant_permissions; denied: CDP Browser.setPermission for the
  cell's browser context; prompt: nothing is set, and headless Chromium answers the prompt with
  Block (NotAllowedError) and remembers it: the query reads denied afterwards, as after a
  visitor's Block. Allow at the prompt: --use-fake-ui-for-media-stream (measured: the query then
  reads granted even before the first request).
- hostnames: --host-resolver-rules maps the fixture hostnames to 127.0.0.1 and every other name
  to NOTFOUND (no lookups leave the machine).
- TLS: --ignore-certificate-errors-spki-list trusts exactly the run's leaf key.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Callable, Hashable

from playwright.sync_api import Browser, Error as PlaywrightError

from harness.atomic import replacing
from harness.engines.base import RunEnv, Situation, Tab, Unsupported
from harness.engines.playwright.engine import PlaywrightEngine
from harness.engines.playwright.tab import PlaywrightTab, context_options
from harness.origins import LOOPBACK

BASE_ARGS = [
    "--disable-background-networking",  # no update or safe-browsing traffic on a closed network
    "--disable-component-update",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-features=WebRtcHideLocalIpsWithMdns",  # real (loopback) host candidates, no mDNS names
    "--allow-loopback-in-peer-connection",
]


def host_resolver_rules(mapped_hosts: tuple[str, ...], address: str = LOOPBACK) -> str:
    """The fixture hostnames to the fixture server's address and every other name to NOTFOUND:
    no lookup leaves. EXCLUDE exempts a host from every MAP rule, so localhost keeps its own
    meaning only when it stays local (a browser on another host maps it to us: origins.Network)."""
    keep_local = [] if "localhost" in mapped_hosts else ["EXCLUDE localhost"]
    return ", ".join([f"MAP {h} {address}" for h in mapped_hosts] + ["MAP * ~NOTFOUND"] + keep_local)


def network_flags(mapped_hosts: tuple[str, ...], leaf_spki_sha256: str, address: str = LOOPBACK) -> list[str]:
    """The flags that put Chromium on the fixture server's origins: the cells' and the ones
    `serve` and `repro --keep-server` print for a person (the same rules, from here)."""
    return [
        f"--host-resolver-rules={host_resolver_rules(mapped_hosts, address)}",
        f"--ignore-certificate-errors-spki-list={leaf_spki_sha256}",
    ]


def command_line(mapped_hosts: tuple[str, ...], leaf_spki_sha256: str) -> str:
    """network_flags as a shell line a person can paste."""
    flags = (f.split("=", 1) for f in network_flags(mapped_hosts, leaf_spki_sha256))
    return "chromium " + " ".join(f'{name}="{value}"' for name, value in flags)


def silence_wav(folder: Path, seconds: float = 2.0, rate: int = 48000) -> Path:
    """A WAV of zeros, the 'silent device' Chromium plays as its fake microphone; written once
    into the run's folder (Chromium is the only engine that takes a file as its microphone)."""
    path = (folder / "silence.wav").resolve()
    if not path.is_file():
        with replacing(path) as tmp, wave.open(str(tmp), "wb") as w:  # whole or absent, if two workers write it at once
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(b"\0\0" * int(seconds * rate))
    return path


class ChromiumEngine(PlaywrightEngine):
    name = "chromium"
    system_paths = ("chromium", "chromium-browser", "/usr/bin/chromium", "google-chrome")
    install_hint = "no Chromium: run `playwright install chromium` or `apt-get install chromium`"

    def launch_key(self, situation: Situation) -> Hashable:
        return (self.name, situation.device, situation.permission == "prompt" and situation.prompt_answer == "allow")

    def _check(self, situation: Situation) -> None:
        if situation.permission == "prompt" and situation.prompt_answer == "ignore":
            raise Unsupported(
                "headless Chromium answers every microphone prompt at once "
                "(dismissed, or accepted with --use-fake-ui-for-media-stream); "
                "a prompt left unanswered cannot be made"
            )
        if situation.policy_block:
            raise Unsupported(
                "Chromium reads managed policies only from /etc/chromium/policies, machine-wide state a test run must not change"
            )

    def launch(self, situation: Situation, env: RunEnv) -> Browser:
        self._check(situation)
        path, _ = self._executable()
        args = BASE_ARGS + network_flags(env.mapped_hosts, env.leaf_spki_sha256, env.origins.address)
        if situation.device in ("fake", "silent"):
            args.append("--use-fake-device-for-media-stream")
        if situation.device == "silent":
            args.append(f"--use-file-for-fake-audio-capture={silence_wav(env.output_dir)}")
        if situation.permission == "prompt" and situation.prompt_answer == "allow":
            args.append("--use-fake-ui-for-media-stream")
        return self.start_browser(
            env,
            {"executable_path": path, "args": args, "headless": not env.headed},
            verify=lambda b: self._args_arrived(b, args),
            needs=self._wav_on_browser_host(situation, env),
        )

    @staticmethod
    def _args_arrived(browser: Browser, args: list[str]) -> bool:
        """Whether a served browser got our flags: chrome://version shows its command line
        (CDP Browser.getBrowserCommandLine would need --enable-automation, which Playwright 1.64
        does not pass)."""
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto("chrome://version")
            line = page.inner_text("#command_line")
        finally:
            context.close()
        return all(arg in line for arg in args)

    @staticmethod
    def _wav_on_browser_host(situation: Situation, env: RunEnv) -> Callable[[Browser], str | None] | None:
        """For a silent device: a check, in the served browser, that the WAV is there. Chromium
        opens --use-file-for-fake-audio-capture on its own host; a path of this machine that the
        browser host lacks would not be silence."""
        if situation.device != "silent":
            return None
        wav = silence_wav(env.output_dir)

        def check(browser: Browser) -> str | None:
            context = browser.new_context()
            try:
                context.new_page().goto(wav.as_uri())
            except PlaywrightError:
                return (
                    f"the silent microphone's WAV {wav} does not exist on the browser host; "
                    "Chromium reads it there: give both hosts that folder (--output on a shared path)"
                )
            finally:
                context.close()
            return None

        return check

    def new_tab(self, browser: Browser, situation: Situation, env: RunEnv) -> Tab:
        self._check(situation)
        context = browser.new_context(**context_options(situation))
        try:
            if situation.permission == "granted":
                context.grant_permissions(["microphone"])
            tab = PlaywrightTab(context, env.output_dir / "trace.zip" if env.trace else None)
            if situation.permission == "denied":
                self._deny(browser, tab)
            return tab
        except BaseException:
            context.close()
            raise

    @staticmethod
    def _deny(browser: Browser, tab: PlaywrightTab) -> None:
        # Browser.setPermission needs the context's id, or it lands in the default context.
        info = tab.context.new_cdp_session(tab.page).send("Target.getTargetInfo")
        browser.new_browser_cdp_session().send(
            "Browser.setPermission",
            {
                "permission": {"name": "microphone"},
                "setting": "denied",
                "browserContextId": info["targetInfo"]["browserContextId"],
            },
        )

    def describe(self, situation: Situation) -> list[str]:
        lines = {
            "granted": "permission granted with context.grant_permissions(['microphone'])",
            "denied": "permission denied with CDP Browser.setPermission for the cell's context",
            "prompt": {
                "block": "permission left at prompt; headless Chromium dismisses the prompt (Block)",
                "allow": "permission left at prompt; --use-fake-ui-for-media-stream accepts it (Allow)",
                "ignore": "unsupported",
            }[situation.prompt_answer],
        }
        device = {
            "fake": "fake microphone (--use-fake-device-for-media-stream)",
            "silent": "fake microphone playing a WAV of zeros",
            "none": "no capture device",
        }[situation.device]
        return [lines[situation.permission], device]
