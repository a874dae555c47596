"""A build's own start flow: the clicks, keys and waits on its own parts that a scenario's one
step stands for.

The scenarios speak the reference's steps (`click: orb`, `accept_notice`). A build that starts
with Start → Agree → Voice → Start call names that sequence in its profile, bound to the step:

    parts:
      start: 'button:has-text("Start")'
      agree: 'button:has-text("Agree")'
      voice: 'button:has-text("Voice")'
      call: 'button[aria-label="Start call"]'
    flows:
      orb:
        - click: start
        - {click: agree, optional: true}   # only on the first visit: terms already agreed are not asked again
        - click: voice
        - click: call

Each part is waited for (visible, as the runner waits for the orb) before it is clicked; `wait:
PART` waits for a part to show, `gone: PART` for it to go, `key: Enter` presses a key on what has
focus. An optional click waits until its part or a later step's part (up to the next required one)
shows, and clicks its part only if that came: never a sleep. `stop_at: PART` waits the same way and ends the flow if
its part came (a terms dialog on the first visit, which the scenario's next step answers:
`orb: [click: start, stop_at: notice, click: voice]`). A flow step naming a part the profile does not have is a load-time
error (profile.py). No script in an embed clicks through a build.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal, Protocol

from pydantic import BaseModel, ConfigDict, model_validator

if TYPE_CHECKING:
    from harness.engines.base import Tab

POLL_S = 0.05  # as the runner's poll
KINDS = ("click", "wait", "gone", "key", "stop_at")


class FlowStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    click: str | None = None  # a part: waited for, then clicked
    wait: str | None = None  # a part: waited for until it shows
    gone: str | None = None  # a part: waited for until it no longer shows
    key: Literal["Enter", "Space", "Tab", "Escape"] | None = None  # on whatever has focus
    stop_at: str | None = None  # a part: the flow ends here if it shows (before the next step's part does)
    optional: bool = False  # click only: the part may not come (the next required step's part shows instead)

    @model_validator(mode="after")
    def _one(self) -> "FlowStep":
        if sum(x is not None for x in (self.click, self.wait, self.gone, self.key, self.stop_at)) != 1:
            raise ValueError("a flow step has exactly one of: click, wait, gone, key, stop_at")
        if self.optional and self.click is None:
            raise ValueError("only a click can be optional")
        return self

    @property
    def part(self) -> str | None:
        return self.click or self.wait or self.gone or self.stop_at

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k) is not None)

    def describe(self) -> str:
        for kind in KINDS:
            value = getattr(self, kind)
            if value is not None:
                return f"{kind} {value}" + (" (optional)" if self.optional else "")
        return "?"


class FlowFailed(Exception):
    """A part of the flow did not come (or go) within the bound: the step cannot be taken."""


@dataclass
class FlowDriver:
    """What a flow needs of the cell: the runner gives its own waits and actions."""

    selector: Callable[[str], str]  # a part's name -> its selector from the document
    visible: Callable[[str], bool]  # selector -> shows now (as the runner's visibility wait)
    click: Callable[[str], None]
    key: Callable[[str], None]
    settle: Callable[[], None]  # one poll interval, ended early by a change in the page
    timeout_s: float


class Parts(Protocol):
    """What a flow reads of the profile (profile.WidgetProfile, which imports this module)."""

    def part_selector(self, name: str) -> str | None: ...

    def visible_expression(self, selector: str) -> str: ...


class FlowCell(Protocol):
    """What a flow uses of its cell (runner.CellRun, through steps.Click)."""

    @property
    def profile(self) -> Parts: ...

    frame: str | None

    @property
    def tab(self) -> "Tab": ...

    def safe_eval(self, expr: str) -> Any: ...

    def deadline(self) -> float: ...


def driver_for(cell: FlowCell) -> FlowDriver:
    """The cell's own waits and actions for a flow: visibility as the runner's click waits for it,
    polls ended early by a change in the page, the cell's bound for each part."""
    profile = cell.profile

    def selector(part: str) -> str:
        sel = profile.part_selector(part)
        if sel is None:  # load_profile refuses a flow naming a part the profile lacks
            raise FlowFailed(f"the profile has no part {part!r}")
        return sel

    return FlowDriver(
        selector=selector,
        visible=lambda sel: bool(cell.safe_eval(profile.visible_expression(sel))),
        click=lambda sel: cell.tab.click(sel, cell.frame),
        key=lambda key: cell.tab.press("", key, cell.frame),
        settle=lambda: cell.tab.settle(POLL_S, cell.frame),
        timeout_s=max(0.0, cell.deadline() - time.monotonic()),
    )


def run_flow(steps: list[FlowStep], d: FlowDriver) -> list[str]:
    """Takes the flow's steps in order; what was done, one entry a step (for the step's record)."""
    done: list[str] = []
    for i, step in enumerate(steps):
        if step.key is not None:
            d.key(step.key)
            done.append(f"key {step.key}")
            continue
        assert step.part is not None
        target = d.selector(step.part)
        if step.gone is not None:
            _until(d, [target], False, f"{step.part} did not go")
            done.append(f"{step.part} gone")
            continue
        if step.stop_at is not None or (step.click is not None and step.optional):
            ahead = _ahead(steps[i + 1 :])
            then = " or ".join(ahead) or "(nothing after it)"
            _until(d, [target, *(d.selector(p) for p in ahead)], True, f"neither {step.part} nor {then} showed")
            if step.stop_at is not None:
                if d.visible(target):
                    done.append(f"{step.part} shown: the flow ends here")
                    return done
                continue
            if not d.visible(target):
                done.append(f"{step.part} not shown: skipped")
                continue
        else:
            _until(d, [target], True, f"{step.part} ({target}) did not show")
        if step.click is not None:
            d.click(target)
            done.append(f"click {step.part}")
        else:
            done.append(f"{step.part} shown")
    return done


def _ahead(rest: list[FlowStep]) -> list[str]:
    """The parts that may show next: those of the steps after this one, up to and with the first
    one that must come (a flow that skips what is not there goes on with any of them)."""
    out: list[str] = []
    for s in rest:
        if s.part is not None and s.kind != "gone":
            out.append(s.part)
            if s.kind in ("click", "wait") and not s.optional:
                break
    return out


def _until(d: FlowDriver, selectors: list[str], shows: bool, why: str) -> None:
    """Until one of the selectors shows (shows=True), or the one selector no longer does."""
    end = time.monotonic() + d.timeout_s
    while any(d.visible(s) for s in selectors) != shows:
        if time.monotonic() > end:
            raise FlowFailed(f"{why} within {d.timeout_s:g} s")
        d.settle()
