"""The live progress of a run: cells done of total, failures so far, time left.

In a terminal it is one rich progress line that redraws itself; anywhere else (a CI log, a
pipe) it is one plain line per finished cell, so a log shows the same facts in order. The
plugin feeds it (on the controller) when `spelo-harness run` asks for it (--spelo-progress).
"""

from __future__ import annotations

import sys
import time
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from harness.model import is_failing


def left(elapsed_s: float, done: int, total: int) -> str:
    """The time left at the pace so far ("?" before the first cell)."""
    if done == 0:
        return "?"
    s = elapsed_s / done * max(total - done, 0)
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.0f} min"


class RunProgress:
    def __init__(self, total: int, stream: IO[str] | None = None, live: bool | None = None):
        self.total, self.done, self.failed = total, 0, 0
        self.started = time.monotonic()
        self.stream = stream or sys.stderr
        console = Console(file=self.stream, stderr=stream is None)
        self.live = console.is_terminal if live is None else live
        self._bar: Progress | None = None
        if self.live:
            self._bar = Progress(
                TextColumn("[bold]cells"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"),
                TextColumn("·"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[cell]}"),
                console=console,
                transient=True,
            )
            self._task = self._bar.add_task("cells", total=total, failed=0, cell="")
            self._bar.start()

    def cell_done(self, cell: str, outcome: str) -> None:
        self.done += 1
        self.failed += is_failing(outcome) or outcome == "failed"  # a cell's failing outcome, or a plain test's
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.failed, cell=cell)
            return
        print(
            f"[{self.done}/{self.total}] {cell} {outcome} · {self.failed} failed · "
            f"{left(time.monotonic() - self.started, self.done, self.total)} left",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
