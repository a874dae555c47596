"""The expectations, one row each: the field a scenario sets, the label people read, how the
observed value is read from a snapshot, and how it is judged against the expected value.

The runner judges a snapshot with `mismatches(expect, snap)`; the HTML cell shows every expected
field beside the value read the same way. A Mismatch carries its field, so nothing downstream
has to recognise a field by the wording of its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from harness.results import Mismatch

TRANSIENT_STATES = {"loading", "requesting", "connecting"}
NO_AUDIO = "need ≥ 1 s to measure"

Judge = Callable[[Any, Any], list[str]]  # (expected, observed) -> the texts of what differs


@dataclass(frozen=True)
class Check:
    field: str  # the Expect field
    label: str  # how people call it; each text starts with it
    read: Callable[[dict[str, Any]], Any]  # snapshot -> the observed value
    judge: Judge | None = None  # None: equal, or the miss "label: expected X, seen Y"
    always: bool = False  # judged even when the field is unset (state)
    elsewhere: str | None = None  # where the report shows the observed value, if not beside it

    def applies(self, want: Any) -> bool:
        return self.always or want is not None  # an empty list is a value (api_calls: [] = no call)

    def problems(self, want: Any, observed: Any) -> list[str]:
        if self.judge is not None:
            return self.judge(want, observed)
        return [] if want == observed else [f"{self.label}: expected {want!r}, seen {observed!r}"]


def in_order(wanted: list[str], seen: list[str]) -> bool:
    """Every wanted item appears in seen, in this order (other items may come between)."""
    it = iter(seen)
    return all(any(w == s for s in it) for w in wanted)


# -- how values are read from a snapshot ---------------------------------------------------------


def _key(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda s: s.get(name)


def _gum(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in s.get("gum") or [] if isinstance(c, dict)]


def _history(key: str) -> Callable[[dict[str, Any]], list[Any]]:
    return lambda s: [h.get(key) for h in s.get("history") or [] if isinstance(h, dict)]


def _orb(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda s: (s.get("orb") or {}).get(key)


def _peer(s: dict[str, Any]) -> dict[str, Any]:
    return s.get("peer") or {}


# -- how values are judged ------------------------------------------------------------------------


class Unmatched(str):
    """The state of a build whose profile's state rules all missed: the texts the visitor saw,
    so a cell that expects a state fails saying what was there instead of passing on nothing."""


class ReadByRule(str):
    """A state one of the profile's state rules read: equal to the state, and it names the rule."""

    rule: str = ""


def _read_state(s: dict[str, Any]) -> Any:
    if s.get("state_unknown"):
        return Unmatched(s.get("text") or "")
    state, rule = s.get("state"), s.get("state_rule")
    if isinstance(state, str) and rule:
        read = ReadByRule(state)
        read.rule = str(rule)
        return read
    return state


def _unmatched(seen: "Unmatched") -> list[str]:
    return [f"state: no state rule of the profile matched; the visitor saw {str(seen)!r}"]


def _state(want: str | None, seen: Any) -> list[str]:
    if isinstance(seen, Unmatched):  # no state asked for: nothing to judge by the rules
        return [] if want is None else _unmatched(seen)
    if want is None:  # unset: any settled state will do, but not one still on its way
        return [f"state: still {seen!r}"] if seen in TRANSIENT_STATES else []
    if want == seen:
        return []
    by = f" (read by the profile's rule {seen.rule!r})" if isinstance(seen, ReadByRule) else ""
    return [f"state: expected {want!r}, seen {str(seen)!r}{by}"]


def _text_contains(want: list[str], text: Any) -> list[str]:
    text = text or ""
    return [f"text: expected to contain {t!r}, seen {text!r}" for t in want if t not in text]


def _console(want: list[str], console: Any) -> list[str]:
    console = console or []
    out = []
    for line in dict.fromkeys(want):  # each line once, in the order written; a repeat is a count
        n, seen = want.count(line), console.count(line)
        if seen < n:
            out.append(f"console: expected {line!r}" + (f" {n} times, seen {seen}" if n > 1 else ", not seen"))
    return out


def _console_absent(want: list[str], console: Any) -> list[str]:
    out = []
    for bad in want:
        hits = [c for c in console or [] if bad in c]
        if hits:
            out.append(f"console: {bad!r} must not appear, seen {hits[0]!r}")
    return out


def _activation(want: bool, activations: list[Any]) -> list[str]:
    without = [a for a in activations if a is False]
    return [f"getUserMedia: {len(without)} call(s) without user activation"] if want and without else []


def _mic(s: dict[str, Any]) -> dict[str, Any]:
    """What the spy knows of the microphone's release: tracks obtained and still live, on this
    page and on the page the tab left."""
    tracks = [t for t in s.get("mic_tracks") or [] if isinstance(t, dict)]
    return {"live": s.get("mic_live") or 0, "tracks": len(tracks), "left_live": s.get("mic_left_live")}


def _released(want: bool, mic: Any) -> list[str]:
    live, left = mic.get("live") or 0, mic.get("left_live")
    obtained = bool(mic.get("tracks")) or left is not None
    if not obtained:
        return ["microphone: no microphone track was obtained" + (", so none was released" if want else "")]
    released = live == 0 and not left
    if want and not released:
        where = [f"{live} track(s) still live on this page"] if live else []
        where += [f"{left} track(s) still live when the previous page was left"] if left else []
        return ["microphone: not released: " + ", ".join(where)]
    if not want and released:
        return ["microphone: expected a live track, every track had ended"]
    return []


def _leads_to(href: str, want: str) -> bool:
    """A whole URL is compared whole; a path (with its query and fragment, if given) with the
    link's, whatever origin the cell's page is on."""
    if urlsplit(want).scheme:
        return href == want
    u = urlsplit(href)
    return u.path + (f"?{u.query}" if u.query else "") + (f"#{u.fragment}" if u.fragment else "") == want


def _links(want: dict[str, str], seen: Any) -> list[str]:
    links = [x for x in seen or [] if isinstance(x, dict)]
    out = []
    for text, where in want.items():
        hrefs = [str(x.get("href") or "") for x in links if x.get("text") == text]
        if not hrefs:
            out.append(f"links: no visible link {text!r} (seen: {[x.get('text') for x in links]})")
        elif not any(_leads_to(h, where) for h in hrefs):
            out.append(f"links: {text!r} expected to lead to {where!r}, seen {hrefs[0]!r}")
    return out


def _touch(want: bool, seen: Any) -> list[str]:
    t = seen if isinstance(seen, dict) else {}
    facts = {
        "navigator.maxTouchPoints > 0": (t.get("max_touch_points") or 0) > 0,
        "touch events ('ontouchstart' in window)": bool(t.get("touch_events")),
        "(pointer: coarse)": bool(t.get("coarse_pointer")),
    }
    wrong = [name for name, ok in facts.items() if ok != want]
    if not wrong:
        return []
    if want:
        return ["touch device: expected one, the page does not see " + ", ".join(wrong)]
    return ["touch device: expected none, the page sees " + ", ".join(wrong)]


def _prompts(want: int, seen: Any) -> list[str]:
    if seen is None:  # this engine cannot count its prompts: not judged (the report says so)
        return []
    return [] if want == seen else [f"browser prompts: expected {want!r}, seen {seen!r}"]


def _in_order(label: str) -> Judge:
    def judge(want: list[Any], seen: Any) -> list[str]:
        if isinstance(seen, Unmatched):  # no rule read a state, so there is no history of states
            return _unmatched(seen)
        return [] if in_order(want, seen) else [f"{label}: expected {want} in order, seen {seen}"]

    return judge


def _state_history(s: dict[str, Any]) -> Any:
    return Unmatched(s.get("text") or "") if s.get("state_unknown") else _history("state")(s)


def _rms(bound: str) -> Judge:
    def judge(want: float, audio: Any) -> list[str]:
        audio = audio or {}
        if audio.get("seconds", 0) < 1.0:
            return [f"peer audio: {audio.get('seconds', 0):.2f} s received, {NO_AUDIO}"]
        if bound == "min" and audio["rms"] < want:
            return [f"peer audio: RMS {audio['rms']:.4f} below {want}"]
        if bound == "max" and audio["rms"] > want:
            return [f"peer audio: RMS {audio['rms']:.4f} above {want}"]
        return []

    return judge


def _axe(want: int, violations: Any) -> list[str]:
    if violations is None:
        return ["axe: no axe step ran before this expectation"]
    if len(violations) <= want:
        return []
    return ["axe: serious/critical violations: " + "; ".join(f"{v['id']} ({v['impact']}): {v['help']}" for v in violations)]


def _vendor(field: str, key: str) -> Judge:
    """harness/expect_vendor.py's judge as a row: only this field expected, only its part of the
    snapshot (the API log, or the peer's report) read."""
    from harness.expect_vendor import judge_vendor
    from harness.scenarios import Expect

    return lambda want, seen: judge_vendor(Expect(**{field: want}), {key: seen})


def _look(want: Any, seen: Any) -> list[str]:
    from harness.appearance import judge_look
    from harness.scenarios import Expect

    return judge_look(Expect(orb_look=want), {"orb_look": seen})


CONSOLE = "see the console transcript"
PEER = "see the realtime peer below"
API_LOG = "see the API log below"

# In the order the misses are listed (the order runner.compare checked them in).
CHECKS: tuple[Check, ...] = (
    Check("state", "state", _read_state, _state, always=True),
    Check("status", "status", _key("status")),
    Check("tooltip", "tooltip", _key("tooltip")),
    Check("notice", "notice", _key("notice")),
    Check("fallback", "fallback", _key("fallback")),
    Check("links", "links", _key("links"), _links),
    Check("text_contains", "text", _key("text"), _text_contains),
    Check("console", "console", _key("console"), _console, elsewhere=CONSOLE),
    Check("console_absent", "console", _key("console"), _console_absent, elsewhere=CONSOLE),
    Check("gum_calls", "getUserMedia calls", lambda s: len(_gum(s))),
    Check("gum_errors", "getUserMedia outcomes", lambda s: [c.get("outcome") for c in _gum(s)]),
    Check("gum_needs_activation", "getUserMedia", lambda s: [c.get("activation") for c in _gum(s)], _activation),
    Check("mic_live", "live microphone tracks", _key("mic_live")),
    Check("mic_left_live", "microphone tracks live when the previous page was left", _key("mic_left_live")),
    Check("mic_released", "microphone", _mic, _released),
    Check("browser_prompts", "browser prompts", _key("browser_prompts"), _prompts),
    Check("api_calls", "API calls", _key("api_calls")),
    Check("present", "present", _key("present")),
    Check("states_seen", "states over time", _state_history, _in_order("states over time")),
    Check("status_seen", "status texts over time", _history("status"), _in_order("status texts over time")),
    Check("analytics", "analytics events", _key("analytics")),
    Check("peer_audio_rms_min", "peer audio", lambda s: _peer(s).get("audio"), _rms("min"), elsewhere=PEER),
    Check("peer_audio_rms_max", "peer audio", lambda s: _peer(s).get("audio"), _rms("max"), elsewhere=PEER),
    Check("peer_tool_result", "peer tool result", lambda s: _peer(s).get("tool_result") is not None, elsewhere=PEER),
    Check("peer_offers", "peer offers", lambda s: _peer(s).get("offers"), elsewhere=PEER),
    Check("url_path", "page", lambda s: urlsplit(s.get("url") or "").path),
    Check("orb_name", "orb name", _orb("name")),
    Check("orb_is_button", "orb is a <button>", lambda s: _orb("tag")(s) == "button"),
    Check("orb_focused", "orb focused", _orb("focused")),
    Check("touch_device", "touch device", _key("touch"), _touch),
    Check("live_region", "live region", lambda s: (s.get("live_regions") or 0) > 0),
    Check("axe_max_impact_violations", "axe", lambda s: (s.get("axe") or {}).get("violations") if s.get("axe") is not None else None, _axe),
    # What the vendor observed (harness/expect_vendor.py) and how the orb looks (appearance.py).
    Check("api_status", "API", _key("api_log"), _vendor("api_status", "api_log"), elsewhere=API_LOG),
    Check("api_absent", "API", _key("api_log"), _vendor("api_absent", "api_log"), elsewhere=API_LOG),
    Check("peer_tool_output", "peer tool output", lambda s: _peer(s), _vendor("peer_tool_output", "peer"), elsewhere=PEER),
    Check("orb_look", "orb", _key("orb_look"), _look),
)
BY_FIELD = {c.field: c for c in CHECKS}


def mismatches(expect: Any, snap: dict[str, Any]) -> list[Mismatch]:
    """Every way the snapshot differs from the expectation (an Expect), one Mismatch per text.
    Two rows with the same text (the peer's audio too short for both RMS bounds) give it once."""
    out: list[Mismatch] = []
    texts: set[str] = set()
    for check in CHECKS:
        want = getattr(expect, check.field)
        if not check.applies(want):
            continue
        observed = check.read(snap)
        for text in check.problems(want, observed):
            if text not in texts:
                texts.add(text)
                out.append(Mismatch(field=check.field, expected=want, observed=observed, text=text))
    return out
