"""Steps are objects chosen from one table, and a cell tells its observers about each step, its
rest and its end: what mutate's coverage and the judges use instead of overriding the runner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness import paths
from harness.cell_hooks import Cell, CellObserver
from harness.results import Result, StepRecord
from harness.runner import Harness, RunOptions
from harness.scenarios import Step, load_all
from harness.steps import KINDS, Click, ExpectNow, Reload, StepAction, action_for


def test_every_kind_of_step_has_its_object() -> None:
    fields = [f for f in Step.model_fields]
    assert sorted(KINDS) == sorted(fields), "a Step field with no StepAction (or the reverse)"
    assert isinstance(action_for(Step.model_validate("reload")), Reload)
    accept = action_for(Step.model_validate("accept_notice"))
    assert isinstance(accept, Click) and accept.value == "continue" and not accept.leaves_page
    assert action_for(Step.model_validate({"click": "fallback"})).leaves_page
    assert isinstance(action_for(Step.model_validate({"expect": {"state": "idle"}})), ExpectNow)


class Recorder(CellObserver):
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def before_step(self, cell: Cell, index: int, action: StepAction) -> None:
        self.calls.append(("before", index, action.kind, cell.has_tab))

    def after_step(self, cell: Cell, index: int, action: StepAction, record: StepRecord) -> None:
        self.calls.append(("after", index, action.kind, record.error))

    def at_rest(self, cell: Cell, facts: dict[str, Any]) -> None:
        self.calls.append(("rest", facts.get("state")))

    def at_end(self, cell: Cell, result: Result) -> None:
        self.calls.append(("end", result.outcome, cell.has_tab and cell.tab is not None))


class Broken(CellObserver):
    def before_step(self, cell: Cell, index: int, action: StepAction) -> None:
        raise RuntimeError("an observer's own bug")


@pytest.mark.parametrize("observe", [False, True])
def test_a_cell_tells_its_observers_each_step_its_rest_and_its_end(tmp_path: Path, observe: bool) -> None:
    sc = next(s for s in load_all([paths.SCENARIO_DIR / "persistence.yaml"]) if s.id == "granted-persists-reload")
    run_wide, own = Recorder(), Recorder()
    with Harness(RunOptions(output_dir=tmp_path, screenshots="failure", observe=observe, observers=[run_wide, Broken()])) as h:
        r = h.run_cell(sc, "chromium", [own])
    assert r.outcome == "pass", r.reason  # the broken observer is logged, never the verdict
    assert run_wide.calls == own.calls
    kinds = [c for c in own.calls if c[0] in ("before", "after")]
    assert [(c[0], c[1]) for c in kinds] == [(w, i) for i in range(1, len(sc.steps) + 1) for w in ("before", "after")]
    assert [c[2] for c in kinds[::2]] == [action_for(s).kind for s in sc.steps]
    assert all(c[3] is None for c in kinds if c[0] == "after")  # no step failed
    assert own.calls[-1] == ("end", "pass", True)  # told with the verdict, while the page is open
    rests = [c for c in own.calls if c[0] == "rest"]
    assert bool(rests) == observe  # read at rest only where the run reads the page at rest


def test_a_skipped_cell_still_ends_with_its_observers(tmp_path: Path) -> None:
    sc = next(s for s in load_all([paths.SCENARIO_DIR / "microphone.yaml"]) if s.id == "allow")
    rec = Recorder()
    with Harness(RunOptions(output_dir=tmp_path, screenshots="failure")) as h:
        r = h.run_cell(sc.model_copy(update={"skip": {"chromium": "not here"}}), "chromium", [rec])
    assert r.outcome == "skipped"
    assert rec.calls == [("end", "skipped", False)]
