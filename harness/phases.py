"""A cell's time by phase, so a slow cell says why: the browser (launched, or reused), the
context, the navigation, each step, the final expectation, the teardown; and, inside those,
the time spent probing the page, waiting for it to settle and taking screenshots."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

PARTS = ("probe", "waits", "screenshots")  # counted inside the phases, not beside them


class PhaseClock:
    def __init__(self) -> None:
        self.phases: dict[str, float] = {}  # in the order they happened
        self.parts: dict[str, float] = {}

    def add(self, name: str, seconds: float, into: dict[str, float] | None = None) -> None:
        table = self.phases if into is None else into
        table[name] = round(table.get(name, 0.0) + seconds, 3)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(name, time.monotonic() - started)

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(name, time.monotonic() - started, self.parts)
