"""A cell's files (screenshots, trace) as the reports find them, and the screenshots the HTML
report carries inside itself.

Results record paths as the run saw them: absolute, or relative to the folder the run started in,
and a merged results file names folders of other machines. So a path is looked up as recorded,
then as the same cells/<cell>/<file> under the folder the results file lies in.

A run repeats the same picture a lot (a full matrix: 426 files, 81 distinct), so every distinct
image is embedded once and shared by all the <img> that show it; only when even that is over the
budget are the step screenshots of passing cells linked relatively instead.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import struct
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Callable

from harness.results import Result

EMBED_BUDGET = 20 * 1024 * 1024  # bytes of base64 in one report: it still opens quickly
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _candidates(recorded: str, base: Path) -> list[Path]:
    p = Path(recorded)
    found = [p] if p.is_absolute() else [Path.cwd() / p, base / p]
    if "cells" in p.parts:  # the cells/ folder moved with its results file
        i = len(p.parts) - 1 - p.parts[::-1].index("cells")
        found.append(base.joinpath(*p.parts[i:]))
    return found


def _first(recorded: str | None, base: Path, test: Callable[[Path], bool]) -> Path | None:
    for c in _candidates(recorded, base) if recorded else []:
        try:
            if test(c):
                return c.resolve()
        except OSError:  # a path too long or unreadable is simply not found
            continue
    return None


def locate(recorded: str | None, base: Path) -> Path | None:
    """The file a result names, if it is on this machine (see the module's docstring)."""
    return _first(recorded, base, Path.is_file)


def locate_dir(recorded: str | None, base: Path) -> Path | None:
    """A cell's artifacts folder, found like locate() finds a file."""
    return _first(recorded, base, Path.is_dir)


def relative_href(path: Path, base: Path) -> str:
    """A link from a file in base to path, as a URL path."""
    return Path(os.path.relpath(path, base)).as_posix()


@dataclass
class Shot:
    key: str  # the id the page's script looks the data: URI up by
    path: Path
    href: str  # relative link from the report's folder
    width: int
    height: int
    embedded: bool = True


class ShotStore:
    """Every screenshot of the results, read once per distinct content."""

    def __init__(self, results: list[Result], base: Path, budget: int = EMBED_BUDGET):
        self.base = base
        self._by_path: dict[str, Shot] = {}
        self._data: dict[str, bytes] = {}  # key -> PNG bytes
        essential: set[str] = set()  # keys kept even over budget
        by_digest: dict[str, str] = {}
        for r in results:
            named = [(s.screenshot, not r.ok) for s in r.steps] + [(r.screenshot, True)]
            named.append((r.baseline.get("screenshot"), True))  # a snapshot's before picture
            for recorded, keep in named:
                shot = self._add(recorded, by_digest)
                if shot is not None and keep:
                    essential.add(shot.key)
        self.total_b64 = sum(_b64_len(len(b)) for b in self._data.values())
        if self.total_b64 > budget:
            for shot in self._by_path.values():
                shot.embedded = shot.key in essential
            self._data = {k: v for k, v in self._data.items() if k in essential}
        self.embedded_b64 = sum(_b64_len(len(b)) for b in self._data.values())

    def _add(self, recorded: str | None, by_digest: dict[str, str]) -> Shot | None:
        if not recorded or recorded in self._by_path:
            return self._by_path.get(recorded or "")
        path = locate(recorded, self.base)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        digest = hashlib.sha1(data).hexdigest()
        key = by_digest.setdefault(digest, f"s{len(by_digest)}")
        self._data.setdefault(key, data)
        width, height = png_size(data)
        shot = Shot(key, path, relative_href(path, self.base), width, height)
        self._by_path[recorded] = shot
        return shot

    def get(self, recorded: str | None) -> Shot | None:
        return self._by_path.get(recorded or "")

    def data_uris(self) -> dict[str, str]:
        return {k: "data:image/png;base64," + base64.b64encode(v).decode("ascii") for k, v in self._data.items()}

    @property
    def linked_only(self) -> int:
        return sum(1 for s in self._by_path.values() if not s.embedded)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (0, 0 for anything else)."""
    if data[:8] == PNG_SIGNATURE and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return 0, 0


def _b64_len(n: int) -> int:
    return 4 * ((n + 2) // 3)


def figure(caption: str, recorded: str | None, shots: ShotStore, failed: bool = False) -> str:
    """A screenshot as the report shows it: a zoomable picture with its caption, or the caption
    and why the picture is missing."""
    shot = shots.get(recorded)
    cls = ' class="failed"' if failed else ""
    if shot is None:
        note = f" (screenshot not found: {escape(recorded)})" if recorded else ""
        return f"<figure{cls}><figcaption>{caption}{note}</figcaption></figure>"
    size = f' width="{shot.width}" height="{shot.height}"' if shot.width else ""
    alt = re.sub(r"<[^>]+>", "", caption)
    src = f'data-shot="{shot.key}"' if shot.embedded else f'src="{escape(shot.href)}" loading="lazy"'
    return (
        f'<figure{cls}><button type="button" class="zoom" aria-expanded="false" '
        f'aria-label="enlarge: {escape(alt, quote=True)}"><img {src}{size} alt="Screenshot: {escape(alt, quote=True)}">'
        f'</button><figcaption>{caption} · <a href="{escape(shot.href)}">file</a></figcaption></figure>'
    )
