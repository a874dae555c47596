"""A cell judged by a snapshot (`run --against`), in the HTML report: what the visitor saw before
(the baseline) and now, fact by fact, and the two final screenshots side by side."""

from __future__ import annotations

from html import escape
from typing import Any, Callable

from harness.report.artifacts import ShotStore, figure
from harness.results import Result


def render_against(r: Result, shots: ShotStore) -> str:
    from harness.snapshot import NoObservation, entry, show

    b = r.baseline
    before: dict[str, Any] = b.get("entry") or {}
    try:
        after = entry(r)
    except NoObservation as e:
        after = {"not_observed": str(e)}
    moved = b.get("moved") or []
    out = [f"<h4>Judged by the snapshot <code>{escape(str(b.get('file', '')))}</code></h4>"]
    if not b.get("entry"):
        out.append('<p class="none-note">This cell is not in the baseline: a new cell.</p>')
    elif moved:
        out.append('<ul class="misses">' + "".join(f"<li>{escape(m)}</li>" for m in moved) + "</ul>")
    else:
        out.append("<p>As recorded: nothing the visitor perceived moved.</p>")
    if b.get("contract"):
        out.append(f'<p class="none-note">The scenario\'s own expectation said: {escape(str(b["contract"]))}</p>')
    changed = set(b.get("moved_facts") or [])
    rows = []
    for key in sorted(set(before) | set(after)):
        was = _cell(before.get(key), key in before, show)
        now = _cell(after.get(key), key in after, show)
        cls = " class=miss" if key in changed else ""
        rows.append(f'<tr{cls}><th scope="row">{escape(key)}</th><td class="val">{escape(was)}</td><td class="val">{escape(now)}</td></tr>')
    out.append(
        '<table class="kv"><thead><tr><th scope="col">fact</th><th scope="col">before (the baseline)</th>'
        f'<th scope="col">now</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
    if moved or not b.get("entry"):
        figs = [figure("before (the baseline)", b.get("screenshot"), shots), figure("now", r.screenshot, shots, failed=not r.ok)]
        out.append('<div class="shots before-after">' + "".join(figs) + "</div>")
    return "".join(out)


def _cell(value: Any, present: bool, show: Callable[[Any], str]) -> str:
    if not present:
        return "(absent)"
    if isinstance(value, list):
        return "\n".join(str(v) for v in value) or "(empty)"
    return show(value) if not isinstance(value, str) else value
