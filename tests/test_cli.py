"""The command line: bad input is one line and exit 2 before any browser starts; a changed
visible text in the widget makes the matching cell fail showing expected and seen text."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import signal
import socket
import subprocess
import sys
import urllib.request

from harness import paths

if TYPE_CHECKING:
    from conftest import RunCli, ScenarioFileMaker

TOOLTIP = "Mic access is blocked — click the lock icon to re-enable."


def test_bad_scenario_is_one_line_and_exit_2(run_cli: RunCli, scenario_file: ScenarioFileMaker) -> None:
    bad = scenario_file("scenarios:\n  - id: x\n    title: t\n    origin: moon\n    steps: [reload]\n    expect: {}\n")
    out = run_cli("run", str(bad))
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0, out.stderr
    assert f"{bad}:4: scenarios[0].origin: unknown origin 'moon'" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert out.stdout == ""  # pytest, and so any browser, never started


def test_bad_options_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("run", "--widget", str(tmp_path / "nope.js")).returncode == 2
    out = run_cli("run", "--workers", "lots")
    assert out.returncode == 2 and "--workers" in out.stderr
    out = run_cli("run", str(tmp_path / "missing.yaml"))
    assert out.returncode == 2 and "no such file" in out.stderr


def test_changed_tooltip_fails_the_matching_cell(run_cli: RunCli, tmp_path: Path) -> None:
    widget = tmp_path / "spelo.js"
    widget.write_text(
        paths.REFERENCE_WIDGET.read_text(encoding="utf-8").replace("click the lock icon to re-enable.", "use the padlock."),
        encoding="utf-8",
    )
    out = run_cli("run", "--browser", "chromium", "-k", "blocked-before", "--widget", str(widget), "--output", str(tmp_path / "out"))
    assert out.returncode == 1, out.stdout[-2000:]
    assert f"tooltip: expected '{TOOLTIP}', seen 'Mic access is blocked — use the padlock.'" in out.stdout
    assert "console transcript:" in out.stdout and "screenshot: " in out.stdout
    assert (tmp_path / "out" / "results.json").is_file()


def test_reference_widget_passes_the_same_cell(run_cli: RunCli, tmp_path: Path) -> None:
    out = run_cli("run", "--browser", "chromium", "-k", "blocked-before", "--output", str(tmp_path / "out"))
    assert out.returncode == 0, out.stdout[-2000:]
    assert "blocked-before" in out.stdout and "pass" in out.stdout


def test_serve_prints_urls_that_answer(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C stops" in line:
                break
        localhost = next(line.split()[1] for line in lines if line.strip().startswith("localhost"))
        page = urllib.request.urlopen(localhost, timeout=10).read().decode()
        assert 'data-site-id="demoshop1"' in page
        # A malformed request: answered 400, and one line on stderr, not aiohttp's traceback.
        port = int(localhost.split(":")[2].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
            assert s.recv(64).startswith(b"HTTP/1.0 400")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(15)
        finally:
            if proc.poll() is None:  # it did not stop: the test fails, and leaves nothing running
                proc.kill()
                proc.wait(10)
    assert code == 0
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert "malformed request from 127.0.0.1: 400 Invalid character in Content-Length" in err
    assert "Traceback" not in err and err.count("malformed request") == 1


def test_doctor_lists_engines(run_cli: RunCli) -> None:
    out = run_cli("doctor")
    assert out.returncode == 0
    for engine in ("chromium", "firefox", "webkit"):
        assert engine in out.stdout


def test_an_unnamed_orb_fails_the_axe_cell(run_cli: RunCli, tmp_path: Path) -> None:
    widget = tmp_path / "spelo.js"
    source = paths.REFERENCE_WIDGET.read_text(encoding="utf-8")
    broken = source.replace('"aria-label": TEXTS.label,', "").replace(
        'ui.orb.setAttribute("aria-label", active ? TEXTS.labelActive : TEXTS.label);', ""
    )
    assert broken != source
    widget.write_text(broken, encoding="utf-8")
    out = run_cli("run", "--browser", "chromium", "-k", "axe-idle", "--widget", str(widget), "--output", str(tmp_path / "out"))
    assert out.returncode == 1, out.stdout[-2000:]
    assert "button-name (critical)" in out.stdout
