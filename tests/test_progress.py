"""The run's progress display: one plain line per cell where there is no terminal (CI logs),
a live rich line in a terminal; done of total, failures so far, time left."""

from __future__ import annotations

import io

from harness.progress import RunProgress, left


def test_time_left_is_the_pace_so_far() -> None:
    assert left(10.0, 0, 4) == "?"
    assert left(10.0, 2, 4) == "10 s"
    assert left(60.0, 1, 3) == "2 min"
    assert left(5.0, 5, 5) == "0 s"


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    p = RunProgress(3, stream=out)
    assert not p.live
    p.cell_done("a[chromium]", "pass")
    p.cell_done("b[firefox]", "fail")
    p.cell_done("c[webkit]", "quirk")
    p.close()
    lines = out.getvalue().splitlines()
    assert [line.split(" · ")[:2] for line in lines] == [
        ["[1/3] a[chromium] pass", "0 failed"],
        ["[2/3] b[firefox] fail", "1 failed"],
        ["[3/3] c[webkit] quirk", "1 failed"],
    ]
    assert lines[-1].endswith("0 s left")


def test_a_live_line_in_a_terminal() -> None:
    out = io.StringIO()
    p = RunProgress(2, stream=out, live=True)
    p.cell_done("a[chromium]", "stale-quirk")
    assert p.failed == 1 and p.done == 1
    p.close()
    assert "[1/2]" not in out.getvalue()  # not the plain lines
