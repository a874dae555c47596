"""WebKit as stock WebKitGTK (the distro's), driven through its own API by a driver process
(driver/main.py) under the system Python. One of the two engines behind the name `webkit`
(harness/engines/__init__.py chooses); Playwright's WebKit build is engines/playwright/webkit.py.

How each situation is made on WebKitGTK (all by WebKitGTK's own means, per context):
- microphone: WebKit2.Settings enable-mock-capture-devices ("Mock audio device 1"); no device:
  mock devices off and no real ones (getUserMedia → OverconstrainedError); silent: unsupported.
- permission: the `query-permission-state` signal answers GRANTED / DENIED / PROMPT and the
  `permission-request` signal allows, denies or leaves the request unanswered; a visitor's answer
  at a prompt is remembered per origin for the rest of the context, as a browser does.
- hostnames: a loopback-only proxy (engines/hostproxy.py) set as the context's network proxy.
- TLS: the fixture server's leaf, verified against the run's CA here, is allowed for the https
  hostnames with webkit_web_context_allow_tls_certificate_for_host (no errors policy IGNORE).
- storage: an ephemeral WebsiteDataManager and its own WebContext per tab.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Hashable, NoReturn

from harness import limits
from harness.engines.base import Availability, ConsoleLine, Engine, EngineCrashed, RunEnv, Situation, Tab, Unsupported
from harness.engines.watchdog import PageHung
from harness.engines.webkitgtk.client import SYSTEM_PYTHON, DriverError, WebKitGTKClient
from harness.origins import LOOPBACK, TLS_HOSTS
from harness.xvfb import Xvfb

MIN_VERSION = (2, 40)  # call_async_javascript_function, query-permission-state
GOTO_TIMEOUT = 15.0
ACTION_TIMEOUT = 10.0
LOAD_PROBE_TIMEOUT = 2.0  # after a load that timed out: a page that answers does so at once
# Ops the page's own thread answers: a timeout of one of them is a page that does not yield.
PAGE_OPS = frozenset({"eval", "click", "press", "screenshot"})

# Viewport and user agent of the mobile profiles, as in Playwright 1.64's device descriptors (both
# have has_touch). WebKitGTK has no touch or device-scale emulation of its own: the size and the user
# agent are its settings, touch is engines/touch.js before the page's scripts (TOUCH_MEANS says what
# that gives and what it lacks), and there is no device scale.
MOBILE = {
    "iPhone 13": (
        390,
        664,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/27.2 Mobile/15E148 Safari/604.1",
    ),
    "Pixel 7": (
        412,
        839,
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.4 Mobile Safari/537.36",
    ),
}

TOUCH_MEANS = (
    "touch emulated before the page's scripts (engines/touch.js): navigator.maxTouchPoints 5, "
    "touch event handler attributes, matchMedia (pointer: coarse) and (hover: none); it lacks: "
    "taps arrive as mouse clicks (no touch events fired), stylesheets' @media (pointer: coarse) "
    "rules do not apply, no device scale"
)

PROBE = """import json
try:
    import gi
    gi.require_version("WebKit2", "4.1")
    from gi.repository import WebKit2
    print(json.dumps({"version": [WebKit2.get_major_version(), WebKit2.get_minor_version(), WebKit2.get_micro_version()]}))
except (ImportError, ValueError) as e:
    print(json.dumps({"error": str(e)}))
"""


@dataclass
class GtkBrowser:
    """One driver process and what its tabs share."""

    client: WebKitGTKClient
    leaf_pem: str


def probe_webkitgtk(python: str = SYSTEM_PYTHON) -> tuple[str, str]:
    """(version, "") when the system Python can drive WebKitGTK, else ("", why not)."""
    if not Path(python).exists():
        return "", f"{python} not found (the driver needs the system Python with python3-gi)"
    try:
        out = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, timeout=30).stdout
        found = json.loads(out.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError) as e:
        return "", f"could not probe WebKitGTK with {python}: {e}"
    if "error" in found:
        missing = "python3-gi" if "gi" in found["error"].split("'") else "gir1.2-webkit2-4.1"
        return "", f"{found['error']} (Debian: apt-get install {missing})"
    version = tuple(found["version"])
    text = ".".join(map(str, version))
    if version[:2] < MIN_VERSION:
        return "", f"WebKitGTK {text} is too old; {'.'.join(map(str, MIN_VERSION))} or newer is needed"
    return text, ""


def trusted_leaf_pem(env: RunEnv) -> str:
    """The certificate the fixture server presents, after checking it against the run's CA."""
    ctx = ssl.create_default_context(cafile=str(env.ca_pem))
    with socket.create_connection((LOOPBACK, env.origins.https_port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=TLS_HOSTS[0]) as tls:
            der = tls.getpeercert(binary_form=True)
    if der is None:
        raise ssl.SSLError("the fixture server presented no certificate")
    return ssl.DER_cert_to_PEM_cert(der)


class WebKitGTKEngine(Engine):
    name = "webkit"
    build = "webkitgtk"

    def __init__(self) -> None:
        self._availability: Availability | None = None

    def availability(self) -> Availability:
        if self._availability is None:
            if not Xvfb.available() and not os.environ.get("DISPLAY"):
                self._availability = Availability(
                    self.name, False, source="webkitgtk", reason="WebKitGTK needs an X display: install Xvfb (Debian: apt-get install xvfb)"
                )
            else:
                version, why = probe_webkitgtk()
                self._availability = (
                    Availability(
                        self.name,
                        True,
                        source="webkitgtk",
                        version=f"WebKitGTK {version}",
                        notes=["Debian's WebKitGTK has no WebRTC: sessions end in 'unsupported'"],
                    )
                    if version
                    else Availability(self.name, False, source="webkitgtk", reason=why)
                )
        return self._availability

    def launch_key(self, situation: Situation) -> Hashable:
        # WebKitGTK sets everything per context, so one driver serves every situation.
        return (self.name, self.build)

    def _check(self, situation: Situation) -> None:
        if situation.device == "silent":
            raise Unsupported(
                "WebKitGTK's only fake microphone is its mock capture device, which always "
                "sends a tone; there is no means to make it silent"
            )
        if situation.policy_block:
            raise Unsupported("WebKitGTK has no enterprise policy mechanism")
        if situation.mobile and situation.mobile not in MOBILE:
            raise Unsupported(f"no WebKit mobile profile {situation.mobile!r} (known: {', '.join(MOBILE)})")

    def launch(self, situation: Situation, env: RunEnv) -> GtkBrowser:
        avail = self.availability()
        if not avail.usable:
            raise EngineCrashed(f"WebKitGTK is not usable: {avail.reason}")
        self._check(situation)
        client = WebKitGTKClient(env.mapped_hosts, display=_headed_display(env)).start()
        try:
            return GtkBrowser(client, trusted_leaf_pem(env))
        except (OSError, ssl.SSLError) as e:
            client.close()
            raise EngineCrashed(f"the fixture server's certificate could not be checked: {e}") from None

    def new_tab(self, browser: GtkBrowser, situation: Situation, env: RunEnv) -> Tab:
        self._check(situation)
        width, height, agent = MOBILE.get(situation.mobile or "", (1280, 720, ""))
        options = {
            "permission": situation.permission,
            "prompt_answer": situation.prompt_answer,
            "device": situation.device,
            "width": width,
            "height": height,
            "user_agent": agent,
            "touch": bool(situation.mobile),
            "proxy": browser.client.proxy_url,
            "trust": {"pem": browser.leaf_pem, "hosts": list(TLS_HOSTS)},
            "limits": {
                "console_lines": limits.CONSOLE_LINES,
                "console_line_chars": limits.CONSOLE_LINE_CHARS,
                "observed_items": limits.OBSERVED_ITEMS,
            },
        }
        try:
            page = browser.client.call("open", options=options)
        except DriverError as e:
            raise EngineCrashed(f"WebKitGTK could not open a page: {e}") from None
        return WebKitGTKTab(browser.client, page)

    def close_browser(self, browser: GtkBrowser) -> None:
        browser.client.close()

    def is_alive(self, browser: GtkBrowser) -> bool:
        return browser.client.alive()

    def version(self, browser: GtkBrowser) -> str:
        return f"WebKitGTK {browser.client.version}"

    def describe(self, situation: Situation) -> list[str]:
        permission = {
            "granted": "query-permission-state → GRANTED; permission-request → allow",
            "denied": "query-permission-state → DENIED; permission-request → deny "
            "(quirk: the page reads 'prompt' until a request was denied)",
            "prompt": "query-permission-state → PROMPT; permission-request → "
            + {
                "block": "deny, then DENIED remembered for the origin",
                "allow": "allow, then GRANTED remembered for the origin",
                "ignore": "left unanswered (the visitor ignores the prompt)",
            }[situation.prompt_answer],
        }[situation.permission]
        device = {
            "fake": "mock capture device (enable-mock-capture-devices)",
            "none": "no capture device (mock devices off)",
            "silent": "unsupported",
        }[situation.device]
        lines = [
            permission,
            device,
            "hostnames through a loopback-only proxy; the run CA's leaf allowed with allow_tls_certificate_for_host",
        ]
        if situation.mobile:
            lines.append(f"{situation.mobile}: viewport size and user agent; {TOUCH_MEANS}")
        return lines


class WebKitGTKTab(Tab):
    transient_errors = (DriverError,)  # a script error while the page navigates, a frame not there yet

    def __init__(self, client: WebKitGTKClient, page: str):
        self.client = client
        self.page = page
        self._last_action = ("after the page opened", time.monotonic())
        self._ended: list[ConsoleLine] | None = None  # the console at the end, once the page was ended

    def _call(self, op: str, timeout: float, **args: Any) -> Any:
        if self._ended is not None:
            raise EngineCrashed("the page was ended by the harness")
        try:
            return self.client.call(op, timeout=timeout, page=self.page, **args)
        except DriverError as e:
            if e.kind == "crashed":
                raise EngineCrashed(f"WebKitGTK {e}") from None
            if e.kind == "timeout" and op in PAGE_OPS:  # the page's own thread did not answer
                self._end()
            raise

    def _end(self) -> NoReturn:
        """A page that did not answer in its bound: keep what it logged, end its driver (the
        runner replaces the browser), and say what was seen."""
        after, at = self._last_action
        waited = time.monotonic() - at
        try:  # the console is kept by the driver, not the page: it still answers
            state = self.client.call("state", timeout=2.0, page=self.page)
            self._ended = [ConsoleLine(c["level"], c["text"], c["frame_url"]) for c in state["console"]]
            self.console_dropped = int(state.get("console_dropped", 0))
        except (DriverError, EngineCrashed):
            self._ended = []
        self.client.close()
        flood = ""
        if self.console_dropped:
            flood = f"console flood: {len(self._ended) + self.console_dropped:,} lines by then, the first {len(self._ended):,} kept; "
        raise PageHung(f"{flood}the page's script did not yield for {waited:.0f} s {after} (the harness ended its browser and replaces it)")

    def goto(self, url: str) -> None:
        self._last_action = (f"while loading {url}", time.monotonic())
        self._load(lambda: self._call("goto", GOTO_TIMEOUT, url=url))

    def reload(self) -> None:
        self._last_action = ("while reloading the page", time.monotonic())
        self._load(lambda: self._call("reload", GOTO_TIMEOUT))

    def _load(self, go: Any) -> None:
        """A load that does not finish is a verdict only when the page does not answer either
        (as in PlaywrightTab._load)."""
        try:
            go()
        except DriverError as e:
            if e.kind != "timeout":
                raise
            self._call("eval", LOAD_PROBE_TIMEOUT, expr="1", frame=None)

    def click(self, selector: str, frame: str | None = None) -> None:
        self._last_action = (f"after the click on {selector}", time.monotonic())
        self._call("click", ACTION_TIMEOUT, selector=selector, frame=frame)

    def press(self, selector: str, key: str, frame: str | None = None) -> None:
        self._last_action = (f"after the key press {key}", time.monotonic())
        self._call("press", ACTION_TIMEOUT, selector=selector, key=key, frame=frame)

    def evaluate(self, expression: str, frame: str | None = None) -> Any:
        return self._call("eval", ACTION_TIMEOUT, expr=expression, frame=frame)

    def console(self) -> list[ConsoleLine]:
        if self._ended is not None:
            return list(self._ended)
        state = self._call("state", ACTION_TIMEOUT)
        self.console_dropped = int(state.get("console_dropped", 0))
        return [ConsoleLine(c["level"], c["text"], c["frame_url"]) for c in state["console"]]

    def browser_prompts(self) -> int | None:
        if self._ended is not None:
            return None
        return int(self._call("state", ACTION_TIMEOUT)["prompts"])

    def screenshot(self, path: Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._call("screenshot", ACTION_TIMEOUT, path=str(Path(path).resolve()))

    def route_vendor(self, fake: Any) -> None:
        """The vendor hosts through the host proxy to a loopback server of the fake, whose own
        certificate this page's context trusts for exactly those hosts (vendor_server.py)."""
        from harness.vendor_server import VendorServer

        server = self._vendor = VendorServer(fake).start()
        self._call("trust", ACTION_TIMEOUT, pem=server.leaf_pem, hosts=list(fake.hosts))
        for host in fake.hosts:
            self.client.route_host(host, {443: server.https_port, 80: server.http_port})

    def close(self) -> None:
        vendor = getattr(self, "_vendor", None)
        if vendor is not None:
            vendor.stop()
        if self._ended is not None:
            return
        try:
            self.client.call("close", timeout=ACTION_TIMEOUT, page=self.page)
        except (DriverError, EngineCrashed):
            pass  # the driver went away first; its pages went with it


def _headed_display(env: RunEnv) -> str | None:
    """The user's own display for a headed run; otherwise the client starts a private Xvfb."""
    return os.environ.get("DISPLAY") if env.headed and os.environ.get("DISPLAY") else None
