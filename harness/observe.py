"""What a visitor perceived in a cell, once the page is at rest, as facts a snapshot can hold.

Used only when a run records or is judged by a snapshot (`record`, `run --against`). The contract
judge reads the page at the moment its expectation holds, which is a race for every field it does
not check (an analytics call, a console line that comes a moment later). A snapshot compares every
field, so it reads the page once nothing moves any more: the same facts for 0.5 s, no transient
state, the realtime peer not mid-sentence, no animation or transition running (motion.js: a button
that fades back in is still moving), and no resource fetched in that time (network quiet). That is
the network-idle idea (Playwright waits for 500 ms without requests); the loop polls with the runner's settle, so it ends as soon as that
condition holds and never later than the scenario's own timeout.

Nothing volatile goes into the facts: ports, site/session/call ids, temporary paths and times are
replaced or left out, so an unchanged build gives the same facts run after run.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

from harness import engine_facts
from harness.engines.base import Tab
from harness.profile import WidgetProfile
from harness.results import Result
from harness.scenarios import Scenario
from harness.server import FixtureServer

log = logging.getLogger("spelo.observe")
MOTION_JS = (Path(__file__).parent / "motion.js").read_text(encoding="utf-8")
QUIET_S = 0.5
POLL_S = 0.05
# States a widget passes through; "speaking" too: the model stops talking after a while, and a
# snapshot taken mid-sentence would depend on timing.
UNSETTLED_STATES = {"loading", "requesting", "connecting", "speaking"}
SILENCE_RMS = 0.001  # the silent-device scenario's bound: below it the peer heard silence
NONE = "(none)"


class Cell(Protocol):
    """What observing reads of a cell (runner.CellRun is one); a protocol, so this module and the
    runner do not import each other."""

    site_id: str
    frame: str | None
    profile: WidgetProfile

    @property
    def result(self) -> Result: ...

    @property
    def scenario(self) -> Scenario: ...

    @property
    def tab(self) -> Tab: ...

    @property
    def server(self) -> FixtureServer: ...

    def observe(self) -> dict[str, Any]: ...


def safely_at_rest(cell: Cell) -> dict[str, Any]:
    """at_rest, or what made the page unreadable (a crashed browser): never raises, the cell's
    verdict stands."""
    try:
        return at_rest(cell)
    except Exception as e:  # noqa: BLE001 (evidence is best effort: the cell's verdict stands)
        log.warning("observing %s at rest failed: %s", cell.result.cell_id, e)
        return {"unobservable": Normaliser(cell.site_id)(f"{type(e).__name__}: {e}".splitlines()[0])}


def at_rest(cell: Cell, wait_for_peer: bool = True) -> dict[str, Any]:
    """The cell's perceived facts once they stop changing (or at the scenario's timeout, marked).
    wait_for_peer: also until our realtime peer stops talking (a snapshot records a session at
    rest); off where only what the visitor sees must have settled (a peer that talks on is the
    session living, not the click unsettled)."""
    end = time.monotonic() + cell.scenario.timeout_s
    last: dict[str, Any] | None = None
    since = time.monotonic()
    last_fetches = -1
    while True:
        facts, busy = perceived(cell, wait_for_peer)
        animating, fetches = motion(cell)
        now = time.monotonic()
        if facts != last or fetches != last_fetches:  # a fetch that finished: the network was not quiet
            last, last_fetches, since = facts, fetches, now
        elif not busy and not animating and now - since >= QUIET_S:
            return facts
        if now > end:
            return {**facts, "unsettled": f"still changing after {cell.scenario.timeout_s:g} s"}
        cell.tab.settle(POLL_S, cell.frame)


def motion(cell: Cell) -> tuple[int, int]:
    """(animations and transitions running now, resources fetched so far) in the widget's frame
    (motion.js); (0, -1) where the page cannot say (a frame mid-navigation: the facts decide)."""
    try:
        seen = cell.tab.evaluate(MOTION_JS, cell.frame)
    except Exception:  # noqa: BLE001 (a page that cannot answer is judged by its facts alone)
        return 0, -1
    if not isinstance(seen, dict):
        return 0, -1
    return int(seen.get("animations") or 0), int(seen.get("resources") or 0)


def perceived(cell: Cell, peer_counts: bool = True) -> tuple[dict[str, Any], bool]:
    """(facts, busy): busy while the widget is in a passing state or (peer_counts) the peer is talking."""
    snap = cell.observe()  # the profile's reading: state by its rules, texts as the build shows them
    site, tab, server = cell.site_id, cell.tab, cell.server
    words = fact_activation_words(cell.result.engine, cell.result.engine_source)
    norm = Normaliser(site)
    history = [h for h in snap.get("history") or [] if isinstance(h, dict)]
    facts: dict[str, Any] = {
        "present": bool(snap.get("present")),
        "state": snap.get("state"),
        "states": _states(history, cell.profile),
        "status": " → ".join(_runs([h.get("status") or NONE for h in history])) or NONE,
        "tooltip": snap.get("tooltip") or "",
        "other_text": _rest_of_text(snap),
        "notice": bool(snap.get("notice")),
        "fallback": bool(snap.get("fallback")),
        "orb": _orb(snap.get("orb")),
        "page": urlsplit(snap.get("url") or "").path or NONE,
        "secure_context": snap.get("secure_context"),
        "live_regions": snap.get("live_regions") or 0,
        "getUserMedia": [_gum(c, words) for c in snap.get("gum") or []],
        # Sorted: the widget's concurrent tasks (a failed fetch, "ready") log in whichever order
        # they finish; which lines were logged is the fact, their interleaving is timing.
        "console": sorted(norm(f"[{c.level}] {c.text}") for c in tab.console() if not _browser_own(c.frame_url)),
    }
    # Analytics events go out through their own queue, in order among themselves but racing the
    # widget's other requests: two lists, each in a stable order.
    log_ = server.request_log(site) if site else []
    facts["api"] = [norm(_request(e)) for e in log_ if not e.get("event")]
    facts["analytics"] = [norm(str(e["event"])) for e in log_ if e.get("event")]
    if snap.get("vendor") is not None:  # the build's own vendor, answered by the profile's fake
        facts["vendor"] = [norm(str(line)) for line in snap["vendor"]]
    speech = [_speech(c, words) for c in snap.get("speech") or [] if isinstance(c, dict)]
    if speech:  # a build that listens through speech recognition (absent for the others)
        facts["speech"] = speech
    if snap.get("browser_prompts") is not None:
        facts["prompts"] = snap["browser_prompts"]
    if snap.get("axe") is not None:
        facts["axe"] = sorted(f"{v.get('id')} ({v.get('impact')})" for v in snap["axe"].get("violations") or [])
    peer = snap.get("peer") or {}
    if peer.get("offers") or peer.get("refused"):
        facts["peer"] = _peer(peer, norm)
    if not peer_counts:  # the assistant speaking is the peer's talk shown, not the widget moving
        return facts, cell.profile.reference_state(facts["state"]) in UNSETTLED_STATES - {"speaking"}
    return facts, _peer_busy(peer) or cell.profile.reference_state(facts["state"]) in UNSETTLED_STATES


def _states(history: list[dict[str, Any]], profile: WidgetProfile) -> str:
    """The states over time, where they are a fact. A state attribute's changes are DOM mutations,
    each seen by the page's observer whatever the timing; a state read by the profile's rules
    (what is visible, what a text says) also changes by CSS transitions and animations that no
    mutation announces, so its history is what the polls happened to see: measured on a
    third-party build, 12 of 50 cells showed another history on an unchanged build. Those builds
    keep their settled state (`state`) and no history."""
    if profile.state_attr is None:
        return "(read by the profile's state rules: a sampled history, not recorded)"
    return " → ".join(_runs([str(h.get("state")) for h in history])) or NONE


def _peer_busy(report: dict[str, Any]) -> bool:
    """Our realtime peer speaks first on every connection, then stops: until it has, the
    session is still moving (whatever the widget shows meanwhile)."""
    speaking = [str(e) for e in report.get("speaking") or []]
    states = [s.get("state") if isinstance(s, dict) else s for s in report.get("states") or []]
    if states and states[-1] == "connected" and not speaking:
        return True
    return speaking.count("output_audio_buffer.started") > speaking.count("output_audio_buffer.stopped")


class Normaliser:
    """Replaces what differs between runs of an unchanged build: ports, the cell's site id,
    session and call ids, temporary paths."""

    def __init__(self, site_id: str = ""):
        self.site_id = site_id

    def __call__(self, text: str) -> str:
        if self.site_id:
            text = text.replace(self.site_id, "<site>")
        text = re.sub(r"\b(https?|wss?)://([^/\s:'\"]+):\d+", r"\1://\2", text)  # ephemeral ports
        text = re.sub(r"\b(sess|call)_[0-9a-f]{6,}\b", r"\1_<id>", text)
        text = re.sub(r"\bcell[0-9a-f]{12}\b", "<site>", text)
        return re.sub(r"/tmp/[^\s'\"]*", "<tmp>", text)


def _runs(items: list[str]) -> list[str]:
    """Consecutive repeats once (the history notes a change of state or of status)."""
    return [x for i, x in enumerate(items) if i == 0 or items[i - 1] != x]


def _rest_of_text(snap: dict[str, Any]) -> str:
    """The widget's visible text without its status and tooltip, which have their own facts: a
    reworded status then changes one line of the snapshot, not two."""
    text = snap.get("text") or ""
    for part in (snap.get("tooltip"), snap.get("status")):
        if part:
            text = text.replace(part, " ", 1)
    return re.sub(r"\s+", " ", text).strip()


def _orb(orb: Any) -> str:
    """The orb as its visitor perceives it: its name, whether it is disabled, and whether it shows
    the focus (:focus-visible, the ring a browser draws after keys). A focus a mouse click left on
    it shows nothing, and whether it stays there can be the build's race (ElevenLabs' button keeps
    it when a refusal comes before its next render): not a fact. Where the engine cannot say
    (focus_visible null), the focus itself."""
    if not isinstance(orb, dict):
        return NONE
    shows_focus = orb.get("focused") if orb.get("focus_visible") is None else orb.get("focus_visible")
    flags = [f for f, on in (("disabled", orb.get("disabled")), ("focused", shows_focus)) if on]
    return f"<{orb.get('tag')}> {orb.get('name')!r}" + (f" ({', '.join(flags)})" if flags else "")


# engines/spy.js: WebKitGTK's reads of the page give it activation while they run and remove it after
CONSUMED, GIVEN = "consumed by the harness's read", "given by the harness's read"
HARNESS_ACTIVATION = (CONSUMED, GIVEN)  # the harness's doing: what the page had is unknown
ACTIVATION_WORDS = {
    True: "with user activation",
    False: "without user activation",
    None: "user activation unknown",
    CONSUMED: "user activation unknown: the harness's own read of the page consumed it (WebKitGTK)",
    GIVEN: "user activation unknown: the harness's own read of the page gave it (WebKitGTK)",
}


def activation_words(value: Any) -> str:
    return ACTIVATION_WORDS.get(value, f"user activation: {value!r}")


# Where the harness's reads give and take the page's activation (engine fact
# reads_change_activation: WebKitGTK), whether a read landed between the visitor's input and the
# page's call is the harness's race, not the build's: a snapshot fact there names both outcomes
# the read leaves possible, so that race never moves a cell. (Results keep the spy's own value.)
WITH_OR_CONSUMED = "with user activation, or it was consumed by the harness's read (WebKitGTK)"
WITHOUT_OR_GIVEN = "without user activation, or it was given by the harness's read (WebKitGTK)"
BLURRED_WORDS = {True: WITH_OR_CONSUMED, CONSUMED: WITH_OR_CONSUMED, False: WITHOUT_OR_GIVEN, GIVEN: WITHOUT_OR_GIVEN}


def fact_activation_words(engine: str, source: str) -> Callable[[Any], str]:
    """The words of an access's activation in a snapshot fact, in this engine as it ran."""
    if engine_facts.reads_change_activation(engine, source) is None:
        return activation_words
    return lambda value: BLURRED_WORDS.get(value) or activation_words(value)


def _gum(call: dict[str, Any], words: Callable[[Any], str] = activation_words) -> str:
    out = str(call.get("outcome"))
    if call.get("api") not in (None, "mediaDevices.getUserMedia"):  # the legacy way, named
        out = f"{call['api']}: {out}"
    if call.get("message"):
        out += f": {call['message']}"
    out += f" ({words(call.get('activation'))})"
    return out + (" [injected]" if call.get("injected") else "")


def _speech(call: dict[str, Any], words: Callable[[Any], str] = activation_words) -> str:
    out = f"{call.get('api')}.start: {call.get('outcome')}"
    out += f" ({words(call.get('activation'))})"
    return out + (", ended" if call.get("ended") else "")


def _browser_own(url: str) -> bool:
    # The browser's own favicon request: whether it is made depends on the browser's cache (the
    # order cells ran in), not on the widget.
    return urlsplit(url or "").path == "/favicon.ico"


def _request(e: dict[str, Any]) -> str:
    line = f"{e.get('method')} {e.get('endpoint')}"
    if e.get("arguments") is not None:
        line += f" arguments={_compact(e['arguments'])}"
    return line


def _compact(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _peer(report: dict[str, Any], norm: Normaliser) -> dict[str, Any]:
    audio = report.get("audio") or {}
    heard = "none" if not audio.get("frames") else "silence" if audio.get("rms", 0) < SILENCE_RMS else "sound"
    states = [s.get("state") if isinstance(s, dict) else s for s in report.get("states") or []]
    call = report.get("tool_call") or None
    return {
        "offers": report.get("offers") or 0,
        "refused": [norm(str(r)) for r in report.get("refused") or []],
        "states": " → ".join(_runs([str(s) for s in states])) or NONE,
        "audio": heard,
        "tool_call": call.get("name") if isinstance(call, dict) else NONE,
        "tool_result": report.get("tool_result") is not None,
    }
