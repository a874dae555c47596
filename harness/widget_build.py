"""Where the widget build under test comes from: a file, an http(s) URL, or an npm package at an
exact version, fetched before the run is sealed off the network. Used by run, serve and repro alike."""

from __future__ import annotations

import re
from pathlib import Path

from harness.errors import UsageError
from harness.input_checks import check_widget_file

MAX_BYTES = 5 * 1024 * 1024


def check_widget(widget: str | None, output: Path) -> Path | None:
    """A widget build given as a path, or as an http(s) URL fetched now, before the run is
    sealed off the network; a missing file or a URL that does not load is a usage error."""
    if widget is None:
        return None
    from harness.widget_source import fetch_widget, is_package_spec

    if is_package_spec(widget):  # npm:NAME@X.Y.Z: fetched, verified, cached (widget_source.py)
        return fetch_widget(widget)
    if re.match(r"^https?://", widget):
        import urllib.error
        import urllib.request

        target = output / "widget-under-test.js"
        try:
            with urllib.request.urlopen(widget, timeout=20) as res:
                body = res.read(MAX_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise UsageError(f"--widget: {widget} did not load: {getattr(e, 'reason', e)}") from None
        if not body or len(body) > MAX_BYTES:
            raise UsageError(f"--widget: {widget} gave {'nothing' if not body else 'more than 5 MB'}")
        output.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        check_widget_file(target, f"--widget {widget}")
        return target.resolve()
    path = Path(widget)
    if not path.is_file():
        raise UsageError(f"--widget: no such file: {widget}")
    return check_widget_file(path).resolve()
