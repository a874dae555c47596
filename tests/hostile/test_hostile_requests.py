"""Hostile requests to the fixture server: each gets its documented 4xx JSON answer (never a 500
or a traceback), and a request that is not HTTP at all gets one log line. Raw sockets on
127.0.0.1 only, every wait bounded."""

from __future__ import annotations

from typing import Any, Iterator

import hashlib
import hmac
import json
import logging
import socket
import time

import pytest

from harness.server import FixtureServer
from hostile_notes import note

BOUND_S = 10.0  # a refused request is answered at once; this is only the socket's deadline


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    with FixtureServer() as srv:
        yield srv


@pytest.fixture
def server_log() -> Iterator[list[logging.LogRecord]]:
    """Every record the server's loggers emit while the test runs (aiohttp's and ours)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.INFO)
    loggers = [logging.getLogger(n) for n in ("aiohttp.server", "spelo.server")]
    for lg in loggers:
        lg.addHandler(handler)
    yield records
    for lg in loggers:
        lg.removeHandler(handler)


def raw_request(server: FixtureServer, data: bytes) -> tuple[int, bytes]:
    """Send bytes, read the answer: (status, body)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.origins.http_port), timeout=BOUND_S) as s:
        s.sendall(data)
        out = bytearray()
        while time.monotonic() - started < BOUND_S:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            head, sep, body = bytes(out).partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), None)
            if sep and length is not None and len(body) >= length:
                break
    status = int(bytes(out).split(b" ", 2)[1])
    return status, bytes(out).partition(b"\r\n\r\n")[2]


def post(server: FixtureServer, path: str, body: bytes, headers: dict[str, bytes] | None = None) -> tuple[int, dict[str, Any]]:
    head = b"".join(k.encode() + b": " + v + b"\r\n" for k, v in (headers or {}).items())
    status, payload = raw_request(
        server,
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\n"
        + head
        + b"Content-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body,
    )
    return status, json.loads(payload)


def session(server: FixtureServer, site_id: str) -> dict[str, Any]:
    status, answer = post(server, f"/v1/{site_id}/token", b"{}")
    assert status == 200, answer
    data: dict[str, Any] = answer["data"]
    return data


@pytest.mark.parametrize(
    "body", [b'{"event": {"a": [1]}}', b'{"event": ["a"]}', b'{"event": 1e400}', b'{"event": null}', b'["session_start"]', b'"x"']
)
def test_malformed_analytics_is_a_400_invalid_event(server: FixtureServer, server_log: list[logging.LogRecord], body: bytes) -> None:
    site = server.new_site()
    status, answer = post(server, f"/v1/{site.site_id}/analytics/event", body)
    assert (status, answer) == (400, {"success": False, "error": "invalid_event"})
    note(f"{status} {answer['error']}")
    assert not [r for r in server_log if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_a_signed_query_nested_deep_is_a_400_malformed_json(server: FixtureServer, server_log: list[logging.LogRecord], depth: int) -> None:
    site = server.new_site()
    s = session(server, site.site_id)
    raw = b"[" * depth + b"]" * depth
    if len(raw) > 64 * 1024:  # over the body limit: refused before it is parsed
        raw = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    sig = "sha256=" + hmac.new(s["signing_secret"].encode(), raw, hashlib.sha256).hexdigest()
    status, answer = post(
        server, f"/v1/{site.site_id}/query", raw, {"X-Spelo-Session": s["session_id"].encode(), "X-Spelo-Signature": sig.encode()}
    )
    assert (status, answer) == (400, {"success": False, "error": "malformed_json"})
    note(f"{status} {answer['error']}")
    assert not [r for r in server_log if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("signature", ["sha256=é".encode(), b"\xff\xfe", "签名".encode()])
def test_a_non_ascii_signature_is_a_401_invalid_signature(
    server: FixtureServer, server_log: list[logging.LogRecord], signature: bytes
) -> None:
    site = server.new_site()
    s = session(server, site.site_id)
    status, answer = post(
        server, f"/v1/{site.site_id}/query", b"{}", {"X-Spelo-Session": s["session_id"].encode(), "X-Spelo-Signature": signature}
    )
    assert (status, answer) == (401, {"success": False, "error": "invalid_signature"})
    note(f"{status} {answer['error']}")
    assert not [r for r in server_log if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "data, why",
    [
        (b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", "Invalid method"),
        (bytes.fromhex("16030100a5010000a10303") + bytes(64), "HTTPS traffic on an HTTP port"),
    ],
)
def test_not_http_is_a_400_and_one_log_line(server: FixtureServer, server_log: list[logging.LogRecord], data: bytes, why: str) -> None:
    status, _ = raw_request(server, data)
    assert status == 400
    deadline = time.monotonic() + BOUND_S  # the server logs from its own thread
    while not server_log and time.monotonic() < deadline:
        time.sleep(0.01)  # poll for the server thread's record
    lines = [r.getMessage() for r in server_log]
    assert len(lines) == 1, lines
    assert "\n" not in lines[0] and lines[0].startswith("malformed request from 127.0.0.1: 400 "), lines
    assert why in lines[0], lines
    assert server_log[0].exc_info is None
    note(f"{status}; log: {lines[0]}")
