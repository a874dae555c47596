"""The realtime peer: its HTTP refusals (no browser), then real browser sessions through the
reference widget.

WebRTC traffic must stay on loopback, and browsers cannot be held there by flags, so the browser
tests run only inside the seal (harness.sandbox). Outside it, test_browser_tests_in_the_seal
re-runs this file in a sealed subprocess and passes or fails with it.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, TypeVar

import pytest

from harness import sandbox
from harness.server import FixtureServer

if TYPE_CHECKING:
    from aiortc import MediaStreamTrack
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

    from harness.server.sites import Site

T = TypeVar("T")

SEALED = sandbox.seal_status() == sandbox.SEALED
in_seal = pytest.mark.skipif(not SEALED, reason="browser WebRTC runs only inside the seal (see test_browser_tests_in_the_seal)")
CHROMIUM = "/usr/bin/chromium"
FIREFOX = "/usr/bin/firefox-esr"
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-background-networking",
    "--disable-component-update",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--allow-loopback-in-peer-connection",
    "--host-resolver-rules=MAP *.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE localhost",
]
# Records every data-state the widget goes through, so a brief "speaking" is not missed.
STATE_HISTORY = """
window.__speloStates = [];
new MutationObserver(function (ms) { ms.forEach(function (m) {
  var s = m.target.getAttribute && m.target.getAttribute("data-state");
  if (m.target.classList && m.target.classList.contains("spelo-root") &&
      window.__speloStates[window.__speloStates.length - 1] !== s) { window.__speloStates.push(s); }
}); }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
"""


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    with FixtureServer() as srv:
        yield srv


def wait_until(condition: Callable[[], T], timeout: float, what: str) -> T:
    """Poll a condition with a deadline (a condition, never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)  # poll


# -- no browser: what the peer refuses ---------------------------------------------------------
def post_offer(server: FixtureServer, sdp: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    # The peer's route is on every host and port; plain http keeps this test free of TLS set-up.
    conn = http.client.HTTPConnection("127.0.0.1", server.origins.http_port, timeout=10)
    try:
        conn.request("POST", "/v1/realtime?model=m", body=sdp, headers=headers)
        res = conn.getresponse()
        return res.status, json.loads(res.read())
    finally:
        conn.close()


def bearer(server: FixtureServer) -> tuple[str, str]:
    """A fresh site and a client secret issued for it (as /token would)."""
    site = server.new_site()
    return site.site_id, server.sessions.issue(site.site_id).client_secret


OFFER_OUTSIDE = (
    b"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    b"c=IN IP4 0.0.0.0\r\na=candidate:1 1 udp 2122260223 192.0.2.2 50000 typ host\r\n"
    b"a=candidate:2 1 udp 2122260223 3f2a.local 50001 typ host\r\n"
)


@pytest.mark.parametrize(
    "case, status, error",
    [
        ("no bearer", 401, "invalid_bearer"),
        ("unknown bearer", 401, "invalid_bearer"),
        ("wrong type", 415, "unsupported_media_type"),
        ("not sdp", 400, "invalid_sdp"),
        ("not utf-8", 400, "invalid_sdp"),
        ("outside candidate", 400, "non_loopback_candidate"),
        ("huge", 413, "body_too_large"),
        ("aiortc rejects", 400, "invalid_sdp"),
        ("rejected", 503, "realtime_rejected"),
    ],
)
def test_offer_refusals(server: FixtureServer, case: str, status: int, error: str) -> None:
    site_id, secret = bearer(server)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/sdp"}
    body = OFFER_OUTSIDE
    if case == "no bearer":
        headers.pop("Authorization")
    elif case == "unknown bearer":
        headers["Authorization"] = "Bearer ek_nope"
    elif case == "wrong type":
        headers["Content-Type"] = "text/plain"
    elif case == "not sdp":
        body = b"hello"
    elif case == "not utf-8":
        body = b"v=0\xff\xfe"
    elif case == "huge":
        body = b"v=0\r\n" + b"a=x\r\n" * 20000
    elif case == "aiortc rejects":
        body = b"v=0\r\nm=audio x\r\n"  # aiortc's parser fails on it with an AssertionError
    elif case == "rejected":
        server.peer.configure(site_id, reject_status=503)
        body = body.replace(b"192.0.2.2", b"127.0.0.1").replace(b"3f2a.local", b"127.0.0.1")
    got, parsed = post_offer(server, body, headers)
    assert (got, parsed["error"]) == (status, error)
    # The peer's state handlers run as tasks: the offer aiortc refused reaches "closed" a moment later.
    report = server.peer.wait_for(site_id, lambda r: all(c["state"] == "closed" for c in r["connections"]), 5)
    # A bad bearer names no site; past that, each refusal is in the site's report.
    assert [r["error"] for r in report["refused"]] == ([] if status == 401 else [error])
    # Nothing was answered; the only offer that reached aiortc left no connection running.
    assert [c["state"] for c in report["connections"]] == (["closed"] if case == "aiortc rejects" else [])
    if case == "outside candidate":
        assert report["refused"][-1]["detail"] == "192.0.2.2, 3f2a.local"


def test_configure_rejects_unknown_options(server: FixtureServer) -> None:
    with pytest.raises(TypeError):
        server.peer.configure("anysite00", icee="none")
    with pytest.raises(ValueError):
        server.peer.configure("anysite00", ice="sometimes")


# -- no browser: an aiortc client plays the widget (loopback only, sealed or not) --------------
async def python_widget(server: FixtureServer, site_id: str) -> dict[str, Any]:
    """The widget's protocol from Python: a 0.3-amplitude tone as the microphone, the data
    channel, a reply to the tool call; returns what came back."""
    import aiohttp
    from aiortc import RTCSessionDescription
    from harness.server import peer_media  # also confines this client's ICE to 127.0.0.1

    secret = server.sessions.issue(site_id).client_secret
    pc = peer_media.new_peer_connection()
    mic = peer_media.ToneTrack(440)
    mic.playing = True
    pc.addTrack(mic)
    heard = peer_media.AudioMeter()
    got: dict[str, Any] = {"events": []}
    channel = pc.createDataChannel("oai-events")

    @channel.on("message")
    def on_message(raw: str) -> None:
        msg = json.loads(raw)
        got["events"].append(msg["type"])
        if msg["type"] == "tool_call":
            channel.send(json.dumps({"type": "tool_result", "call_id": msg["call_id"], "output": {"ok": 1}}))

    @pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        asyncio.ensure_future(peer_media.consume(track, heard.add))

    await pc.setLocalDescription(await pc.createOffer())
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"http://127.0.0.1:{server.origins.http_port}/v1/realtime?model=m",
            data=pc.localDescription.sdp,
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/sdp"},
        ) as res:
            assert res.status == 200, await res.text()
            answer = await res.text()
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    loop = asyncio.get_running_loop()
    report = await loop.run_in_executor(
        None,
        lambda: server.peer.wait_for(site_id, lambda r: r["audio"]["seconds"] >= 1.0 and r["tool_result"] and len(r["speaking"]) == 2, 15),
    )
    got["heard"] = heard.snapshot()
    got["offer"] = pc.localDescription.sdp
    await pc.close()
    got["report"] = report
    return got


def test_python_widget_session(server: FixtureServer) -> None:
    site = server.new_site()
    server.peer.configure(site.site_id, speak_ms=300)
    got = asyncio.run(python_widget(server, site.site_id))
    report = got["report"]
    assert report["tool_result"]["output"] == {"ok": 1}
    assert got["events"][:2] == ["output_audio_buffer.started", "tool_call"]
    assert got["events"][-1] == "output_audio_buffer.stopped"
    # A sine of amplitude 0.3 has an RMS of 0.212; aiortc's mono-to-stereo resampling before
    # Opus costs 3 dB (measured 0.149, peak 0.234).
    assert 0.12 < report["audio"]["rms"] < 0.22, report["audio"]
    assert 0.01 < got["heard"]["rms"] < 0.25 and got["heard"]["frames"] >= 25, got["heard"]  # the 660 Hz tone, then silence
    assert set(report["candidates"]["offer"]) == {"127.0.0.1"} and set(report["candidates"]["answer"]) == {"127.0.0.1"}
    server.peer.wait_for(site.site_id, lambda r: r["state"] == "closed", 10)


# -- the seal wrapper --------------------------------------------------------------------------
@pytest.mark.skipif(SEALED, reason="already inside the seal: the browser tests run directly")
def test_browser_tests_in_the_seal() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("no network namespaces on this platform")
    cmd = sandbox.sealed_argv([sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider", "-k", "browser_", "-rs"])
    cmd.insert(cmd.index("--"), "--strict")  # never run the browsers unsealed
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env, cwd=Path(__file__).resolve().parent.parent)
    if proc.returncode == 3:
        pytest.skip(f"cannot seal here: {proc.stderr.strip()}")
    print(proc.stdout[-4000:], proc.stderr[-2000:])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "passed" in proc.stdout and "failed" not in proc.stdout


# -- real browsers, inside the seal ------------------------------------------------------------
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def open_widget(browser: Browser, server: FixtureServer, site: Site, grant: bool = True) -> tuple[BrowserContext, Page]:
    context = browser.new_context(ignore_https_errors=True)
    if grant:
        context.grant_permissions(["microphone"])
    context.add_init_script(STATE_HISTORY)
    page = context.new_page()
    page.goto(server.origins.url("localhost", f"/index.html?site={site.site_id}"))
    page.click(".spelo-orb")
    page.click(".spelo-continue")
    return context, page


def run_session(browser: Browser, server: FixtureServer, site: Site) -> dict[str, Any]:
    """Start a session, wait until the peer heard >= 1 s and the conversation ran, hang up."""
    context, page = open_widget(browser, server, site)
    try:
        page.wait_for_selector(".spelo-root[data-state=listening]", timeout=15000)
        report = server.peer.wait_for(
            site.site_id, lambda r: r["audio"]["seconds"] >= 1.0 and r["tool_result"] is not None and len(r["speaking"]) == 2, timeout=15
        )
        page.wait_for_function("window.__speloStates.slice(-1)[0] === 'listening'")
        report["page_states"] = page.evaluate("window.__speloStates")
        page.click(".spelo-orb")  # hang up
        wait_until(lambda: any(e.get("event") == "session_end" for e in server.request_log(site.site_id)), 10, "session_end analytics")
        report["closed"] = server.peer.wait_for(site.site_id, lambda r: r["state"] in ("closed", "failed"), 15)["state"]
        return report
    finally:
        context.close()


@in_seal
def test_browser_chromium_session(server: FixtureServer, chromium: Browser) -> None:
    site = server.new_site()
    report = run_session(chromium, server, site)
    print(f"\nRMS chromium fake device: {report['audio']}")
    assert report["audio"]["rms"] > 0.01 and report["audio"]["frames"] >= 50
    assert report["tool_result"]["call_id"] == report["tool_call"]["call_id"]
    assert report["tool_result"]["output"]["success"] is True
    assert report["speaking"] == ["output_audio_buffer.started", "output_audio_buffer.stopped"]
    assert "speaking" in report["page_states"], report["page_states"]
    assert report["channel"] == "oai-events" and report["closed"] == "closed"
    assert [s["state"] for s in report["states"]][:2] == ["connecting", "connected"]
    # Loopback only, both ways (the seal guarantees it; the candidates show it).
    assert report["candidates"]["offer"] and report["candidates"]["answer"] == ["127.0.0.1"] * len(report["candidates"]["answer"])
    assert all(a in ("127.0.0.1", "::1") for a in report["candidates"]["offer"]), report["candidates"]
    events = [e.get("event") for e in server.request_log(site.site_id) if e["endpoint"] == "analytics/event"]
    assert events[0] == "session_start" and events[-1] == "session_end"
    assert {"function_call", "db_query"} <= set(events)


@in_seal
def test_browser_chromium_silent_device(server: FixtureServer, playwright: Playwright, tmp_path: Path) -> None:
    silence = tmp_path / "silence.wav"
    with wave.open(str(silence), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(bytes(48000 * 2 * 2))  # 2 s of zeros
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [f"--use-file-for-fake-audio-capture={silence}"])
    try:
        report = run_session(browser, server, server.new_site())
    finally:
        browser.close()
    print(f"\nRMS chromium silent file: {report['audio']}")
    assert report["audio"]["frames"] >= 50 and report["audio"]["rms"] < 0.001


@in_seal
def test_browser_peer_frees_when_the_browser_goes_or_the_server_stops(chromium: Browser) -> None:
    with FixtureServer() as server:
        gone, live = server.new_site(), server.new_site()
        context, page = open_widget(chromium, server, gone)
        page.wait_for_selector(".spelo-root[data-state=listening]", timeout=15000)
        context.close()  # no hang-up: the tab just goes away
        assert server.peer.wait_for(gone.site_id, lambda r: r["state"] in ("closed", "failed"), 40)
        context, page = open_widget(chromium, server, live)
        try:
            page.wait_for_selector(".spelo-root[data-state=listening]", timeout=15000)
            server.stop()  # with a session live
        finally:
            context.close()
        assert server.peer.report(live.site_id)["state"] == "closed"
        assert server.peer.active() == 0


@in_seal
def test_browser_ice_impossible_gives_network_error(server: FixtureServer, chromium: Browser) -> None:
    bound_ms = 2000
    site = server.new_site(config={"connect_timeout_ms": bound_ms})
    server.peer.configure(site.site_id, ice="none")
    start = time.monotonic()
    context, page = open_widget(chromium, server, site)
    try:
        page.wait_for_selector(".spelo-root[data-state=network-error]", timeout=bound_ms + 5000)
        elapsed = time.monotonic() - start
        assert "Can't reach the voice service" in (page.text_content(".spelo-status") or "")
    finally:
        context.close()
    report = server.peer.report(site.site_id)
    assert report["candidates"]["answer"] == [] and report["state"] == "closed"
    assert elapsed < bound_ms / 1000 + 4, elapsed  # the widget's own bound, plus start-up


@in_seal
def test_browser_token_fault_shows_failed_to_get_token(server: FixtureServer, chromium: Browser) -> None:
    site = server.new_site(faults={"token": {"error": "openai_error"}})
    context, page = open_widget(chromium, server, site)
    try:
        page.wait_for_selector(".spelo-root[data-state=error]", timeout=10000)
        assert page.text_content(".spelo-status") == "Failed to get token"
    finally:
        context.close()
    assert server.peer.report(site.site_id)["offers"] == 0


@in_seal
def test_browser_firefox_session(server: FixtureServer, playwright: Playwright) -> None:
    if not Path(FIREFOX).exists():
        pytest.skip(f"{FIREFOX} is not installed")
    from harness.origins import MAPPED_HOSTS

    prefs: dict[str, str | float | bool] = {
        "media.navigator.streams.fake": True,
        "permissions.default.microphone": 1,
        "media.peerconnection.ice.obfuscate_host_addresses": False,
        "media.peerconnection.ice.loopback": True,
        "media.autoplay.default": 0,
        "media.autoplay.blocking_policy": 0,
        "media.autoplay.block-webaudio": False,
        "media.cubeb.force_mock_context": True,
        "network.dns.forceResolve": "127.0.0.1",
        "network.dns.localDomains": ",".join(MAPPED_HOSTS),
    }
    browser = playwright.firefox.launch(channel="moz-firefox", executable_path=FIREFOX, firefox_user_prefs=prefs)
    try:
        report = run_session(browser, server, server.new_site())
    finally:
        browser.close()
    print(f"\nRMS firefox fake device: {report['audio']}")
    assert report["audio"]["rms"] > 0.01 and report["tool_result"] is not None
    assert all(a in ("127.0.0.1", "::1") for a in report["candidates"]["offer"]), report["candidates"]


def test_meter_reads_a_frame_that_is_not_s16() -> None:
    """A float frame (what a decoder other than aiortc's Opus gives) is converted, not an error:
    PyAV's AudioFrame has no reformat, so the meter goes through an AudioResampler."""
    import array

    import av
    from harness.server.peer_media import AudioMeter

    frame = av.AudioFrame(format="flt", layout="mono", samples=960)
    frame.sample_rate = 48000
    frame.planes[0].update(array.array("f", [0.5] * 960).tobytes())
    meter = AudioMeter()
    meter.add(frame)
    got = meter.snapshot()
    assert got["frames"] == 1 and got["seconds"] == 0.02
    assert abs(got["rms"] - 0.5) < 0.001 and abs(got["peak"] - 0.5) < 0.001
