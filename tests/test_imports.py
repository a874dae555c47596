"""Every module of the harness package imports, each in a fresh interpreter (so an import that
works only because another module was loaded first, or a cycle, shows too), under the Python
that runs it: the WebKitGTK driver's modules (they import gi) under the system Python, all the
others under this one. A broken import once hid Playwright's WebKit entirely (issue 12): an
engine module that does not import must fail here, not be skipped at run time."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import harness
from harness.engines.webkitgtk.client import SYSTEM_PYTHON

ROOT = Path(harness.__file__).resolve().parent.parent
GI_IMPORT = re.compile(r"^(import gi\b|from gi\b)", re.MULTILINE)  # top level: not a probe script in a string


def modules() -> list[tuple[str, Path]]:
    found = [
        (info.name, Path(info.module_finder.path) / (info.name.rsplit(".", 1)[-1]))  # type: ignore[union-attr]
        for info in pkgutil.walk_packages(harness.__path__, "harness.")
    ]
    out = []
    for name, stem in found:
        path = stem / "__init__.py" if stem.is_dir() else stem.with_suffix(".py")
        out.append((name, path))
    return sorted(out)


ALL = modules()
GI_ONLY = sorted(name for name, path in ALL if GI_IMPORT.search(path.read_text(encoding="utf-8")))


def test_the_walk_finds_the_package() -> None:
    names = {name for name, _ in ALL}
    assert len(names) > 30
    assert {
        "harness.cli",
        "harness.engines.playwright.chromium",
        "harness.engines.playwright.webkit",
        "harness.engines.webkitgtk.driver.main",
        "harness.server",
    } <= names
    # The modules the driver process loads are exactly those that need gi.
    assert GI_ONLY == ["harness.engines.webkitgtk.driver.main", "harness.engines.webkitgtk.driver.page"]


def _import(python: str, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, "-c", f"import {name}"], capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.mark.parametrize("name", [name for name, _ in ALL if name not in GI_ONLY])
def test_module_imports(name: str) -> None:
    out = _import(sys.executable, name)
    assert out.returncode == 0, f"import {name} failed:\n{out.stderr[-2000:]}"


@pytest.mark.parametrize("name", GI_ONLY)
def test_gi_module_imports_under_the_system_python(name: str) -> None:
    if not Path(SYSTEM_PYTHON).exists():
        pytest.skip(f"{SYSTEM_PYTHON} not found: the WebKitGTK driver cannot run here")
    out = _import(SYSTEM_PYTHON, name)
    assert out.returncode == 0, f"{SYSTEM_PYTHON}: import {name} failed:\n{out.stderr[-2000:]}"


def test_the_driver_folder_stands_alone_under_the_system_python() -> None:
    """The client runs the driver by file path with -E: its folder must import with nothing of the
    harness (or this venv) on the path, as from an installed wheel."""
    if not Path(SYSTEM_PYTHON).exists():
        pytest.skip(f"{SYSTEM_PYTHON} not found: the WebKitGTK driver cannot run here")
    from harness.engines.webkitgtk.client import DRIVER

    code = "import sys; import page, scripts; print(sorted(m for m in sys.modules if m.startswith('harness')))"
    out = subprocess.run(
        [SYSTEM_PYTHON, "-E", "-c", f"import sys; sys.path.insert(0, {str(DRIVER.parent)!r}); {code}"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
