"""One cell's detail section in the HTML report: what was set up, what was expected and seen,
the steps with their screenshots, and the evidence (console, vendor API, realtime peer, trace)."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any

from harness.expect import BY_FIELD
from harness.model import Outcome
from harness.report.artifacts import ShotStore, figure, locate_dir, relative_href
from harness.report.grid import LABEL
from harness.report.html_snapshot import render_against
from harness.results import Result, cell_slug


def anchor(r: Result) -> str:
    """The id of a cell's section; the same name as its artifacts folder."""
    return "cell-" + cell_slug(r.scenario, r.engine)


def js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def render_cell(r: Result, shots: ShotStore, base: Path) -> str:
    label = LABEL.get(r.outcome, r.outcome)
    parts = [
        f'<section class="cell" id="{anchor(r)}" data-outcome="{escape(r.outcome)}" '
        f'data-engine="{escape(r.engine)}" aria-labelledby="{anchor(r)}-h">',
        '<a class="top" href="#grid">back to the grid</a>',
        f'<h3 id="{anchor(r)}-h"><span class="chip o-{escape(r.outcome)}">{escape(label)}</span>{escape(r.cell_id)}</h3>',
    ]
    if r.title:
        parts.append(f'<p class="title">{escape(r.title)}</p>')
    judged = _expected_vs_seen(r) if not r.baseline else render_against(r, shots)  # by a snapshot
    if r.verdicts:  # by the universal properties
        judged = _verdicts(r)
    parts += [
        _verdict(r),
        _facts(r, base),
        _means(r),
        judged,
        _steps(r, shots),
        _console(r),
        _api_log(r),
        _peer(r),
        _trace(r, base),
        "</section>",
    ]
    return "\n".join(p for p in parts if p)


def _verdict(r: Result) -> str:
    if r.outcome is Outcome.PASS or not (r.reason or r.evidence):
        return ""
    head = {
        Outcome.FAIL: "Why it failed",
        Outcome.STALE_QUIRK: "Stale quirk",
        Outcome.QUIRK: "The engine's recorded quirk",
        Outcome.LIMIT: "The engine's recorded limit",
        Outcome.SKIPPED: "Why it was skipped",
    }[r.outcome]
    out = [f'<div class="verdict o-{escape(r.outcome)}"><p><strong>{head}:</strong> {escape(r.reason)}</p>']
    if r.evidence:
        out.append(f"<p><strong>Evidence:</strong> {escape(r.evidence)}</p>")
    return "".join(out) + "</div>"


def _facts(r: Result, base: Path) -> str:
    rows = [
        ("source", f"<code>{escape(r.source)}</code>" if r.source else ""),
        ("URL", f"<code>{escape(r.url)}</code>" if r.url else ""),  # the run's server is gone
        ("engine", escape(" · ".join(x for x in (r.engine, r.engine_version, r.engine_source) if x))),
        ("duration", f"{r.duration_s:.1f} s" if r.duration_s else ""),
        ("browser prompts", "" if r.browser_prompts is None else str(r.browser_prompts)),
    ]
    folder = locate_dir(r.artifacts, base)
    if folder is not None:
        rows.append(("artifacts", f'<a href="{escape(relative_href(folder, base))}/">{escape(str(folder))}</a>'))
    if r.phases:  # a slow cell says why (harness/phases.py)
        rows.append(("time by phase", escape(" · ".join(f"{k} {v:.2f} s" for k, v in r.phases.items()))))
    if r.phase_parts:
        rows.append(("of which", escape(" · ".join(f"{k} {v:.2f} s" for k, v in r.phase_parts.items()))))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows if v)
    return f'<dl class="facts">{body}</dl>'


def _means(r: Result) -> str:
    if not r.means:
        return ""
    items = []
    for m in r.means:
        hit = "INJECTED" in m.upper() or any(i and i in m for i in r.injected)
        items.append(f'<li class="injected">{escape(m)}</li>' if hit else f"<li>{escape(m)}</li>")
    return '<h4>How the engine made the situation</h4><ul class="means">' + "".join(items) + "</ul>"


def _verdicts(r: Result) -> str:
    """The universal judge's verdict per property, each with the observation that decided it."""
    mark = {
        "pass": ("mark-ok", "holds", "✓"),
        "fail": ("mark-miss", "fails", "✗"),
        "limit": ("mark-na", "engine limit", "!"),
        "n/a": ("mark-na", "not applicable", "–"),
    }
    rows = []
    for v in r.verdicts:
        cls, label, sign = mark.get(str(v.get("verdict")), ("mark-na", str(v.get("verdict")), "?"))
        obs = str(v.get("observation") or "") + (f" ({v['fact']})" if v.get("fact") else "")
        rows.append(
            f'<tr{" class=miss" if v.get("verdict") == "fail" else ""}><td class="m">'
            f'<span class="{cls}" aria-label="{label}">{sign}</span></td>'
            f'<th scope="row">{escape(str(v.get("id")))}</th><td>{escape(label)}</td><td class="val">{escape(obs)}</td></tr>'
        )
    return (
        '<h4>Universal properties (contract/universal.yaml)</h4><table class="kv"><thead><tr>'
        '<th scope="col" class="m"><span class="sr">verdict</span></th><th scope="col">property</th>'
        '<th scope="col">verdict</th><th scope="col">decided by</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _expected_vs_seen(r: Result) -> str:
    if r.outcome is Outcome.SKIPPED:
        return ""
    out = ["<h4>Expected vs seen</h4>"]
    if r.mismatches:
        out.append('<ul class="misses">' + "".join(f"<li>{escape(m.text)}</li>" for m in r.mismatches) + "</ul>")
    if not r.expected:
        out.append('<p class="none-note">No expectation was checked (the cell stopped before).</p>')
        return "".join(out)
    rows = []
    missed_fields = {m.field: m for m in r.mismatches}
    for key, want in r.expected.items():
        check = BY_FIELD.get(key)  # the same row the runner judged this field with (harness/expect.py)
        missed = key in missed_fields
        if key in r.not_applicable:  # the profile says this build has no such part: never judged
            rows.append(
                f'<tr class="na"><td class="m"><span class="mark-na" aria-label="not applicable">–</span></td>'
                f'<th scope="row">{escape(key)}</th><td class="val">{escape(js(want))}</td>'
                f'<td class="val">not applicable: {escape(r.not_applicable[key])}</td></tr>'
            )
            continue
        if missed and check is not None and check.elsewhere is None:
            seen = js(missed_fields[key].observed)
        elif check is not None and check.elsewhere is not None:
            seen = check.elsewhere
        elif key == "browser_prompts" and r.seen.get(key) is None:
            seen = "not counted by this engine (not checked)"
        else:
            seen = js(check.read(r.seen) if check is not None else r.seen.get(key))
        mark = (
            '<span class="mark-miss" aria-label="differs">✗</span>' if missed else '<span class="mark-ok" aria-label="as expected">✓</span>'
        )
        rows.append(
            f'<tr{" class=miss" if missed else ""}><td class="m">{mark}</td><th scope="row">{escape(key)}</th>'
            f'<td class="val">{escape(js(want))}</td><td class="val">{escape(seen)}</td></tr>'
        )
    out.append(
        '<table class="kv"><thead><tr><th scope="col" class="m"><span class="sr">ok</span></th>'
        '<th scope="col">field</th><th scope="col">expected</th><th scope="col">seen</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    if r.seen:
        out.append(
            '<details class="raw"><summary>everything seen (the last snapshot)</summary>'
            f"<pre>{escape(json.dumps(r.seen, indent=1, ensure_ascii=False, default=str))}</pre></details>"
        )
    return "".join(out)


def _steps(r: Result, shots: ShotStore) -> str:
    figs = [
        figure(
            f"{s.index}. {escape(s.action)}"
            + (f" [{escape(s.verdict)}]" if s.verdict else "")
            + (f" — <strong>{escape(s.error)}</strong>" if s.error else ""),
            s.screenshot,
            shots,
            failed=bool(s.error),
        )
        for s in r.steps
    ]
    if r.screenshot:
        figs.append(figure("at the end", r.screenshot, shots, failed=not r.ok))
    if not figs:
        return ""
    return '<h4>Steps and screenshots</h4><div class="shots">' + "".join(figs) + "</div>"


def _console(r: Result) -> str:
    if not r.console:
        return '<h4>Console</h4><p class="none-note">Nothing was logged.</p>' if r.outcome.ran else ""
    lines = []
    for line in r.console:
        level = re.match(r"\[(error|warning)\]", line)
        cls = f' class="c-{level.group(1)}"' if level else ""
        lines.append(f"<span{cls}>{escape(line)}</span>")
    more = r.dropped.get("console", 0)
    note = f'<p class="none-note">{more:,} more lines not kept (the first {len(r.console):,} are shown).</p>' if more else ""
    return "<h4>Console transcript</h4><pre>" + "\n".join(lines) + "</pre>" + note


def _api_log(r: Result) -> str:
    if not r.api_log:
        return "" if r.outcome is Outcome.SKIPPED else '<h4>Vendor API</h4><p class="none-note">No calls.</p>'
    if r.dropped.get("api_log"):
        head_note = f'<p class="none-note">{r.dropped["api_log"]:,} more calls not kept (the first {len(r.api_log):,} are shown).</p>'
    else:
        head_note = ""
    cols = list(dict.fromkeys(k for e in r.api_log for k in e))
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in cols)
    body = "".join("<tr>" + "".join(f'<td class="val">{escape(_plain(e.get(c, "")))}</td>' for c in cols) + "</tr>" for e in r.api_log)
    return (
        f'<h4>Vendor API requests ({len(r.api_log)})</h4><table class="kv"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>{head_note}"
    )


def _plain(v: Any) -> str:
    return v if isinstance(v, str) else js(v)


def _peer(r: Result) -> str:
    p = r.peer or {}
    if not p:
        return ""
    audio = p.get("audio") or {}
    rows = []
    if audio:
        rows.append(
            (
                "audio",
                f"{audio.get('seconds', 0):.2f} s received, RMS {audio.get('rms', 0):.5f}, "
                f"peak {audio.get('peak', 0):.5f}"
                + (f", {audio.get('sample_rate')} Hz × {audio.get('channels')}" if audio.get("sample_rate") else ""),
            )
        )
    states = [s.get("state") if isinstance(s, dict) else s for s in p.get("states") or []]
    for key, value in (
        ("state", p.get("state")),
        ("states", " → ".join(map(str, states))),
        ("speaking", p.get("speaking")),
        ("tool call", p.get("tool_call")),
        ("tool result", p.get("tool_result")),
        ("offers", p.get("offers")),
        ("ICE candidates", p.get("candidates")),
        ("refused", p.get("refused")),
    ):
        if value not in (None, "", [], {}):
            rows.append((key, _plain(value)))
    body = "".join(f'<tr><th scope="row">{escape(k)}</th><td class="val">{escape(v)}</td></tr>' for k, v in rows)
    return f'<h4>Realtime peer</h4><table class="kv"><tbody>{body}</tbody></table>'


def _trace(r: Result, base: Path) -> str:
    folder = locate_dir(r.artifacts, base)
    trace = folder / "trace.zip" if folder is not None else None
    if trace is None or not trace.is_file():
        return ""
    href = escape(relative_href(trace, base))
    return (
        f'<h4>Playwright trace</h4><p><a href="{href}">{href}</a> — open it with '
        f"<code>playwright show-trace {escape(str(trace))}</code></p>"
    )
