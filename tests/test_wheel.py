"""The harness as users get it: a built wheel, installed into a fresh virtualenv outside this
checkout, run from a folder of the user's own (their scenarios, a copy of their widget and its
profile) with nothing of the checkout on the path.

The fresh virtualenv has no pip and no dependencies of its own: the wheel goes in with --no-deps
(this venv's pip, --python), and a .pth line lets it see this venv's site-packages for the
dependencies (a line in a .pth adds a folder without running that folder's own .pth files, so
this checkout's editable install of the harness is not seen). Building the wheel and one
Chromium cell take about a minute.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from harness import paths

CHECKOUT = paths.ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The venv's bin folder, with the wheel of this checkout installed."""
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(CHECKOUT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    wheels = list(dist.glob("spelo_harness-*.whl"))
    assert len(wheels) == 1, list(dist.iterdir())
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    (site / "spelo-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    put = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheels[0])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert put.returncode == 0, put.stderr[-3000:]
    return env_dir / "bin"


def _env(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PYTEST"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_installed_package_is_the_wheel_with_its_data(installed: Path, tmp_path: Path) -> None:
    code = (
        "import harness, harness.paths as p; print(harness.__file__); "
        "print(all(f.is_file() for f in (p.REFERENCE_WIDGET, p.REFERENCE_PROFILE, p.CONTRACT_DIR / 'promises.yaml', "
        "p.PACKAGE / 'probe.js', p.PACKAGE / 'mutate_instrument.mjs', p.PACKAGE / 'py.typed'))); "
        "print(len(list(p.SCENARIO_DIR.glob('*.yaml'))))"
    )
    out = subprocess.run(
        [str(installed / "python"), "-c", code], capture_output=True, text=True, cwd=tmp_path, env=_env(installed), timeout=60
    )
    assert out.returncode == 0, out.stderr[-3000:]
    where, data, scenarios = out.stdout.split()
    assert Path(where).is_relative_to(installed.parent) and not Path(where).is_relative_to(CHECKOUT), where
    assert data == "True" and int(scenarios) >= 5


def test_doctor_and_one_cell_from_a_users_folder(installed: Path, tmp_path: Path) -> None:
    user = tmp_path / "my-repo"
    (user / "voice-scenarios").mkdir(parents=True)
    shutil.copy(CHECKOUT / "fixtures_site" / "spelo.js", user / "widget.js")
    shutil.copy(CHECKOUT / "fixtures_site" / "spelo.profile.yaml", user / "widget.profile.yaml")
    shutil.copy(CHECKOUT / "scenarios" / "microphone.yaml", user / "voice-scenarios" / "microphone.yaml")
    env = _env(installed)
    doctor = subprocess.run([str(installed / "spelo-harness"), "doctor"], capture_output=True, text=True, cwd=user, env=env, timeout=120)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert doctor.stdout.startswith("chromium  usable"), doctor.stdout
    run = subprocess.run(
        [
            str(installed / "spelo-harness"),
            "run",
            "voice-scenarios",
            "--browser",
            "chromium",
            "-k",
            "blocked-prompt",
            "--workers",
            "1",
            "--widget",
            "widget.js",
            "--profile",
            "widget.profile.yaml",
            "--output",
            "out",
        ],
        capture_output=True,
        text=True,
        cwd=user,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    data = json.loads((user / "out" / "results.json").read_text(encoding="utf-8"))
    cells = [(r["scenario"], r["engine"], r["outcome"]) for r in data["results"]]
    assert cells == [("blocked-prompt", "chromium", "pass")], cells
    assert (
        data["results"][0]["source"].startswith(str((user / "voice-scenarios").resolve()))
        or "voice-scenarios/microphone.yaml" in data["results"][0]["source"]
    ), data["results"][0]["source"]


def test_the_harness_reads_its_data_from_the_package_only() -> None:
    """paths.ROOT is the folder above the package (site-packages, once installed): a module that
    reads data from there works only in a checkout. Only pytest's rootdir for the child may use it."""
    users = sorted(
        str(f.relative_to(CHECKOUT)) for f in (CHECKOUT / "harness").rglob("*.py") if "paths.ROOT" in f.read_text(encoding="utf-8")
    )
    assert users == ["harness/matrix.py"], users
