"""Playwright's own browser builds, proven without a download: a browsers folder laid out the way
`playwright install` lays it out (PLAYWRIGHT_BROWSERS_PATH), whose Chromium is the distro's
(behind a wrapper that records each start), and whose WebKit is a stand-in that cannot start.
The harness must pick these builds, report source `playwright`, run Chromium's cells with it, and
choose the Playwright WebKit engine for `webkit`, failing (not skipping) its cells when that build
does not start."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import playwright
import pytest

from harness import paths

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Where Playwright 1.64's registry (EXECUTABLE_PATHS in its coreBundle.js, linux-x64) looks inside
# each browser's folder, `<name with _ for ->-<revision>`; the revisions come from browsers.json.
EXECUTABLES = {
    "chromium": "chrome-linux64/chrome",
    "chromium-headless-shell": "chrome-headless-shell-linux64/chrome-headless-shell",
    "firefox": "firefox/firefox",
    "webkit": "pw_run.sh",
}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="the distro's chromium is not installed")


def revisions() -> dict[str, str]:
    data = json.loads((Path(playwright.__file__).parent / "driver" / "package" / "browsers.json").read_text())
    return {b["name"]: b["revision"] for b in data["browsers"]}


def lay_out(root: Path, names: tuple[str, ...], starts: Path) -> dict[str, Path]:
    """A browsers folder as `playwright install NAMES` leaves it (INSTALLATION_COMPLETE included).
    Chromium's builds are wrappers of the distro's that append their name to `starts`; WebKit
    and Firefox are stand-ins that only say they are not the real build."""
    rev = revisions()
    made = {}
    for name in names:
        folder = root / f"{name.replace('-', '_')}-{rev[name]}"
        exe = folder / EXECUTABLES[name]
        exe.parent.mkdir(parents=True)
        if name.startswith("chromium"):
            exe.write_text(f'#!/bin/sh\necho {name} >> "{starts}"\nexec "{CHROMIUM}" "$@"\n')
        else:
            exe.write_text(f"#!/bin/sh\necho 'a stand-in for Playwright's {name} build' >&2\nexit 1\n")
        exe.chmod(0o755)
        (folder / "INSTALLATION_COMPLETE").touch()
        made[name] = exe
    return made


@pytest.fixture
def browsers(tmp_path: Path) -> Browsers:
    starts = tmp_path / "starts.log"
    made = lay_out(tmp_path / "ms-playwright", ("chromium", "chromium-headless-shell", "webkit"), starts)
    env = {k: v for k, v in os.environ.items() if k != "SPELO_WEBKIT"}
    env["PLAYWRIGHT_BROWSERS_PATH"] = str(tmp_path / "ms-playwright")
    return made, env, starts


# (each fake build, as lay_out made it; the environment that points Playwright at them; the log of starts)
Browsers = tuple[dict[str, Path], dict[str, str], Path]


def harness(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def engine_line(out: str, engine: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(f"{engine} "))


def test_playwright_agrees_with_the_layout(browsers: Browsers) -> None:
    """The layout is where Playwright itself looks (so a Playwright upgrade that moves it fails here)."""
    made, env, _ = browsers
    code = (
        "from playwright.sync_api import sync_playwright\n"
        "with sync_playwright() as p: print(p.chromium.executable_path); print(p.webkit.executable_path)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.split() == [str(made["chromium"]), str(made["webkit"])], out.stderr


def test_doctor_names_playwrights_builds_and_the_webkit_choice(browsers: Browsers, tmp_path: Path) -> None:
    _, env, _ = browsers
    out = harness(env, tmp_path, "doctor")
    assert out.returncode == 0, out.stderr
    assert engine_line(out.stdout, "chromium").endswith("source: playwright")
    assert engine_line(out.stdout, "webkit").endswith("source: playwright")
    assert "engine: Playwright's WebKit build: it is installed" in out.stdout
    assert (
        engine_line(out.stdout, "firefox").endswith("source: system /usr/bin/firefox-esr") or "firefox   missing" in out.stdout
    )  # no Firefox in this layout: the distro's, where installed

    forced = harness({**env, "SPELO_WEBKIT": "webkitgtk"}, tmp_path, "doctor")
    assert engine_line(forced.stdout, "webkit").endswith("source: webkitgtk")
    assert "engine: stock WebKitGTK, as SPELO_WEBKIT=webkitgtk says" in forced.stdout


def test_firefox_layout_is_reported_as_playwrights(tmp_path: Path) -> None:
    """Playwright's Firefox (Juggler) cannot be stood in for by the distro's, so only its choice
    is shown here: with its folder present the source is `playwright`."""
    lay_out(tmp_path / "ms-playwright", ("firefox",), tmp_path / "starts.log")
    env = {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "ms-playwright")}
    out = harness(env, tmp_path, "doctor")
    assert engine_line(out.stdout, "firefox").endswith("source: playwright"), out.stdout


def test_cells_run_on_playwrights_chromium(browsers: Browsers, tmp_path: Path) -> None:
    _, env, starts = browsers
    out = harness(
        env,
        tmp_path,
        "run",
        str(paths.SCENARIO_DIR),
        "--browser",
        "chromium",
        "-k",
        "blocked",
        "--output",
        str(tmp_path / "out"),
        "--screenshots",
        "failure",
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    results = json.loads((tmp_path / "out" / "results.json").read_text())["results"]
    assert len(results) >= 2
    assert {(r["engine"], r["engine_source"], r["outcome"]) for r in results} == {("chromium", "playwright", "pass")}
    assert "playwright" in out.stdout  # the grid's column head names the source
    # Headless, Playwright starts its headless shell: the laid-out one, not /usr/bin/chromium directly.
    assert starts.read_text().split() and set(starts.read_text().split()) == {"chromium-headless-shell"}


def test_webkit_chooses_playwrights_build_and_fails_when_it_does_not_start(browsers: Browsers, tmp_path: Path) -> None:
    _, env, _ = browsers
    out = harness(
        env, tmp_path, "run", str(paths.SCENARIO_DIR), "--browser", "webkit", "-k", "blocked-prompt", "--output", str(tmp_path / "out")
    )
    assert out.returncode == 1, out.stdout[-3000:] + out.stderr[-2000:]
    [cell] = json.loads((tmp_path / "out" / "results.json").read_text())["results"]
    assert (cell["engine"], cell["engine_source"], cell["outcome"]) == ("webkit", "playwright", "fail")
    assert "Playwright's WebKit build did not start" in cell["reason"]
