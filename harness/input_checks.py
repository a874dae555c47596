"""Checks of a run's inputs that are files rather than YAML: the output folder and the widget
build. Each is made before any browser starts, and a bad one is a UsageError of one line."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.errors import UsageError

WIDGET_MAX_BYTES = 5 * 1024 * 1024  # a widget build larger than this is not a build we serve
NODE_CHECK_TIMEOUT_S = 20.0


def check_output_folder(path: Path, option: str = "--output") -> Path:
    """The output folder, made if missing; a path that is a file (or under one) is one line."""
    for p in (path, *path.parents):
        if p.exists() and not p.is_dir():
            raise UsageError(f"{option}: {path}: {'is' if p == path else f'{p} is'} a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"{option}: {path}: cannot make the folder: {e.strerror or e}") from None
    return path


def check_widget_file(path: Path, option: str = "--widget") -> Path:
    """A widget build file: not empty, not over WIDGET_MAX_BYTES, UTF-8 text that parses as
    JavaScript (a script or a module; by Node.js where it is installed)."""
    size = path.stat().st_size
    if size == 0:
        raise UsageError(f"{option}: {path}: the file is empty")
    if size > WIDGET_MAX_BYTES:
        raise UsageError(f"{option}: {path}: {size:,} bytes, over the {WIDGET_MAX_BYTES:,}-byte limit of a widget build")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"{option}: {path}: not JavaScript (not UTF-8 text: byte {e.start})") from None
    if "\0" in text:
        raise UsageError(f"{option}: {path}: not JavaScript (binary: it holds NUL bytes)")
    if not text.strip():
        raise UsageError(f"{option}: {path}: the file is empty (only white space)")
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype", "<html", "<?xml", "<head", "<body")):
        raise UsageError(f"{option}: {path}: not JavaScript (it is HTML or XML)")
    why = node_syntax_error(path)
    if why is not None:
        raise UsageError(f"{option}: {path}: not JavaScript: {why}")
    return path


def node_syntax_error(path: Path) -> str | None:
    """Node's `--check` of the file as a script, then as a module; None when either parses, or
    where Node.js is not installed (or does not answer in time)."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        return None
    first = _node_check(node, path)
    if first is None:
        return None
    with tempfile.TemporaryDirectory(prefix="spelo-check-") as tmp:  # .mjs: parsed as a module
        module = Path(tmp) / "build.mjs"
        shutil.copyfile(path, module)
        if _node_check(node, module) is None:
            return None
    return first


def _node_check(node: str, path: Path) -> str | None:
    try:
        done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=NODE_CHECK_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode == 0:
        return None
    lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
    said = next((ln for ln in lines if "Error" in ln), lines[-1] if lines else "does not parse")
    where = next((ln for ln in lines if ln.startswith(str(path))), "")
    return said + (f" (line {where.rpartition(':')[2]})" if where and ":" in where else "")
