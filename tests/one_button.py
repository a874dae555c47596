"""Small builds of the tests' own: a custom element with one button (`.go`) in its shadow root and
nothing else a profile could name. The profile for such a build, and one run of its cells."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from harness.profile import WidgetProfile
from harness.results import Result
from harness.runner import Harness, RunOptions
from harness.scenarios import load_file


def profile(name: str, tag: str, **more: Any) -> WidgetProfile:
    """The build's one button is its orb; it has no status, tooltip, notice or fallback."""
    fields: dict[str, Any] = {
        "version": 2,
        "name": name,
        "embed": f'<{tag}></{tag}><script src="{{{{WIDGET_SRC}}}}"></script>',
        "root": tag,
        "state_attr": None,
        "orb": ".go",
        "status": "none",
        "tooltip": "none",
        "notice": "none",
        "fallback": "none",
        "state_rules": [{"state": "idle", "visible": ".go"}],
    }
    return WidgetProfile.model_validate({**fields, **more})


def run_cells(tmp_path: Path, js: str, prof: WidgetProfile, cells: str, engine: str, **options: Any) -> dict[str, Result]:
    """Every cell of `cells` (scenario YAML) in `engine`, against the build `js`, by id (each call
    writes its results to a folder of its own under tmp_path); `options`: more RunOptions."""
    out = Path(tempfile.mkdtemp(prefix="out-", dir=tmp_path))
    widget = tmp_path / "build.js"
    widget.write_text(js, encoding="utf-8")
    f = tmp_path / "cells.yaml"
    f.write_text(cells, encoding="utf-8")
    with Harness(RunOptions(output_dir=out, widget=widget, profile=prof, screenshots="failure", **options)) as h:
        return {sc.id: h.run_cell(sc, engine) for sc in load_file(f)}
