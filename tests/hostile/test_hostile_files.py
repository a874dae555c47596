"""Hostile files given to the CLI: each is refused before any browser starts with one line that
names the file (and where known, the line and field), exit 2, no traceback, and no process left.

The time asserted is an upper bound, not a speed test: a refusal happens while the inputs are
read, before any browser, so it takes the CLI's start plus the reading, bounded here by
CHECK_BOUND_S (an alias bomb that expanded took minutes and 5 GB)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import paths
from hostile_notes import note
from harness.input_checks import WIDGET_MAX_BYTES

CHECK_BOUND_S = 60.0  # the CLI's start (imports, node's --check) under a loaded machine, with room

SCENARIO = """
scenarios:
  - id: hostile-file
    title: "A cell of a hostile file"
    permission: granted
    steps: [{{click: orb}}]
    expect: {{state: listening}}
{extra}
"""

ALIAS_BOMB = """
scenarios:
  - id: bomb
    title: "An alias bomb in site.config"
    permission: granted
    site:
      config:
        a: &a ["x","x","x","x","x","x","x","x","x"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    steps: [{click: orb}]
    expect: {state: listening}
"""

DUPLICATE_KEY = """
scenarios:
  - id: twice
    title: "A key given twice"
    permission: granted
    permission: denied
    steps: [{click: orb}]
    expect: {state: listening}
"""

EMPTY_QUIRK = """
scenarios:
  - id: empty-quirk
    title: "A quirk with no reason"
    permission: granted
    steps: [{click: orb}]
    expect: {state: listening}
    quirks:
      firefox: {reason: '', evidence: 'seen', expect: {state: idle}}
"""

PROFILE_BASE = (paths.SITE_DIR / "spelo.profile.yaml").read_text(encoding="utf-8")


def cli(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True, timeout=CHECK_BOUND_S * 3, cwd=tmp_path
    )
    return done, time.monotonic() - started


def assert_one_line(done: subprocess.CompletedProcess[str], took: float, *words: str) -> str:
    lines = [ln for ln in done.stderr.splitlines() if ln.strip() and not ln.startswith("spelo-harness: sealed")]
    assert done.returncode == 2, (done.returncode, done.stdout[-1500:], done.stderr[-1500:])
    assert "Traceback" not in done.stdout + done.stderr
    assert len(lines) == 1, lines
    for w in words:
        assert w in lines[0], lines[0]
    assert took <= CHECK_BOUND_S, took
    note(f"exit 2: {lines[0]}", took)
    return lines[0]


def run_with(tmp_path: Path, scenario_text: str, *more: str) -> tuple[subprocess.CompletedProcess[str], float]:
    path = tmp_path / "hostile.yaml"
    path.write_text(scenario_text, encoding="utf-8")
    return cli(tmp_path, "run", str(path), "--browser", "chromium", "--workers", "1", "--output", str(tmp_path / "out"), *more)


# -- scenario files ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, words",
    [
        (ALIAS_BOMB, ("hostile.yaml:", "alias")),
        (DUPLICATE_KEY, ("hostile.yaml:6:", "permission", "twice")),
        (EMPTY_QUIRK, ("hostile.yaml:", "reason")),
        ("[" * 20_000 + "]" * 20_000, ("hostile.yaml", "nest")),
    ],
)
def test_hostile_scenario_file_is_one_line(tmp_path: Path, text: str, words: tuple[str, ...]) -> None:
    assert_one_line(*run_with(tmp_path, text), *words)


def test_non_utf8_scenario_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(b"scenarios:\n  - id: \xff\xfe\n")
    assert_one_line(*cli(tmp_path, "run", str(path), "--browser", "chromium"), "hostile.yaml", "UTF-8")


# -- profiles ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, words",
    [
        (("orb: .spelo-orb", "orb: '###!!'"), ("orb", "not a CSS selector")),
        (("orb: .spelo-orb", "orb: '.spelo-orb[data-x=\"a'"), ("orb", "not a CSS selector")),
        (("orb: .spelo-orb", "orb: .spelo-orb\norb: .other"), ("orb", "twice")),
        (("orb: .spelo-orb", "orb: .spelo-orb\norbit: .x"), ("orbit", "unknown")),
    ],
)
def test_hostile_profile_is_one_line(tmp_path: Path, change: tuple[str, str], words: tuple[str, ...]) -> None:
    assert change[0] in PROFILE_BASE, change[0]
    profile = tmp_path / "hostile.profile.yaml"
    profile.write_text(PROFILE_BASE.replace(change[0], change[1], 1), encoding="utf-8")
    done, took = run_with(tmp_path, SCENARIO.format(extra=""), "--profile", str(profile))
    assert_one_line(done, took, "hostile.profile.yaml", *words)


@pytest.mark.parametrize(
    "rule, words",
    [
        ("{state: idle, regex: '(?P<x>Ready)'}", ("(?P<name>", "JavaScript")),
        ("{state: idle, regex: '(?i)ready'}", ("inline flags",)),
        ("{state: no-such-state, visible: .spelo-orb}", ("no-such-state",)),
        ("{state: idle, visible: 'button:has-text(Go)'}", (":has-text",)),
    ],
)
def test_hostile_state_rules_are_one_line(tmp_path: Path, rule: str, words: tuple[str, ...]) -> None:
    profile = tmp_path / "hostile.profile.yaml"
    base = "\n".join(ln for ln in PROFILE_BASE.splitlines() if not ln.startswith("state_attribute"))
    profile.write_text(base + f"\nstate_rules:\n  - {rule}\n", encoding="utf-8")
    done, took = run_with(tmp_path, SCENARIO.format(extra=""), "--profile", str(profile))
    assert_one_line(done, took, "hostile.profile.yaml", *words)


# -- widget files and --output ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "content, words",
    [
        (b"", ("empty",)),
        (b"<!doctype html><html><body>not a script</body></html>", ("not JavaScript", "HTML")),
        (b"\x00\x01\x02\xff", ("not JavaScript",)),
        (b"function (", ("not JavaScript",)),
        (b"a" * (WIDGET_MAX_BYTES + 1), ("limit",)),
    ],
)
def test_hostile_widget_file_is_named_before_any_browser(tmp_path: Path, content: bytes, words: tuple[str, ...]) -> None:
    widget = tmp_path / "widget.js"
    widget.write_bytes(content)
    done, took = run_with(tmp_path, SCENARIO.format(extra=""), "--widget", str(widget))
    assert_one_line(done, took, "widget.js", *words)


def test_output_naming_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    path = tmp_path / "hostile.yaml"
    path.write_text(SCENARIO.format(extra=""), encoding="utf-8")
    done, took = cli(tmp_path, "run", str(path), "--browser", "chromium", "--output", str(tmp_path / "taken"))
    assert_one_line(done, took, "--output", "taken", "not a folder")


# -- gate and approve ----------------------------------------------------------------------------
def results_file(tmp_path: Path, cells: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / "results.json"
    path.write_text(
        json.dumps(
            {"format": "spelo-harness-results/1", "meta": {}, "results": [{"scenario": s, "engine": e, "outcome": o} for s, e, o in cells]}
        ),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "content, words",
    [
        (b"known_issues:\n  - cell: allow[firefox]\n    reason: \xff\xfe\n", ("not UTF-8",)),
        (b"known_issues: [\n", ("not valid YAML",)),
        (b"[" * 20_000 + b"]" * 20_000, ("nest",)),
        (b"known_issues:\n  - {cell: 'allow[firefox]', reason: a}\n  - {cell: 'allow[firefox]', reason: b}\n", ("twice",)),
        (b"known_issues:\n  - {cell: 'allow[opera]', reason: a}\n", ("opera",)),
    ],
)
def test_gate_with_a_hostile_known_issues_file_is_one_line(tmp_path: Path, content: bytes, words: tuple[str, ...]) -> None:
    baseline = tmp_path / "known-issues.yaml"
    baseline.write_bytes(content)
    results = results_file(tmp_path, [("allow", "chromium", "pass")])
    done, took = cli(tmp_path, "gate", str(results), "--baseline", str(baseline))
    assert_one_line(done, took, "known-issues.yaml", *words)


def test_gate_with_a_non_utf8_snapshot_is_one_line(tmp_path: Path) -> None:
    baseline = tmp_path / "snap.yaml"
    baseline.write_bytes(b"format: spelo-harness-snapshot/1\ncells:\n  allow[chromium]: {state: \xff}\n")
    results = results_file(tmp_path, [("allow", "chromium", "pass")])
    assert_one_line(*cli(tmp_path, "gate", str(results), "--baseline", str(baseline)), "snap.yaml", "UTF-8")


def test_gate_with_a_cell_twice_in_the_results_is_one_line(tmp_path: Path) -> None:
    results = results_file(tmp_path, [("allow", "chromium", "pass"), ("allow", "chromium", "fail")])
    baseline = tmp_path / "known-issues.yaml"
    baseline.write_text("known_issues: []\n", encoding="utf-8")
    assert_one_line(*cli(tmp_path, "gate", str(results), "--baseline", str(baseline)), "allow[chromium]", "twice")


@pytest.mark.parametrize(
    "cells, words",
    [
        ("  allow[chromium]: {state: idle}\n  allow[chromium]: {state: idle}\n", ("twice",)),
        ("  allow[opera]: {state: idle}\n", ("not a cell",)),
    ],
)
def test_approve_rejects_unknown_and_duplicated_cells(tmp_path: Path, cells: str, words: tuple[str, ...]) -> None:
    baseline = tmp_path / "snap.yaml"
    baseline.write_text("format: spelo-harness-snapshot/1\nprofile: reference\ncells:\n" + cells, encoding="utf-8")
    before = baseline.read_bytes()
    results = results_file(tmp_path, [("allow", "chromium", "pass")])
    done, took = cli(tmp_path, "approve", str(baseline), "--results", str(results))
    assert_one_line(done, took, "snap.yaml", *words)
    assert baseline.read_bytes() == before  # not rewritten


def test_a_scenario_file_that_never_ends_is_one_line(tmp_path: Path) -> None:
    done, took = cli(tmp_path, "run", "/dev/zero", "--browser", "chromium", "--output", str(tmp_path / "out"))
    assert_one_line(done, took, "/dev/zero", "too large")


def test_ctrl_c_while_a_file_is_loading_is_one_line(tmp_path: Path) -> None:
    """The CLI is stopped inside the reading of a scenario file (a pipe that delivers half of it
    and then nothing): SIGINT is honoured there, with the one 'interrupted' line and 130."""
    fifo = tmp_path / "slow.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", str(fifo), "--browser", "chromium", "--output", str(tmp_path / "out")],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with open(fifo, "w", encoding="utf-8") as writer:  # returns once the CLI opened it to read
            writer.write(SCENARIO.format(extra="")[:40])
            writer.flush()
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=CHECK_BOUND_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 130, (out, err)
    assert err.strip().splitlines() == ["spelo-harness: interrupted"], err
    assert time.monotonic() - started <= CHECK_BOUND_S
    note("exit 130: spelo-harness: interrupted", time.monotonic() - started)
