"""How much the harness keeps of what one cell produces: the caps in one place.

A build that floods (200,000 console lines, thousands of API calls, a getUserMedia call per
frame) must not make a cell slow, a results file huge or a report unreadable. Past a cap the
first entries are kept and the rest counted: a cell says how much it dropped, by kind, in its
result's `dropped`, and the reports show it."""

from __future__ import annotations

from typing import Any

CONSOLE_LINES = 1_000  # console lines (and page errors) kept per page
CONSOLE_LINE_CHARS = 2_000  # one console line is cut to this many characters
API_LOG_ENTRIES = 1_000  # the vendor API's log entries kept per site (one cell)
OBSERVED_ITEMS = 200  # entries of any one list the probe reads from the page (calls, states)


def cap_list(items: list[Any], limit: int) -> tuple[list[Any], int]:
    """The first `limit` items, and how many were left out."""
    return (items, 0) if len(items) <= limit else (items[:limit], len(items) - limit)


def cap_observation(snap: dict[str, Any], dropped: dict[str, int]) -> dict[str, Any]:
    """The probe's snapshot with every list cut to OBSERVED_ITEMS; what was cut is counted in
    `dropped` under the list's name (the largest count seen, as the page is probed many times)."""
    for key, value in list(snap.items()):
        if isinstance(value, list) and len(value) > OBSERVED_ITEMS:
            snap[key], left_out = cap_list(value, OBSERVED_ITEMS)
            dropped[key] = max(dropped.get(key, 0), left_out)
    return snap


def describe_dropped(dropped: dict[str, int], kept: dict[str, int] | None = None) -> str:
    """'console: 199,000 lines not kept (the first 1,000 kept)' and the like, joined."""
    kept = kept or {}
    parts = []
    for kind, n in sorted(dropped.items()):
        if n:
            first = f" (the first {kept[kind]:,} kept)" if kind in kept else ""
            parts.append(f"{kind}: {n:,} not kept{first}")
    return "; ".join(parts)
