"""The realtime peer: stands in for the vendor's realtime voice service (POST /v1/realtime with
an SDP offer, as OpenAI's WebRTC endpoint takes it).

It accepts an offer only with a bearer that /token issued, answers with aiortc on the run's
address only (127.0.0.1, or the address the browser host reaches: origins.Network), and
sends ICE checks only to the browser's candidates that Network accepts (loopback; across hosts
the browser host's address, its other candidates left out of the offer), measures the
microphone audio it receives, plays a 660 Hz tone back while it tells the widget
output_audio_buffer.started/.stopped on the data channel, and makes one query_database tool call.
What it saw is kept per site: report(site_id), wait_for(site_id, predicate, timeout).

Per-site behaviour: configure(site_id, ice="none") answers with no candidates and closes at once,
so ICE can never succeed and the widget must give up on its own; reject_status=N answers the
offer with HTTP N. Options live here, not in Site.config, because the widget never sees them.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Callable, Coroutine, NoReturn

from aiohttp import web

from harness.origins import Network, is_loopback
from harness.server.api import ApiError, Sessions, json_error, read_body

if TYPE_CHECKING:  # aiortc costs 0.2 s to import: at run time only on the first offer (peer_media.py)
    from aiortc import MediaStreamTrack, RTCDataChannel, RTCPeerConnection

    import av

    from harness.server.peer_media import ToneTrack

log = logging.getLogger("spelo.peer")

DEFAULT_TOOL_CALL = {"type": "tool_call", "name": "query_database", "arguments": {"table": "products", "query": "price of the fixture mug"}}
KEEP = 100  # entries kept per list in a report: a long session must not grow without bound


@dataclass
class PeerOptions:
    ice: str = "ok"  # "ok" | "none" (no usable candidate: ICE cannot succeed)
    reject_status: int | None = None  # answer the offer with this HTTP status instead
    # The model's first words come this long after the data channel opens: the real service sends
    # session.created first and speaks when a response is made. With none, the reference showed
    # Listening for 3-46 ms before Speaking, and a poll caught it in 9 of 16 runs in Chromium and 3
    # of 16 in Firefox: a cell waiting for Listening took 0.3-2 s or 1.8-3 s by that chance.
    speak_after_ms: int = 500
    speak_ms: int = 1500  # tone + started..stopped, from the first words
    tone_hz: float = 660.0
    tool_call: dict[str, Any] | None = field(default_factory=lambda: dict(DEFAULT_TOOL_CALL))


def sdp_candidates(sdp: str) -> list[str]:
    """The connection addresses of the a=candidate lines (RFC 8839: the 5th field)."""
    out = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            parts = line.split()
            out.append(parts[4] if len(parts) > 4 else "?")
    return out


def without_candidates(sdp: str, addresses: set[str]) -> str:
    """The SDP without the a=candidate lines at these addresses."""
    kept = [line for line in sdp.splitlines() if not (line.startswith("a=candidate:") and sdp_candidates(line)[0] in addresses)]
    return "".join(line + "\r\n" for line in kept)


def _blank_connection(session_id: str, model: str) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "model": model,
        "states": [],
        "state": "new",
        "candidates": {"offer": [], "answer": []},
        "audio": {"frames": 0, "seconds": 0.0, "rms": 0.0, "peak": 0.0, "sample_rate": 0, "channels": 0},
        "speaking": [],
        "tool_call": None,
        "tool_result": None,
        "messages": [],
        "channel": None,
    }


class RealtimePeer:
    def __init__(self, sessions: Sessions, network: Network | None = None):
        self.sessions = sessions
        self.network = network or Network()  # default: everything on loopback
        self._options: dict[str, PeerOptions] = {}
        self._sites: dict[str, dict[str, Any]] = {}  # site_id -> {"offers", "refused", "connections"}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._live: set[RTCPeerConnection] = set()  # not yet closed
        self._tasks: set[asyncio.Task[None]] = set()
        self._media_ready = False  # harness.server.peer_media imported and set up, on the first offer

    def routes(self) -> list[web.RouteDef]:
        return [web.options("/v1/realtime", self.preflight), web.post("/v1/realtime", self.offer)]

    # -- the runner's side (any thread) ------------------------------------------------------
    def configure(self, site_id: str, **options: Any) -> PeerOptions:
        known = {f.name for f in fields(PeerOptions)}
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"unknown peer options: {sorted(unknown)}")
        if options.get("ice", "ok") not in ("ok", "none"):
            raise ValueError("ice must be 'ok' or 'none'")
        with self._lock:
            opts = self._options[site_id] = PeerOptions(**options)
        return opts

    def report(self, site_id: str) -> dict[str, Any]:
        with self._lock:
            return self._report_locked(site_id)

    def wait_for(self, site_id: str, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> dict[str, Any]:
        """Block until predicate(report) holds; TimeoutError with the last report otherwise."""
        with self._changed:
            if self._changed.wait_for(lambda: predicate(self._report_locked(site_id)), timeout):
                return self._report_locked(site_id)
            raise TimeoutError(f"peer report for {site_id} never matched: {self._report_locked(site_id)}")

    def _report_locked(self, site_id: str) -> dict[str, Any]:
        site = self._sites.get(site_id) or {"offers": 0, "refused": [], "connections": []}
        latest = site["connections"][-1] if site["connections"] else _blank_connection("", "")
        # The latest connection's fields at top level: what a cell asserts on most of the time.
        return copy.deepcopy({**latest, "offers": site["offers"], "refused": site["refused"], "connections": site["connections"]})

    def _site(self, site_id: str) -> dict[str, Any]:
        return self._sites.setdefault(site_id, {"offers": 0, "refused": [], "connections": []})

    def _update(self, fn: Callable[[], None]) -> None:
        """Every change to a report goes through here: under the lock, waking wait_for()."""
        with self._changed:
            fn()
            self._changed.notify_all()

    def _set(self, record: dict[str, Any], key: str, value: Any) -> None:
        self._update(lambda: record.__setitem__(key, value))

    def _append(self, record: dict[str, Any], key: str, value: Any) -> None:
        self._update(lambda: record[key].append(value))

    def active(self) -> int:
        """Connections and tasks still running (0 once every browser left or close() ran)."""
        return len(self._live) + len(self._tasks)

    # -- HTTP ------------------------------------------------------------------------------
    @staticmethod
    def cors(request: web.Request) -> dict[str, str]:
        # The widget's page is another origin; the bearer is in Authorization (never covered by
        # a wildcard), and the answer is read as text, so both must be allowed explicitly.
        origin = request.headers.get("Origin")
        if not origin:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Vary": "Origin",
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Allow-Methods": "POST, OPTIONS",
        }

    async def preflight(self, request: web.Request) -> web.Response:
        return web.Response(status=204, headers={**self.cors(request), "Access-Control-Max-Age": "0"})

    async def offer(self, request: web.Request) -> web.Response:
        headers = self.cors(request)
        auth = request.headers.get("Authorization", "")
        session = self.sessions.by_secret(auth[7:]) if auth.startswith("Bearer ") else None
        if session is None:
            raise json_error(401, "invalid_bearer", headers)
        site_id = session.site_id
        with self._lock:
            opts = copy.deepcopy(self._options.get(site_id) or PeerOptions())
            record = self._site(site_id)

        def refuse(status: int, error: str, detail: str = "") -> NoReturn:
            self._append(record, "refused", {"status": status, "error": error, "detail": detail})
            raise json_error(status, error, headers)

        self._set(record, "offers", record["offers"] + 1)  # only this loop thread writes it
        if request.content_type != "application/sdp":
            refuse(415, "unsupported_media_type", request.content_type)
        try:
            sdp = (await read_body(request, headers=headers)).decode("utf-8")
        except ApiError:  # over the size limit
            refuse(413, "body_too_large")
        except UnicodeDecodeError:
            refuse(400, "invalid_sdp", "not UTF-8")
        if not sdp.startswith("v=0"):
            refuse(400, "invalid_sdp", "does not start with v=0")
        offered = sdp_candidates(sdp)
        outside = [a for a in offered if not self.network.accepts_candidate(a)]
        if outside and self.network.local:
            # Answering would have our agent send checks to them: test traffic must stay on lo.
            refuse(400, "non_loopback_candidate", ", ".join(outside))
        if outside:
            # A browser host on a real network has more interfaces (docker0, IPv6, ...) than the
            # one we were told about: their candidates are left out, so no check goes there.
            sdp = without_candidates(sdp, set(outside))
            if len(outside) == len(offered):
                refuse(400, "no_candidate_on_run_network", f"{', '.join(outside)} (browser host: {', '.join(self.network.browser_hosts)})")
        if opts.reject_status:
            refuse(opts.reject_status, "realtime_rejected", "configured")
        answer = await self._answer(record, session.session_id, request.query.get("model", ""), sdp, offered, opts)
        if isinstance(answer, tuple):
            refuse(*answer)
        return web.Response(text=answer, content_type="application/sdp", headers=headers)

    # -- WebRTC ----------------------------------------------------------------------------
    async def _answer(
        self, record: dict[str, Any], session_id: str, model: str, sdp: str, offered: list[str], opts: PeerOptions
    ) -> str | tuple[int, str, str]:
        """The answer SDP, or (status, error, detail) to refuse with."""
        from aiortc import RTCSessionDescription

        from harness.server import peer_media as media  # aiortc: imported on the first offer only

        if not self._media_ready:
            media.ice_address = self.network.address
            self._media_ready = True
        conn = _blank_connection(session_id, model)
        conn["candidates"]["offer"] = offered
        self._append(record, "connections", conn)
        pc = media.new_peer_connection()
        self._live.add(pc)
        tone = media.ToneTrack(opts.tone_hz)
        meter = media.AudioMeter()

        def set_state(state: str) -> None:
            def apply() -> None:
                conn["state"] = state
                conn["states"].append({"state": state, "t": round(time.monotonic(), 3)})

            self._update(apply)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            set_state(pc.connectionState)
            if pc.connectionState in ("failed", "closed"):
                await self._close_pc(pc)  # the browser went away: free ports and tasks now

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind != "audio":
                return

            def on_frame(frame: av.AudioFrame) -> None:
                meter.add(frame)
                self._set(conn, "audio", meter.snapshot())

            self._spawn(media.consume(track, on_frame))

        @pc.on("datachannel")
        def on_channel(channel: RTCDataChannel) -> None:
            self._set(conn, "channel", channel.label)
            channel.on("message", lambda raw: self._on_message(conn, raw))
            self._spawn(self._converse(channel, tone, conn, opts))

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            pc.addTrack(tone)
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as e:
            # The offer is the only input here, and aiortc's parser fails on bad SDP with
            # AssertionError, ValueError, KeyError... so any failure is a 400 for this offer.
            log.info("offer refused by aiortc", exc_info=True)
            await self._close_pc(pc)
            return (400, "invalid_sdp", f"{type(e).__name__}: {e}")
        answer = pc.localDescription.sdp
        answered = sdp_candidates(answer)
        self._set(conn["candidates"], "answer", answered)
        if any(a != self.network.address and not (self.network.local and is_loopback(a)) for a in answered):
            await self._close_pc(pc)  # our bug, loudly: the host-address patch did not hold
            return (500, "answer_not_loopback", ", ".join(answered))
        if opts.ice == "none":
            # An answer the browser cannot use: no candidate, and nobody listening any more.
            await self._close_pc(pc)
            answer = "".join(line + "\r\n" for line in answer.splitlines() if not line.startswith("a=candidate:"))
            self._set(conn["candidates"], "answer", [])
        return answer

    async def _converse(self, channel: RTCDataChannel, tone: ToneTrack, conn: dict[str, Any], opts: PeerOptions) -> None:
        """What the model does once the data channel is open: speak for a while, call a tool."""

        def send(msg: dict[str, Any]) -> None:
            if channel.readyState == "open":
                channel.send(json.dumps(msg))

        if opts.speak_after_ms:
            await asyncio.sleep(opts.speak_after_ms / 1000)  # behaviour (the model's pause), not a wait
        tone.playing = True
        send({"type": "output_audio_buffer.started"})
        self._append(conn, "speaking", "output_audio_buffer.started")
        if opts.tool_call:
            call = {**opts.tool_call, "call_id": "call_" + secrets.token_hex(6)}
            send(call)
            self._set(conn, "tool_call", call)
        await asyncio.sleep(opts.speak_ms / 1000)  # how long the model "talks": behaviour, not a wait
        tone.playing = False
        send({"type": "output_audio_buffer.stopped"})
        self._append(conn, "speaking", "output_audio_buffer.stopped")

    def _on_message(self, conn: dict[str, Any], raw: Any) -> None:
        try:
            msg = json.loads(raw)
        except (TypeError, ValueError):
            msg = {"unparsed": str(raw)[:200]}

        def apply() -> None:
            if len(conn["messages"]) < KEEP:
                conn["messages"].append(msg)
            if isinstance(msg, dict) and msg.get("type") == "tool_result":
                conn["tool_result"] = msg

        self._update(apply)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_pc(self, pc: RTCPeerConnection) -> None:
        if pc in self._live:
            self._live.discard(pc)
            await pc.close()

    async def close(self) -> None:
        """Server stop: close every connection and stop what runs for them."""
        for pc in list(self._live):
            await self._close_pc(pc)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
