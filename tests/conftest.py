"""Shared helpers for the harness's own tests."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Protocol

import pytest

from harness import paths

pytest_plugins = ("pytester",)  # tests/test_plugin.py tests the plugin with pytest's own tool

# Tests that stop the CLI with Ctrl-C (SIGINT) need it delivered: a suite started as a background
# job of a non-interactive shell (`bash -c '... &'`, some CI runners) inherits SIGINT ignored, and
# an ignored signal stays ignored in every child it execs. A handler of ours is reset to the
# default at exec, so the CLIs these tests start get Python's KeyboardInterrupt back.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


# The fixtures' types, for the tests' annotations (imported there for type checking only).
class RunCli(Protocol):
    def __call__(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]: ...


class ScenarioFileMaker(Protocol):
    def __call__(self, text: str, name: str = "cells.yaml") -> Path: ...


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run `spelo-harness ARGS` in a child process; returns the CompletedProcess."""

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=tmp_path)

    return run


@pytest.fixture
def scenario_file(tmp_path: Path) -> ScenarioFileMaker:
    """Write a scenario YAML file and return its path."""

    def write(text: str, name: str = "cells.yaml") -> Path:
        d = tmp_path / "scenarios"
        d.mkdir(exist_ok=True)
        p = d / name
        p.write_text(text, encoding="utf-8")
        return p

    return write


REFERENCE_WIDGET = paths.REFERENCE_WIDGET
