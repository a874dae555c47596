"""What each hostile case ended with (its verdict, its one line or its answer), kept as a JUnit
property of the test so that scripts/hostile-table.py prints case → verdict → seconds from a
run's junit.xml. Outside such a run (no recorder bound) a note goes nowhere."""

from __future__ import annotations

from typing import Callable

_record: Callable[[str, object], None] | None = None


def bind(record: Callable[[str, object], None] | None) -> None:
    global _record
    _record = record


def note(verdict: str, seconds: float | None = None) -> None:
    """The case's verdict, and the seconds the case itself took where the test's time includes more
    (a browser's launch)."""
    if _record is not None:
        _record("verdict", verdict)
        if seconds is not None:
            _record("seconds", f"{seconds:.1f}")
