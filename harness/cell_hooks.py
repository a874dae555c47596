"""Hooks on a cell's way: observers (mutate's coverage, a judge that reads observations, a
progress line) are told what happens instead of overriding the runner's methods.

An observer subclasses CellObserver and overrides what it needs; the defaults do nothing. The
runner calls them in order: before_step / after_step around each step, at_rest whenever the page
was read at rest, at_end once with the Result while the page is still open (before the tab closes).
An observer's own failure is logged and never changes the cell's verdict.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Protocol

from harness.engines.base import Tab
from harness.results import Result, StepRecord
from harness.scenarios import Scenario
from harness.steps import StepAction

log = logging.getLogger("spelo.cell_hooks")


class Cell(Protocol):
    """What an observer may read of the cell (runner.CellRun is one)."""

    scenario: Scenario
    engine: str
    result: Result
    frame: str | None
    site_id: str

    @property
    def has_tab(self) -> bool: ...

    @property
    def tab(self) -> Tab: ...

    def safe_eval(self, expr: str) -> Any: ...

    def observe(self) -> dict[str, Any]: ...


class CellObserver:
    """No-op defaults: override the hooks you need."""

    def before_step(self, cell: Cell, index: int, action: StepAction) -> None:
        """Before step `index` (1-based) runs; the page is the one the step starts on."""

    def after_step(self, cell: Cell, index: int, action: StepAction, record: StepRecord) -> None:
        """After the step ran, or failed (then record.error says why)."""

    def at_rest(self, cell: Cell, facts: dict[str, Any]) -> None:
        """The page was read at rest (quiet DOM, no passing state): `facts` is what was perceived."""

    def at_end(self, cell: Cell, result: Result) -> None:
        """The cell's verdict is made; the tab (if the cell got one) is still open."""


class Observers:
    """The cell's observers, called in order; one that raises is logged and skipped."""

    def __init__(self, observers: Iterable[CellObserver]):
        self.observers = list(observers)

    def call(self, hook: str, *args: Any) -> None:
        for obs in self.observers:
            try:
                getattr(obs, hook)(*args)
            except Exception:  # noqa: BLE001 (an observer's bug must not decide the cell)
                log.exception("cell observer %s failed in %s", type(obs).__name__, hook)
