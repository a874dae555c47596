"""VoiceLine's vendor as a handler module (harness/vendor_fake.py): the same answers as
voiceline.vendor.yaml, written as code, for a vendor whose answers depend on the request."""
from __future__ import annotations

import json
from typing import Any


def http(method: str, path: str, body: bytes | None) -> tuple[int, dict[str, Any]] | None:
    if method == "POST" and path == "/v1/sessions":
        agent = json.loads(body or b"{}").get("agent", "?")
        return 201, {"id": f"sess-{agent}", "live": "wss://live.voiceline.test/v1/live"}
    return None


def ws_message(path: str, text: str) -> list[dict[str, Any]]:
    if path == "/v1/live" and json.loads(text).get("type") == "hello":
        return [{"type": "ready"}, {"type": "greeting", "text": "Hi, I'm the VoiceLine demo (handler)."}]
    return []
