"""The microphone is released: every track the page got from getUserMedia (and every clone of
one) has ended after a hang-up, after leaving the page, after a failed connection and after a
token error. The spy (harness/engines/spy.js) only follows the tracks; these builds of our own
each keep one live, and the cell that guards that moment must fail, saying so."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TYPE_CHECKING

import pytest

from harness.expect import mismatches
from harness.scenarios import Expect
from test_blind_spots import assert_broken_build_fails

if TYPE_CHECKING:
    from conftest import RunCli

KEEP = "s.stream = new MediaStream(); "  # endSession then stops nothing: the real track stays live

# (test id, engine, -k, the reference's text, the broken text, what the failing cell must say)
BROKEN = [
    (
        "hang-up-keeps-track",
        "chromium",
        "session-hang-up",
        "    s.stream.getTracks().forEach(function (t) { t.stop(); });\n    if (session === s)",
        "    if (session === s)",
        "microphone: not released: 1 track(s) still live on this page",
    ),
    (
        "hang-up-keeps-track",
        "firefox",
        "session-hang-up",
        "    s.stream.getTracks().forEach(function (t) { t.stop(); });\n    if (session === s)",
        "    if (session === s)",
        "microphone: not released: 1 track(s) still live on this page",
    ),
    (
        "leave-keeps-track",
        "chromium",
        "session-ends-on-leave",
        'window.addEventListener("pagehide", function () { endSession(session, "tab_closed"); });',
        'window.addEventListener("pagehide", function () { if (session) { session.' + KEEP + '} endSession(session, "tab_closed"); });',
        "microphone: not released: 1 track(s) still live when the previous page was left",
    ),
    (
        "failed-connection-keeps-track",
        "chromium",
        "session-ice-impossible",
        '    endSession(s, "network");',
        "    " + KEEP + 'endSession(s, "network");',
        "microphone: not released: 1 track(s) still live on this page",
    ),
    (
        "token-error-keeps-track",
        "firefox",
        "token-503",
        "        endSession(s, null);",
        "        " + KEEP + "endSession(s, null);",
        "microphone: not released: 1 track(s) still live on this page",
    ),
    # A clone (for a level meter, say) that is never stopped keeps the microphone as live.
    (
        "clone-kept",
        "chromium",
        "session-hang-up",
        "    startSession(stream);\n",
        "    window.__meter = track && track.clone();\n    startSession(stream);\n",
        "microphone: not released: 1 track(s) still live on this page",
    ),
]


@pytest.mark.parametrize("engine,keyword,reference,broken,says", [b[1:] for b in BROKEN], ids=[f"{b[0]}-{b[1]}" for b in BROKEN])
def test_a_build_that_keeps_the_microphone_fails_its_cell(
    run_cli: RunCli, tmp_path: Path, engine: str, keyword: str, reference: str, broken: str, says: str
) -> None:
    assert_broken_build_fails(run_cli, tmp_path, engine, keyword, reference, broken, says)


def _snap(live: int = 0, tracks: int = 0, left: int | None = None) -> dict[str, Any]:
    return {
        "mic_live": live,
        "mic_left_live": left,
        "mic_tracks": [{"label": "mic", "state": "live" if i < live else "ended"} for i in range(tracks)],
    }


def test_released_needs_a_track_and_none_live() -> None:
    want = Expect(mic_released=True)
    assert not mismatches(want, _snap(tracks=1))
    assert not mismatches(want, _snap(left=0))  # the page that had it was left with it ended
    assert [m.text for m in mismatches(want, _snap())] == ["microphone: no microphone track was obtained, so none was released"]
    assert [m.text for m in mismatches(want, _snap(live=1, tracks=2, left=1))] == [
        "microphone: not released: 1 track(s) still live on this page, 1 track(s) still live when the previous page was left"
    ]
    assert [m.text for m in mismatches(Expect(mic_released=False), _snap(tracks=1))] == [
        "microphone: expected a live track, every track had ended"
    ]
    assert not mismatches(Expect(mic_live=1), _snap(live=1, tracks=1))
    assert mismatches(Expect(mic_left_live=0), _snap(tracks=1))  # no page was left: None is not 0
