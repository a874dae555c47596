"""The WebKitGTK driver on its own: its protocol, page loads and their failures, trusted input,
console and permission answers, a crashed web process, a dead driver, and that nothing of it is
left running afterwards. Skipped where the system Python cannot drive WebKitGTK or Xvfb is absent.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

import pytest

from harness import origins
from harness.engines.base import EngineCrashed, RunEnv
from harness.engines.webkitgtk.engine import probe_webkitgtk, trusted_leaf_pem
from harness.engines.webkitgtk.client import DriverError, WebKitGTKClient
from harness.server import FixtureServer
from harness.xvfb import Xvfb

VERSION, WHY = probe_webkitgtk()
pytestmark = [
    pytest.mark.skipif(not VERSION, reason=f"WebKitGTK unusable: {WHY}"),
    pytest.mark.skipif(not Xvfb.available(), reason="Xvfb is not installed"),
]


def descendants(pid: int) -> set[int]:
    """Every process whose ancestry reaches pid (read from /proc; no psutil needed)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":  # zombies are dead already
                parents[int(entry)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def named(pids: set[int], name: str) -> list[int]:
    out = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip().startswith(name):
                out.append(pid)
        except OSError:
            pass
    return out


def gone(pids: Iterable[int], timeout: float = 10.0) -> bool:
    """Wait (polling) until none of pids is a live process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "State:\tZ" not in _status(p)]
        if not alive:
            return True
        time.sleep(0.05)  # poll
    return False


def _status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "State:\tZ"


def running(c: WebKitGTKClient) -> tuple[subprocess.Popen[bytes], int]:
    """The client's driver process and its Xvfb's pid (both there once start() returned)."""
    assert c.proc is not None and c._xvfb is not None and c._xvfb.proc is not None
    return c.proc, c._xvfb.proc.pid


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    srv = FixtureServer()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def env(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> RunEnv:
    out = tmp_path_factory.mktemp("webkitgtk")
    return RunEnv(
        origins=server.origins,
        mapped_hosts=origins.MAPPED_HOSTS,
        ca_pem=server.ca.ca_pem,
        leaf_spki_sha256=server.ca.leaf_spki_sha256(),
        output_dir=out,
    )


@pytest.fixture(scope="module")
def client() -> Iterator[WebKitGTKClient]:
    c = WebKitGTKClient(origins.MAPPED_HOSTS).start()
    yield c
    proc, xvfb = running(c)
    watched = descendants(proc.pid) | {proc.pid, xvfb}
    c.close()
    assert gone(watched), "the driver, its WebKit processes or Xvfb outlived close()"


def open_page(client: WebKitGTKClient, env: RunEnv, **options: Any) -> str:
    options.setdefault("proxy", client.proxy_url)
    options.setdefault("trust", {"pem": trusted_leaf_pem(env), "hosts": list(origins.TLS_HOSTS)})
    page: str = client.call("open", options=options)
    return page


def test_protocol_round_trip(client: WebKitGTKClient) -> None:
    assert client.version == VERSION
    page = client.call("open", options={})
    assert client.call("goto", page=page, url="data:text/html,<title>t</title><p>hi</p>").startswith("data:")
    assert client.call("eval", page=page, expr="1 + 1") == 2
    assert client.call("eval", page=page, expr="() => ({a: [1, 'x', null]})") == {"a": [1, "x", None]}
    assert client.call("eval", page=page, expr="Promise.resolve(document.title)") == "t"
    assert client.call("eval", page=page, expr="undefined") is None
    with pytest.raises(DriverError) as bad:
        client.call("eval", page=page, expr="nope()")
    assert bad.value.kind == "js-error" and "nope" in str(bad.value)
    with pytest.raises(DriverError) as bad:
        client.call("fly", page=page)
    assert bad.value.kind == "bad-request"
    with pytest.raises(DriverError) as bad:
        client.call("goto", page="p999", url="about:blank")
    assert bad.value.kind == "bad-request"
    # A line that is not JSON is answered (with no id) and does not disturb the next call.
    stdin = running(client)[0].stdin
    assert stdin is not None
    stdin.write(b"this is not json\n")
    stdin.flush()
    assert client.call("eval", page=page, expr="'still here'") == "still here"
    client.call("close", page=page)


def test_load_and_load_failures(client: WebKitGTKClient, env: RunEnv, server: FixtureServer) -> None:
    page = open_page(client, env)
    site = server.new_site()
    # A fixture hostname over https: through the host proxy, with the run CA's leaf allowed.
    url = env.origins.url("secure-host", f"/index.html?site={site.site_id}")
    assert client.call("goto", page=page, url=url) == url
    assert client.call("eval", page=page, expr="window.isSecureContext") is True
    # A server that accepts the connection and never answers: the driver's own timeout.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        started = time.monotonic()
        with pytest.raises(DriverError) as hung:
            client.call("goto", page=page, url=f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout=1.5)
        assert hung.value.kind == "timeout" and time.monotonic() - started < 5
    # A refused port: a load failure, reported at once.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        refused = s.getsockname()[1]
    with pytest.raises(DriverError) as failed:
        client.call("goto", page=page, url=f"http://127.0.0.1:{refused}/", timeout=10)
    assert failed.value.kind == "load-failed"
    # An unknown hostname is refused by the proxy and never leaves loopback.
    with pytest.raises(DriverError) as outside:
        client.call("goto", page=page, url="http://example.invalid/", timeout=10)
    assert outside.value.kind == "load-failed"
    client.call("close", page=page)


def test_click_console_and_blocked_prompt(client: WebKitGTKClient, env: RunEnv, server: FixtureServer) -> None:
    page = open_page(client, env, permission="prompt", prompt_answer="block")
    site = server.new_site()
    client.call("goto", page=page, url=env.origins.url("localhost", f"/index.html?site={site.site_id}"))
    orb = client.call("click", page=page, selector=".spelo-orb")
    assert orb["trusted"] and orb["hit"]
    client.call("press", page=page, selector=".spelo-continue", key="Enter")
    state = "notice"
    for _ in range(100):  # poll the widget's state; each call is a round trip, no sleeping
        state = client.call("eval", page=page, expr="document.querySelector('.spelo-root').dataset.state")
        if state not in ("notice", "requesting"):
            break
    assert state == "denied"
    seen = client.call("state", page=page)
    texts = [line["text"] for line in seen["console"]]
    assert "[Spelo] navigator.permissions.query({ name: 'microphone' }) \u2192 state: 'prompt'" in texts
    assert seen["prompts"] == 1 and seen["requests"][0]["answer"] == "deny"
    # The browser remembers the Block: the query now reads denied.
    assert client.call("eval", page=page, expr="navigator.permissions.query({name: 'microphone'}).then(s => s.state)") == "denied"
    shot = env.output_dir / "blocked.png"
    client.call("screenshot", page=page, path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    client.call("close", page=page)


BUILDS = Path(__file__).parent / "builds"


def test_click_on_a_disabled_button_while_the_prompt_is_unanswered(client: WebKitGTKClient, env: RunEnv, server: FixtureServer) -> None:
    """ElevenLabs' pattern (tests/builds/awaited-call.js): the click disables the call button,
    awaits its audio set-up, then asks; the visitor leaves the prompt open. The page is at rest,
    and a second click on the disabled button is received and does nothing. WebKit dispatches
    no click event to a disabled control, only pointer events: the driver must confirm the
    input by those, not wait for a click that never comes (it used to time out, and the harness
    ended the browser as if the page's script did not yield)."""
    page = open_page(client, env, permission="prompt", prompt_answer="ignore")
    client.call("goto", page=page, url=env.origins.url("localhost", "/about.html"))
    assert client.call("eval", page=page, expr=(BUILDS / "awaited-call.js").read_text(encoding="utf-8")) is True
    first = client.call("click", page=page, selector="#call")
    assert first["hit"] and first["type"] == "click"
    log: dict[str, Any] = client.call("eval", page=page, expr="window.callLog")
    end = time.monotonic() + 5
    while log["gum"] == "not called" and time.monotonic() < end:  # until the build asked, after its awaits
        log = client.call("eval", page=page, expr="window.callLog")
    assert log == {"clicks": 1, "gum": "pending"}
    seen = client.call("state", page=page)
    end = time.monotonic() + 5  # the request reaches the driver's permission-request handler a little later
    while not seen["prompts"] and time.monotonic() < end:  # a bound in seconds: round trips vary with load
        seen = client.call("state", page=page)
    assert seen["prompts"] == 1 and seen["requests"][0]["answer"] == "unanswered"
    # The second click: on the disabled "End", received, no click event, answered within its bound.
    second = client.call("click", page=page, selector='button[aria-label="End"]', timeout=5)
    assert second["hit"] and second["disabled"] and second["clicked"] is False and second["trusted"]
    assert client.call("eval", page=page, expr="window.callLog") == {"clicks": 1, "gum": "pending"}
    assert client.call("state", page=page)["prompts"] == 1
    assert first["clicked"] is True and first["disabled"] is False  # the enabled button: its click event
    client.call("close", page=page)


def test_cross_origin_iframe(client: WebKitGTKClient, env: RunEnv, server: FixtureServer) -> None:
    page = open_page(client, env)
    site = server.new_site()
    client.call("goto", page=page, url=env.origins.url("localhost", f"/framed.html?site={site.site_id}&frame=frame-host"))
    href = client.call("eval", page=page, frame="widget-frame", expr="location.href")
    assert href.startswith(env.origins.origin("frame-host"))
    click = client.call("click", page=page, frame="widget-frame", selector=".spelo-orb")
    assert click["hit"]
    frame_lines = [c for c in client.call("state", page=page)["console"] if c["frame_url"].startswith(env.origins.origin("frame-host"))]
    assert frame_lines, "console lines of the iframe are collected with its URL"
    with pytest.raises(DriverError):
        client.call("eval", page=page, frame="no-such-frame", expr="1", timeout=1)
    client.call("close", page=page)


def test_crashed_web_process_is_reported(client: WebKitGTKClient) -> None:
    page = client.call("open", options={})
    client.call("goto", page=page, url="data:text/html,<p>before</p>")
    web = named(descendants(running(client)[0].pid), "WebKitWebProces")
    assert web
    for pid in web:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not client.call("state", page=page)["crashed"] and time.monotonic() < deadline:
        time.sleep(0.02)  # poll for the driver's web-process-terminated report
    assert client.call("state", page=page)["crashed"] == "web process terminated: crashed"
    with pytest.raises(DriverError) as crashed:
        client.call("eval", page=page, expr="1")
    assert crashed.value.kind == "crashed"
    # The same page loads again in a new web process.
    client.call("goto", page=page, url="data:text/html,<p>after</p>")
    assert client.call("eval", page=page, expr="document.body.textContent") == "after"
    client.call("close", page=page)


def test_dead_driver_raises_engine_crashed_and_a_new_one_works() -> None:
    first = WebKitGTKClient(()).start()
    proc, xvfb = running(first)
    watched = descendants(proc.pid) | {proc.pid, xvfb}
    try:
        os.kill(proc.pid, signal.SIGKILL)
        with pytest.raises(EngineCrashed, match="SIGKILL"):
            first.call("open", options={})
        assert not first.alive()
    finally:
        first.close()
    assert gone(watched), "a dead driver's web processes and Xvfb are cleaned up"
    second = WebKitGTKClient(()).start()
    try:
        page = second.call("open", options={})
        second.call("goto", page=page, url="data:text/html,ok")
        assert second.call("eval", page=page, expr="document.body.textContent") == "ok"
    finally:
        second.close()


def test_engine_tab_on_webkitgtk(server: FixtureServer, env: RunEnv) -> None:
    """The Engine and its Tab on top of the driver: a granted microphone with no device."""
    from harness.engines.base import Situation, Unsupported
    from harness.engines.webkitgtk.engine import WebKitGTKEngine

    engine = WebKitGTKEngine()
    assert engine.availability().version == f"WebKitGTK {VERSION}"
    situation = Situation(permission="granted", device="none", mobile="Pixel 7")
    browser = engine.launch(situation, env)
    driver = running(browser.client)[0]
    watched = descendants(driver.pid) | {driver.pid}
    try:
        with pytest.raises(Unsupported):
            engine.new_tab(browser, Situation(device="silent"), env)
        tab = engine.new_tab(browser, situation, env)
        site = server.new_site()
        tab.goto(env.origins.url("loopback-ip", f"/index.html?site={site.site_id}"))
        assert tab.evaluate("innerWidth") == 412
        tab.click(".spelo-orb")
        tab.click(".spelo-continue")
        state = None
        for _ in range(100):
            state = tab.evaluate("document.querySelector('.spelo-root').dataset.state")
            if state not in ("notice", "requesting"):
                break
        assert state == "no-device"  # WebKitGTK: OverconstrainedError without a capture device
        assert any("state: 'granted'" in line.text for line in tab.console())
        assert tab.browser_prompts() == 0
        tab.reload()
        assert tab.evaluate("window.__speloSpy.calls.length") == 0  # a fresh document after reload
        tab.close()
        assert engine.is_alive(browser)
    finally:
        engine.close_browser(browser)
    assert not engine.is_alive(browser)
    assert gone(watched)


def test_closed_pages_leave_no_webkit_process_behind(client: WebKitGTKClient, env: RunEnv, server: FixtureServer) -> None:
    """A page's WebContext (and its network process) goes with the page: a driver that serves a
    whole run (mutate's workers: thousands of cells) once kept one network process per page."""
    driver = running(client)[0].pid

    def webkit_processes() -> int:
        return len(named(descendants(driver), "WebKitNetworkP")) + len(named(descendants(driver), "WebKitWebProces"))

    site = server.new_site()
    for _ in range(8):
        page = open_page(client, env)
        client.call("goto", page=page, url=env.origins.url("localhost", f"/index.html?site={site.site_id}"))
        client.call("close", page=page)
    deadline = time.monotonic() + 10
    while webkit_processes() > 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # polling the process table for a condition, with a deadline
    assert webkit_processes() <= 2, "closed pages left their WebKit processes running"
