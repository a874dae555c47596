"""The media side of the realtime peer: aiortc, confined to the run's address, a tone to send and a meter
for what the browser's microphone sends.

Kept apart from peer.py because importing aiortc and av costs about 0.2 s (measured; the fixture
server itself starts in under 10 ms): the peer imports this module on the first offer, so runs
without a voice session never pay for it.
"""

from __future__ import annotations

import array
import asyncio
import fractions
import math
import time
from typing import Callable

import aioice.ice
import av
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import MediaStreamError

LOOPBACK_V4 = "127.0.0.1"
# The one address every ICE agent of this process offers: loopback, or the run's address when
# the browsers are on another host (set by the peer before its first connection).
ice_address = LOOPBACK_V4
RATE = 48000  # Opus in WebRTC runs at 48 kHz
FRAME = 960  # 20 ms, the packet time browsers use


def _loopback_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    # aioice's own discovery lists every interface's address EXCEPT 127.0.0.1 and ::1, on purpose
    # (loopback is useless on the internet). Our rule is the opposite: test traffic stays on
    # loopback. aioice.ice.Connection.gather_candidates looks this module-level function up at
    # call time (aioice 0.9 to 0.13), and it is its only caller, so replacing it makes every ICE
    # agent of this process offer 127.0.0.1 (or the run's one address) alone. peer.py still
    # checks each answer it sends.
    v6 = ":" in ice_address
    return [ice_address] if (use_ipv6 if v6 else use_ipv4) else []


if not callable(getattr(aioice.ice, "get_host_addresses", None)):  # a newer aioice moved it: say so
    raise ImportError("aioice.ice.get_host_addresses is gone: the peer cannot confine ICE to loopback")
aioice.ice.get_host_addresses = _loopback_host_addresses


def new_peer_connection() -> RTCPeerConnection:
    # iceServers=[]: with None aiortc falls back to a public STUN server (never reachable here,
    # and never to be tried). No TURN, no STUN: host candidates on ice_address only.
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


class ToneTrack(MediaStreamTrack):
    """Mono 48 kHz audio, paced in real time: a sine while `playing` is true, silence otherwise.
    660 Hz is a whole number of cycles per second, so one precomputed second loops seamlessly."""

    kind = "audio"

    def __init__(self, hz: float = 660.0, amplitude: float = 0.3):
        super().__init__()
        self.playing = False
        hz = round(hz)  # whole cycles per second keep the loop seamless
        self._table = array.array("h", (int(amplitude * 32767 * math.sin(2 * math.pi * hz * i / RATE)) for i in range(RATE)))
        self._silence = bytes(FRAME * 2)
        self._start: float | None = None
        self._pts = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._pts += FRAME
            # Pacing: a media clock, not a wait for state (aiortc's own tracks do the same).
            delay = self._start + self._pts / RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME)
        if self.playing:
            i = self._pts % RATE
            chunk = self._table[i : i + FRAME]
            if len(chunk) < FRAME:
                chunk += self._table[: FRAME - len(chunk)]
            frame.planes[0].update(chunk.tobytes())
        else:
            frame.planes[0].update(self._silence)
        frame.pts = self._pts
        frame.sample_rate = RATE
        frame.time_base = fractions.Fraction(1, RATE)
        return frame


class AudioMeter:
    """Energy of what arrives, over everything received (so over >= 1 s once `seconds` >= 1)."""

    def __init__(self) -> None:
        self.frames = 0
        self.samples = 0  # per channel
        self.sample_rate = 0
        self.channels = 0
        self._sum_sq = 0
        self._values = 0
        self._peak = 0

    def add(self, frame: av.AudioFrame) -> None:
        if frame.format.name != "s16":  # aiortc's Opus decoder gives s16 already; PyAV has no reformat
            resampler = av.AudioResampler(format="s16", layout=frame.layout.name, rate=frame.sample_rate)
            for converted in resampler.resample(frame):
                self.add(converted)
            return
        channels = len(frame.layout.channels)
        pcm = array.array("h")
        pcm.frombytes(bytes(frame.planes[0])[: frame.samples * channels * 2])
        self.frames += 1
        self.samples += frame.samples
        self.sample_rate = frame.sample_rate
        self.channels = channels
        self._sum_sq += sum(v * v for v in pcm)
        self._values += len(pcm)
        if pcm:
            self._peak = max(self._peak, max(pcm), -min(pcm))

    def snapshot(self) -> dict[str, float]:
        rms = math.sqrt(self._sum_sq / self._values) / 32768 if self._values else 0.0
        return {
            "frames": self.frames,
            "seconds": round(self.samples / self.sample_rate, 3) if self.sample_rate else 0.0,
            "rms": round(rms, 5),
            "peak": round(self._peak / 32768, 5),
            "sample_rate": self.sample_rate,
            "channels": self.channels,
        }


async def consume(track: MediaStreamTrack, on_frame: Callable[[av.AudioFrame], None]) -> None:
    """Read a remote audio track until it ends, handing each frame to on_frame."""
    try:
        while True:
            frame = await track.recv()
            if isinstance(frame, av.AudioFrame):  # an audio track's frames are (typed Frame | Packet)
                on_frame(frame)
    except MediaStreamError:
        return
