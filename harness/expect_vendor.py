"""Expectations on what the vendor observed: the API's answers and the realtime peer's tool result.

Self-contained rows for the expectation table: each reads the cell's snapshot (the API log with
each response's status, the peer's report) and returns its misses as 'field: expected X, seen Y'.
They exist because presence is not correctness: a build whose signed /query the API refuses
still sends the peer a "result", and a build that asks for a token before the visitor allowed
the microphone still ends in the right visible state.
"""

from __future__ import annotations

from typing import Any

from harness.scenarios import Expect


def judge_vendor(expect: Expect, snap: dict[str, Any]) -> list[str]:
    misses: list[str] = []
    log = snap.get("api_log") or []
    if expect.api_status:
        for endpoint, want in expect.api_status.items():
            seen = [e.get("status") for e in log if e.get("endpoint") == endpoint]
            if not seen:
                misses.append(f"API {endpoint}: expected answered {want}, never called")
            elif any(s != want for s in seen):
                misses.append(f"API {endpoint}: expected every call answered {want}, seen {seen}")
    for endpoint in expect.api_absent:
        n = sum(1 for e in log if e.get("endpoint") == endpoint)
        if n:
            misses.append(f"API {endpoint}: must not be called here, seen {n} call(s)")
    if expect.peer_tool_output is not None:
        result = (snap.get("peer") or {}).get("tool_result")
        if result is None:
            misses.append("peer tool output: no tool result reached the peer")
        else:
            output = result.get("output")
            if not contains(output, expect.peer_tool_output):
                misses.append(f"peer tool output: expected to contain {expect.peer_tool_output!r}, seen {output!r}")
    return misses


def contains(seen: Any, want: Any) -> bool:
    """`want` is a part of `seen`: every key of a mapping (recursively) with an equal value; a
    list must match item by item. So {success: true} holds for the API's whole answer."""
    if isinstance(want, dict):
        return isinstance(seen, dict) and all(k in seen and contains(seen[k], v) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(seen, list) and len(seen) == len(want) and all(contains(s, w) for s, w in zip(seen, want, strict=True))
    return bool(seen == want)
