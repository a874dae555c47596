"""pytest-timeout is the last resort, not the design: a cell that runs into it is still written
to results.json, failed, saying so, and its worker's browsers are ended (plugin.past_last_resort).

The harness's own bounds end a cell long before pytest-timeout's marker (timeout_s × 3 + 45 s),
so the cell here raises what pytest-timeout's signal method raises, from inside the cell."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.timeout(240)
ARGS = ("-p", "no:cacheprovider", "-o", "addopts=", "-p", "xdist", "-n", "0")
CELL = """
scenarios:
  - id: runs-into-the-last-resort
    title: "A cell that pytest-timeout interrupts"
    permission: granted
    steps: [{click: orb}]
    expect: {state: listening}
"""


def test_a_cell_interrupted_by_pytest_timeout_is_written_failed(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import pytest
        from harness.runner import Harness

        def interrupted(self, scenario, engine, observers=()):
            pytest.fail("Timeout (>1.0s) from pytest-timeout.")  # what its signal method raises

        Harness.run_cell = interrupted
    """)
    cells = pytester.path / "cells"
    cells.mkdir()
    (cells / "last.yaml").write_text(CELL, encoding="utf-8")
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess(
        *ARGS, str(cells), "--spelo-scenarios", str(cells), "--browser", "chromium", "--output", str(out)
    )
    result.assert_outcomes(failed=1)
    (cell,) = json.loads((out / "results.json").read_text(encoding="utf-8"))["results"]
    assert (cell["scenario"], cell["engine"], cell["outcome"]) == ("runs-into-the-last-resort", "chromium", "fail")
    assert "pytest-timeout's last-resort bound (Timeout (>1.0s) from pytest-timeout.)" in cell["reason"], cell["reason"]
    assert cell.get("stopped") == "timeout", cell
