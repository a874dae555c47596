"""The HTML report: one self-contained file (style, script and screenshots inside) that opens
offline. Up top the grid scenario × engine, coloured by outcome with the reason on hover; under
it one section per cell (html_cell.py), linked from its grid cell."""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from harness.engines import ENGINE_NAMES
from harness.report.artifacts import ShotStore
from harness.report.grid import LABEL, _source_order
from harness.report.html_assets import CSS, JS
from harness.report.html_cell import anchor, render_cell
from harness.model import FAILING, Outcome
from harness.results import Result

MARK = {Outcome.PASS: "✓", Outcome.FAIL: "✗", Outcome.STALE_QUIRK: "✗", Outcome.QUIRK: "≈", Outcome.LIMIT: "⊘", Outcome.SKIPPED: "–"}

# The report's filters (its script gets the same table): which outcomes each button shows.
GROUPS: dict[str, frozenset[Outcome]] = {
    "failures": FAILING,
    "quirks": frozenset({Outcome.QUIRK, Outcome.LIMIT, Outcome.STALE_QUIRK}),
    "skipped": frozenset({Outcome.SKIPPED}),
}


def write_html(path: Path, results: list[Result], meta: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(results, meta, path.parent), encoding="utf-8")
    return path


def render(results: list[Result], meta: dict[str, Any], base: Path) -> str:
    """The page; base is the folder it will lie in (relative links start there)."""
    base = base.resolve()
    results = sorted(results, key=lambda r: (_source_order(r), _engine_order(r.engine)))
    engines = [e for e in ENGINE_NAMES if any(r.engine == e for r in results)]
    engines += sorted({r.engine for r in results} - set(engines))  # a merged file may name others
    shots = ShotStore(results, base)
    # "</" would end the <script> element early; JSON allows "<\/" for it.
    data = json.dumps(shots.data_uris()).replace("</", "<\\/")
    groups = json.dumps({k: sorted(o.value for o in v) for k, v in GROUPS.items()})
    failing = sum(1 for r in results if not r.ok)
    title = f"Spelo widget matrix: {len(results)} cells, " + (f"{failing} failing" if failing else "all passed")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
            _header(results, meta, engines, shots),
            "<main>",
            _not_run(meta),
            _counts(results),
            _filters(results, engines),
            '<p id="nomatch" class="none-note" hidden>No cell matches these filters.</p>',
            _grid(results, engines),
            '<h2 id="details">Cells in detail</h2>',
            *(render_cell(r, shots, base) for r in results),
            "</main>",
            f'<script type="application/json" id="shots">{data}</script>',
            f'<script type="application/json" id="groups">{groups}</script>',
            f"<script>{JS}</script></body></html>",
        ]
    )


def _engine_order(engine: str) -> int:
    return ENGINE_NAMES.index(engine) if engine in ENGINE_NAMES else len(ENGINE_NAMES)


def _header(results: list[Result], meta: dict[str, Any], engines: list[str], shots: ShotStore) -> str:
    versions = meta.get("versions") or {}
    cards = []
    for e in engines:
        version = versions.get(e) or next((r.engine_version for r in results if r.engine == e and r.engine_version), "")
        sources = sorted({r.engine_source for r in results if r.engine == e and r.engine_source})
        cards.append(
            f'<div class="engine-card"><b>{escape(e)}</b> {escape(str(version) or "version unknown")}'
            f'<br><span class="sub">{escape(", ".join(sources) or "not started")}</span></div>'
        )
    for e in not_run(meta):
        cards.append(f'<div class="engine-card not-run"><b>{escape(e)}</b> not run<br><span class="sub">see the reason below</span></div>')
    seal = str(meta.get("seal") or "unknown")
    seal_cls = "seal-ok" if seal.startswith("sealed") else "seal-bad"
    launches = meta.get("launches") or {}
    total = sum(sum(v.values()) for v in launches.values() if isinstance(v, dict))
    per = "; ".join(f"{w}: " + ", ".join(f"{e} {n}" for e, n in v.items()) for w, v in launches.items() if isinstance(v, dict))
    rows = [
        ("network", f'<span class="{seal_cls}">{escape(seal)}</span>'),
        ("browser launches", escape(f"{total}" + (f" ({per})" if per else ""))),
        ("widget", f"<code>{escape(str(meta.get('widget', '')))}</code>"),
        ("judge", escape(str(meta.get("judge") or "contract"))),
        ("time in cells", f"{sum(r.duration_s for r in results):.1f} s"),
        ("screenshots", escape(_shots_note(shots))),
    ]
    for v in meta.get("universal_run") or []:
        rows.append((f"{v['id']} ({v['engine']})", escape(f"{v['verdict']}: {v['observation']}")))
    if meta.get("merged_from"):
        rows.append(("merged from", "<br>".join(f"<code>{escape(str(p))}</code>" for p in meta["merged_from"])))
    facts = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    made = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return (
        f'<header class="top"><h1>Spelo widget matrix</h1><div class="sub">report written {escape(made)}</div>'
        f'<div class="engines">{"".join(cards)}</div><dl class="meta">{facts}</dl></header>'
    )


def not_run(meta: dict[str, Any]) -> dict[str, str]:
    """engine -> why it did not run (meta engines_not_run, as the run or the merge recorded it)."""
    found = meta.get("engines_not_run")
    return {str(e): str(why) for e, why in found.items()} if isinstance(found, dict) else {}


def _not_run(meta: dict[str, Any]) -> str:
    """The engines left out of the run, with why: they have no column in the grid, so they are
    said above it (as the terminal grid's NOT RUN lines), never only missing."""
    lines = "".join(f"<li><b>NOT RUN: {escape(e)}</b>: {escape(why)}</li>" for e, why in not_run(meta).items())
    return f'<ul class="not-run-list" aria-label="engines not run">{lines}</ul>' if lines else ""


def _shots_note(shots: ShotStore) -> str:
    mb = shots.embedded_b64 / 1e6
    if shots.linked_only:
        return (
            f"{mb:.1f} MB embedded (final screenshots and failing cells' steps); "
            f"{shots.linked_only} more linked from the cells/ folder next to this file"
        )
    return f"all embedded ({mb:.1f} MB, each distinct picture once)"


def _counts(results: list[Result]) -> str:
    chips = [
        f'<span class="chip o-{o}">{MARK[o]} {sum(1 for r in results if r.outcome == o)} {escape(LABEL[o])}</span>'
        for o in Outcome
        if any(r.outcome == o for r in results)
    ]
    return f'<div class="counts" aria-label="outcomes">{"".join(chips)}</div>'


def _filters(results: list[Result], engines: list[str]) -> str:
    def n(group: str) -> int:
        return sum(1 for r in results if r.outcome in GROUPS[group])

    shows = [
        ("all", f"All ({len(results)})"),
        ("failures", f"Failures only ({n('failures')})"),
        ("quirks", f"Quirks and limits ({n('quirks')})"),
        ("skipped", f"Skipped ({n('skipped')})"),
    ]
    buttons = "".join(
        f'<button type="button" data-show="{k}" aria-pressed="{str(k == "all").lower()}">{escape(t)}</button>' for k, t in shows
    )
    eng = "".join(f'<button type="button" data-engine="{escape(e)}" aria-pressed="true">{escape(e)}</button>' for e in engines)
    # Hidden until the script runs: without it the buttons would do nothing.
    return (
        f'<div class="filters" id="filters" role="group" aria-label="filters" hidden>'
        f'<span class="label">show</span>{buttons}<span class="label">engines</span>{eng}'
        f'<span id="shown" aria-live="polite"></span></div>'
    )


def _grid(results: list[Result], engines: list[str]) -> str:
    by_cell = {(r.scenario, r.engine): r for r in results}
    head = "".join(
        f'<th scope="col" data-col="{escape(e)}">{escape(e)}'
        f"<small>{escape(next((r.engine_version for r in results if r.engine == e and r.engine_version), ''))}</small></th>"
        for e in engines
    )
    files: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for r in results:
        stem = Path(r.source.rpartition(":")[0] or r.source or "?").stem
        if r.scenario not in files.setdefault(stem, []):
            files[stem].append(r.scenario)
        titles.setdefault(r.scenario, r.title)
    bodies = []
    for stem, scenarios in files.items():
        rows = [f'<tr class="file"><th colspan="{len(engines) + 2}" scope="rowgroup">{escape(stem)}.yaml</th></tr>']
        for sc in scenarios:
            cells = "".join(_grid_cell(by_cell.get((sc, e)), e) for e in engines)
            rows.append(f'<tr class="scenario"><th scope="row">{escape(sc)}</th>{cells}<td class="what">{escape(titles[sc])}</td></tr>')
        bodies.append('<tbody class="file">' + "".join(rows) + "</tbody>")
    return (
        f'<table class="grid" id="grid"><caption>Scenario × engine — hover a cell for its reason, '
        f'click it for the detail</caption><thead><tr><th scope="col">scenario</th>{head}'
        '<th scope="col">title</th></tr></thead>' + "".join(bodies) + "</table>"
    )


def _grid_cell(r: Result | None, engine: str) -> str:
    if r is None:
        return f'<td class="none" data-col="{escape(engine)}"><span class="sr">not in this run</span>·</td>'
    hover = LABEL[r.outcome] + (f": {r.reason}" if r.reason else "")
    if r.injected:
        hover += " · injected fault: " + ", ".join(r.injected)
    inj = '<span class="inj" aria-label="injected fault">inj</span>' if r.injected else ""
    return (
        f'<td class="cell" data-col="{escape(engine)}" data-outcome="{escape(r.outcome)}">'
        f'<a class="o-{escape(r.outcome)}" href="#{anchor(r)}" title="{escape(hover)}">'
        f"{MARK[r.outcome]} {escape(LABEL[r.outcome])}{inj}</a></td>"
    )
