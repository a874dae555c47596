"""npm builds for --widget: the integrity check refuses a tampered tarball, a cached copy is
re-checked before use, and a spec that cannot be fetched is one line and exit 2 before any
browser starts. No network: tarballs are made here, and npm is pointed at a closed port."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from harness import paths
from harness.errors import UsageError
from harness.widget_source import fetch_widget, is_package_spec, parse_spec, sri_sha512, unpack, verify_tarball, widget_root


def make_tarball(path: Path, files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(buf.getvalue())
    return buf.getvalue()


PACKAGE = {
    "package/package.json": json.dumps({"name": "@acme/voice", "version": "1.0.0", "main": "dist/w.js"}).encode(),
    "package/dist/w.js": b"console.log('w');",
    "package/dist/chunk.js": b"1;",
}


def test_the_integrity_check_refuses_a_tampered_tarball(tmp_path: Path) -> None:
    tgz = tmp_path / "voice-1.0.0.tgz"
    data = make_tarball(tgz, PACKAGE)
    integrity = sri_sha512(data)
    verify_tarball(tgz, integrity)  # the genuine one passes
    tgz.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit changed
    with pytest.raises(UsageError) as e:
        verify_tarball(tgz, integrity)
    assert "is not the registry's integrity" in str(e.value) and "refusing" in str(e.value)
    with pytest.raises(UsageError, match="no sha512"):
        verify_tarball(tgz, "sha1-AAAA")


def test_a_cached_build_is_rechecked_before_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPELO_CACHE", str(tmp_path / "cache"))
    slot = tmp_path / "cache" / "npm" / "@acme+voice@1.0.0"
    slot.mkdir(parents=True)
    data = make_tarball(slot / "package.tgz", PACKAGE)
    unpack(slot / "package.tgz", slot)
    (slot / "integrity").write_text(sri_sha512(data) + "\n")
    entry = fetch_widget("npm:@acme/voice@1.0.0")
    assert entry == (slot / "package" / "dist" / "w.js").resolve()
    assert widget_root(entry) == (slot / "package").resolve()  # chunks next to it are served
    assert fetch_widget("@acme/voice@1.0.0/dist/chunk.js").name == "chunk.js"
    with pytest.raises(UsageError, match="no file dist/none.js"):
        fetch_widget("@acme/voice@1.0.0/dist/none.js")
    (slot / "package.tgz").write_bytes(data + b"\0")  # tampered in the cache
    with pytest.raises(UsageError, match="refusing"):
        fetch_widget("npm:@acme/voice@1.0.0")


def test_specs_are_exact_versions_and_paths_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_spec("npm:@elevenlabs/convai-widget-embed@0.5.4").exact == "@elevenlabs/convai-widget-embed@0.5.4"
    assert parse_spec("left-pad@1.3.0/index.js").path == "index.js"
    for bad in ("npm:left-pad@^1.3.0", "npm:left-pad", "left-pad@latest", "npm:@a/b@1.2"):
        with pytest.raises(UsageError, match="exact version"):
            parse_spec(bad)
    assert not is_package_spec("build/spelo.js") and is_package_spec("left-pad@1.3.0")
    (tmp_path / "w@1.0.0").write_text("x")
    monkeypatch.chdir(tmp_path)
    assert not is_package_spec("w@1.0.0")  # an existing file is a file


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(paths.SCENARIO_DIR / "policy.yaml"), *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed (scripts/setup.sh installs it)")
def test_a_spec_that_cannot_be_fetched_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {
        "SPELO_CACHE": str(tmp_path / "cache"),
        "npm_config_registry": "http://127.0.0.1:9/",
        "npm_config_fetch_retries": "0",
        "npm_config_cache": str(tmp_path / "npm-cache"),
    }
    proc = run("--widget", "npm:@acme/voice@1.0.0", cwd=tmp_path, env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("spelo-harness: --widget @acme/voice@1.0.0: `npm view @acme/voice@1.0.0 dist.integrity --json` failed")
    assert "sealed" not in proc.stderr and not (tmp_path / "cache" / "npm" / "@acme+voice@1.0.0").exists()
    proc = run("--widget", "npm:@acme/voice@^1", cwd=tmp_path, env=env)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "exact version" in proc.stderr
