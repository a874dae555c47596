"""Shared helpers for the harness's own tests."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness import paths

pytest_plugins = ("pytester",)  # tests/test_plugin.py tests the plugin with pytest's own tool


@pytest.fixture
def run_cli(tmp_path: Path):
    """Run `spelo-harness ARGS` in a child process; returns the CompletedProcess."""

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                              timeout=timeout, cwd=tmp_path)

    return run


@pytest.fixture
def scenario_file(tmp_path: Path):
    """Write a scenario YAML file and return its path."""

    def write(text: str, name: str = "cells.yaml") -> Path:
        d = tmp_path / "scenarios"
        d.mkdir(exist_ok=True)
        p = d / name
        p.write_text(text, encoding="utf-8")
        return p

    return write


REFERENCE_WIDGET = paths.REFERENCE_WIDGET
