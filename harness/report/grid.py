"""The terminal grid: scenario × engine, each cell pass / quirk / limit / FAIL / skipped, with the
reasons as numbered notes under the table so the grid itself stays narrow. `detail` adds what the
visitor perceived to each cell, as the README's ElevenLabs table: the state read and the text that
showed, in the build's own words (`FAIL: denied “Permission denied”`)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.engines import ENGINE_NAMES
from harness.model import Outcome
from harness.results import Result

STYLE = {
    Outcome.PASS: "green",
    Outcome.QUIRK: "cyan",
    Outcome.LIMIT: "yellow",
    Outcome.SKIPPED: "dim",
    Outcome.FAIL: "bold red",
    Outcome.STALE_QUIRK: "bold red",
}
LABEL = {
    Outcome.PASS: "pass",
    Outcome.QUIRK: "quirk",
    Outcome.LIMIT: "limit",
    Outcome.SKIPPED: "skipped",
    Outcome.FAIL: "FAIL",
    Outcome.STALE_QUIRK: "STALE QUIRK",
}


def render_grid(
    results: list[Result],
    versions: dict[str, str],
    launches: dict[str, dict[str, int]],
    width: int = 110,
    not_run: dict[str, str] | None = None,
    detail: bool = False,
) -> str:
    engines = [e for e in ENGINE_NAMES if any(r.engine == e for r in results)]
    scenarios = list(dict.fromkeys(r.scenario for r in sorted(results, key=_source_order)))
    by_cell = {(r.scenario, r.engine): r for r in results}
    sources = {r.engine: r.engine_source for r in results if r.engine_source}

    judges = sorted({r.judge for r in results})
    table = Table(title="Spelo widget matrix — judge: " + ", ".join(judges), show_lines=False)
    table.add_column("scenario", no_wrap=True)
    for e in engines:
        head = e + (f"\n{versions[e]}" if versions.get(e) else "") + (f"\n{sources[e]}" if sources.get(e) else "")
        table.add_column(head, no_wrap=not detail, overflow="fold")
    notes: list[str] = []
    for sc in scenarios:
        row = [escape(sc)]
        for e in engines:
            r = by_cell.get((sc, e))
            if r is None:
                row.append("")
                continue
            text = f"[{STYLE[r.outcome]}]{LABEL[r.outcome]}[/]"
            seen = perceived(r) if detail else ""
            if seen:
                text += ": " + escape(seen)
            note = r.reason if r.outcome is not Outcome.PASS else ""
            if r.judge == "universal" and r.outcome is Outcome.FAIL:  # each property with what decided it
                note = "; ".join(m.text for m in r.mismatches) or note
            if r.injected:
                note = (note + "; " if note else "") + "injected fault: " + ", ".join(r.injected)
            if note:
                notes.append(f"{r.cell_id}: {note}")
                text += f" ({len(notes)})"
            row.append(text)
        table.add_row(*row)

    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=False, color_system=None)
    console.print(table)
    for i, n in enumerate(notes, 1):
        console.print(f"({i}) " + escape(n), soft_wrap=True)
    counts = {o: sum(1 for r in results if r.outcome == o) for o in LABEL}
    total_launches = sum(sum(per.values()) for per in launches.values())
    summary = ", ".join(f"{n} {LABEL[o].lower()}" for o, n in counts.items() if n)
    console.print(
        f"{len(results)} cells: {summary}; browser launches: {total_launches}; time: {sum(r.duration_s for r in results):.1f} s in cells"
    )
    for engine, why in (not_run or {}).items():  # left out of this run: no column, so said here
        console.print(f"NOT RUN: {engine}: " + escape(why), soft_wrap=True)
    return buf.getvalue()


def perceived(r: Result, limit: int = 60) -> str:
    """The cell's state and the text the visitor saw (the status line, else the widget's text), as
    the run recorded them; '' for a cell that never showed the widget."""
    seen = r.seen or {}
    if not r.outcome.ran or not seen:
        return ""
    state = seen.get("state")
    words = str(seen.get("status") or seen.get("text") or "").strip()
    if len(words) > limit:
        words = words[: limit - 1] + "…"
    return " ".join(p for p in (str(state) if state else "", f"“{words}”" if words else "") if p)


def _source_order(r: Result) -> tuple[str, int]:
    """Scenarios in the order their files list them (file, then line)."""
    file, _, line = r.source.rpartition(":")
    return (file, int(line)) if line.isdigit() else (r.source, 0)
