"""The visitor's steps as objects: one small class per kind of step, chosen from one table.

A scenario's `Step` (harness/scenarios.py) is data with exactly one field set; `action_for` turns it
into the object that takes it on a cell. The runner knows no kind of step: it runs the action and
tells the cell's observers before and after. A new kind of step is a class here and a row in KINDS.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from harness.a11y import run_axe
from harness.engines.base import Tab
from harness.profile import WidgetProfile
from harness.results import Result
from harness.scenarios import Expect, Step


class StepCell(Protocol):
    """What a step uses of its cell (runner.CellRun is one); a protocol, so that this module and
    the runner do not import each other."""

    profile: WidgetProfile
    result: Result
    frame: str | None
    axe: dict[str, Any] | None
    soft_failures: list[str]
    soft_expect: bool  # an expect step that does not hold lets the later steps run (False: it ends the cell)

    @property
    def tab(self) -> Tab: ...

    @property
    def observing(self) -> bool: ...

    @property
    def judging(self) -> str: ...

    def wait_visible(self, selector: str) -> None: ...

    def safe_eval(self, expr: str) -> Any: ...

    def deadline(self) -> float: ...

    def observe(self) -> dict[str, Any]: ...

    def observe_at_rest(self, wait_for_peer: bool = True) -> dict[str, Any]: ...

    def await_expect(self, expect: Expect, alternative: Expect | None) -> str: ...


class StepFailed(Exception):
    """A step that could not be taken or an expectation that did not hold: the cell fails."""


class StepAction:
    """One kind of step. `leaves_page`: the step may take the visitor to another document (an
    observer that reads the page, e.g. mutate's coverage, reads it before)."""

    kind: ClassVar[str] = ""

    def __init__(self, value: Any):
        self.value = value

    @property
    def leaves_page(self) -> bool:
        return False

    def applies(self, profile: WidgetProfile) -> bool:
        """Whether this build has what the step acts on (a click on a notice it does not have is
        shown as not applicable and is no visitor's action: judges do not count it)."""
        return True

    def run(self, cell: StepCell) -> None:
        raise NotImplementedError


class Click(StepAction):
    """A click on one of the build's parts, by the profile's name for it (orb, continue, ...)."""

    kind = "click"

    @property
    def leaves_page(self) -> bool:
        return bool(self.value == "fallback")  # the fallback link opens the site's text chat

    def applies(self, profile: WidgetProfile) -> bool:
        return self.value in profile.flows or profile.selector(self.value) is not None

    def run(self, cell: StepCell) -> None:
        if self.value in cell.profile.flows:  # the build's own sequence for this step (harness/flows.py)
            self._flow(cell)
            return
        selector = cell.profile.selector(self.value)
        if selector is None:  # accept_notice on a build without a notice: shown, not done
            cell.result.steps[-1].action += " — not applicable: this build has no notice step (profile: notice: none)"
            return
        cell.wait_visible(selector)
        cell.tab.click(selector, cell.frame)

    def _flow(self, cell: StepCell) -> None:
        from harness.flows import FlowFailed, driver_for, run_flow

        try:
            done = run_flow(cell.profile.flows[self.value], driver_for(cell))
        except FlowFailed as e:
            raise StepFailed(f"the profile's flow for {self.value}: {e}") from None
        cell.result.steps[-1].action += f" (the profile's flow: {' → '.join(done)})"


class Press(StepAction):
    """A key pressed on the orb after focusing it (the keyboard visitor's click)."""

    kind = "press"

    def run(self, cell: StepCell) -> None:
        orb = cell.profile.path(cell.profile.orb)
        cell.wait_visible(orb)
        cell.tab.press(orb, self.value, cell.frame)


class Key(StepAction):
    """A key pressed on whatever has the focus."""

    kind = "key"

    def run(self, cell: StepCell) -> None:
        cell.tab.press("", self.value, cell.frame)


class Axe(StepAction):
    """axe-core on the widget's frame; its serious and critical violations are kept for expect."""

    kind = "axe"

    def run(self, cell: StepCell) -> None:
        try:
            cell.axe = run_axe(cell.tab, cell.frame, cell.profile.root, cell.deadline())
        except (TimeoutError, RuntimeError) as e:
            raise StepFailed(str(e)) from None


class Reload(StepAction):
    kind = "reload"

    @property
    def leaves_page(self) -> bool:
        return True

    def run(self, cell: StepCell) -> None:
        cell.tab.reload()
        cell.observe()  # as after goto: the first probe starts the reloaded page's state history


class ClearStorage(StepAction):
    kind = "clear_storage"

    def run(self, cell: StepCell) -> None:
        cell.tab.evaluate("localStorage.clear(), true", cell.frame)


def clock_ms(text: str) -> int:
    """ "04:50" or "1:59:00" (a step's clock value) in milliseconds."""
    seconds = 0
    for part in text.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds * 1000


class Clock(StepAction):
    """The page's clock moved forward by the harness (Tab.fast_forward): the timers that fall due
    in that time fire, at once, instead of the cell waiting for them."""

    kind = "clock"

    def run(self, cell: StepCell) -> None:
        cell.tab.fast_forward(clock_ms(self.value))


class ExpectNow(StepAction):
    """An expectation between steps: waited for like the scenario's final one."""

    kind = "expect"

    def run(self, cell: StepCell) -> None:
        expect: Expect = self.value
        if cell.judging == "universal":  # the contract's words do not judge: the page at rest paces
            cell.observe_at_rest()
            return
        record = cell.result.steps[-1]
        try:
            cell.await_expect(expect, None)
            record.verdict = "pass"
        except StepFailed as e:
            if not cell.soft_expect:
                raise
            # A soft expectation, as soft assertions are: recorded, and the later steps still run
            # (the second click, the no-re-prompt check); the cell fails after its last step.
            record.verdict, record.error = "fail", str(e)
            cell.soft_failures.append(f"step {record.index} (expect): {e}")
        if cell.observing:  # and the page at rest, so later steps never race it
            cell.observe_at_rest()


KINDS: dict[str, type[StepAction]] = {k.kind: k for k in (Click, Press, Key, Axe, Reload, ClearStorage, Clock, ExpectNow)}


def action_for(step: Step) -> StepAction:
    """The object that takes this step (a Step has exactly one field set: its kind)."""
    for name, value in step.__dict__.items():
        if value is not None and name in KINDS:
            return KINDS[name](value)
    raise ValueError(f"a step of no known kind: {step!r} (kinds: {', '.join(KINDS)})")
