"""The fake vendor API against its contract (shared/WIDGET-CONTRACT.md): every endpoint, every
documented error, the origin rules, the rate limits, and bad input answered with 4xx JSON."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from typing import Any, Iterator

import pytest

from harness.server import FixtureServer
from harness.server.api_terms import ERROR_STATUS
from harness.server.ratelimit import RateLimiter, Rule
from harness.server.sites import origin_allowed


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    with FixtureServer() as srv:
        yield srv


@pytest.fixture
def fake_clock(server: FixtureServer) -> Iterator[list[float]]:
    # The live API's rate limiter on a clock the test moves (a minute must not take a minute).
    now = [1000.0]
    server.limiter.clock = lambda: now[0]
    yield now
    server.limiter.clock = time.monotonic


def call(
    server: FixtureServer, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, raw: bool = False
) -> tuple[int, dict[str, str], Any]:
    """One request to the fixture server: (status, headers, parsed JSON body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.origins.http_port, timeout=10)
    try:
        data = body if raw or body is None else json.dumps(body)
        conn.request(method, path, body=data, headers=headers or {})
        res = conn.getresponse()
        payload = res.read()
        assert res.getheader("Content-Type", "").startswith("application/json"), payload[:200]
        return res.status, dict(res.getheaders()), json.loads(payload)
    finally:
        conn.close()


def token(server: FixtureServer, site_id: str, **headers: str) -> dict[str, Any]:
    status, _, body = call(server, "POST", f"/v1/{site_id}/token", {}, {"Content-Type": "application/json", **headers})
    assert status == 200, body
    data: dict[str, Any] = body["data"]
    return data


def signed(secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


# -- endpoints ---------------------------------------------------------------------------------
def test_config_and_site_intelligence(server: FixtureServer) -> None:
    site = server.new_site(config={"color": "#112233"})
    status, _, body = call(server, "GET", f"/v1/{site.site_id}/config")
    assert status == 200 and body["data"]["color"] == "#112233" and body["data"]["position"] == "bottom-center"
    status, _, body = call(server, "GET", f"/v1/{site.site_id}/site-intelligence")
    assert status == 200 and body["data"]["site_id"] == site.site_id


def test_token_has_exactly_the_documented_shape(server: FixtureServer) -> None:
    site = server.new_site()
    status, _, body = call(server, "POST", f"/v1/{site.site_id}/token", {})
    assert status == 200 and body["success"] is True
    data = body["data"]
    assert set(data) == {"client_secret", "model", "voice", "instructions", "signing_secret", "session_id"}
    assert set(data["client_secret"]) == {"value", "expires_at"}
    assert data["client_secret"]["expires_at"] > time.time()
    session = server.sessions.by_secret(data["client_secret"]["value"])
    assert session is not None and session.site_id == site.site_id
    assert [e["endpoint"] for e in server.request_log(site.site_id)] == ["token"]


def test_signed_query(server: FixtureServer) -> None:
    site = server.new_site()
    data = token(server, site.site_id)
    raw = json.dumps({"table": "products", "query": "mug"}).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Spelo-Session": data["session_id"],
        "X-Spelo-Signature": signed(data["signing_secret"], raw),
    }
    status, _, body = call(server, "POST", f"/v1/{site.site_id}/query", raw, headers, raw=True)
    assert status == 200 and body["data"]["rows"]
    assert server.request_log(site.site_id)[-1]["arguments"] == {"table": "products", "query": "mug"}


@pytest.mark.parametrize(
    "change, error",
    [
        ({"X-Spelo-Signature": None}, "invalid_signature"),
        ({"X-Spelo-Signature": "sha256=" + "0" * 64}, "invalid_signature"),
        ({"X-Spelo-Signature": "garbage"}, "invalid_signature"),
        ({"X-Spelo-Session": None}, "invalid_session"),
        ({"X-Spelo-Session": "sess_unknown"}, "invalid_session"),
    ],
)
def test_query_refuses_a_bad_signature_or_session(server: FixtureServer, change: dict[str, str | None], error: str) -> None:
    site = server.new_site()
    data = token(server, site.site_id)
    raw = b'{"q": 1}'
    headers = {"X-Spelo-Session": data["session_id"], "X-Spelo-Signature": signed(data["signing_secret"], raw)}
    headers = {k: v for k, v in {**headers, **change}.items() if v is not None}
    status, _, body = call(server, "POST", f"/v1/{site.site_id}/query", raw, headers, raw=True)
    assert (status, body["error"]) == (401, error)


def test_query_refuses_another_sites_session(server: FixtureServer) -> None:
    mine, other = server.new_site(), server.new_site()
    data = token(server, other.site_id)
    raw = b"{}"
    headers = {"X-Spelo-Session": data["session_id"], "X-Spelo-Signature": signed(data["signing_secret"], raw)}
    status, _, body = call(server, "POST", f"/v1/{mine.site_id}/query", raw, headers, raw=True)
    assert (status, body["error"]) == (401, "invalid_session")


def test_analytics_events(server: FixtureServer) -> None:
    site = server.new_site()
    for event in ("session_start", "function_call", "db_query", "session_end"):
        status, _, _ = call(server, "POST", f"/v1/{site.site_id}/analytics/event", {"event": event, "session_id": "s"})
        assert status == 200
    assert [e["event"] for e in server.request_log(site.site_id)] == ["session_start", "function_call", "db_query", "session_end"]
    status, _, body = call(server, "POST", f"/v1/{site.site_id}/analytics/event", {"event": "nope"})
    assert (status, body["error"]) == (400, "invalid_event")


ERRORS_BY_STATUS: list[tuple[str, int]] = sorted(ERROR_STATUS.items(), key=lambda kv: kv[1])


# -- documented errors -------------------------------------------------------------------------
@pytest.mark.parametrize("error, status", ERRORS_BY_STATUS)
def test_every_documented_token_error_can_be_forced(server: FixtureServer, error: str, status: int) -> None:
    fault = {"error": error, **({"retry_after": 7} if status == 429 else {})}
    site = server.new_site(faults={"token": fault})
    got, headers, body = call(server, "POST", f"/v1/{site.site_id}/token", {})
    assert (got, body) == (status, {"success": False, "error": error})
    if status == 429:
        assert headers["Retry-After"] == "7"


@pytest.mark.parametrize("endpoint, method", [("config", "GET"), ("query", "POST"), ("analytics/event", "POST")])
def test_faults_apply_per_endpoint(server: FixtureServer, endpoint: str, method: str) -> None:
    site = server.new_site(faults={endpoint: {"error": "unavailable"}})
    status, _, body = call(server, method, f"/v1/{site.site_id}/{endpoint}", {} if method == "POST" else None)
    assert (status, body["error"]) == (503, "unavailable")
    assert call(server, "POST", f"/v1/{site.site_id}/token", {})[0] == 200  # other endpoints untouched


def test_delay_fault_delays(server: FixtureServer) -> None:
    site = server.new_site(faults={"token": {"delay_ms": 300}})
    start = time.monotonic()
    assert call(server, "POST", f"/v1/{site.site_id}/token", {})[0] == 200
    assert time.monotonic() - start >= 0.3


def test_real_errors_without_faults(server: FixtureServer) -> None:
    assert call(server, "POST", "/v1/BAD!/token", {})[2]["error"] == "invalid_site_id"
    assert call(server, "POST", "/v1/short/token", {})[0] == 400
    status, _, body = call(server, "POST", "/v1/nosuchsite0000/token", {})
    assert (status, body["error"]) == (404, "site_not_found")


# -- origin rules ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "origin, domains, allowed",
    [
        ("https://shop.test", ["shop.test"], True),  # protocol optional
        ("http://shop.test:8080", ["shop.test"], True),
        ("https://shop.test", ["https://shop.test"], True),  # exact, with protocol
        ("http://shop.test", ["https://shop.test"], False),  # ... the protocol then counts
        ("https://www.shop.test", ["shop.test"], False),  # www. differs
        ("https://shop.test", ["www.shop.test"], False),
        ("https://a.shop.test", ["*.shop.test"], True),  # one level below
        ("https://shop.test", ["*.shop.test"], False),  # not the apex
        ("https://a.b.shop.test", ["*.shop.test"], False),  # not two levels
        ("https://copycat.test", ["shop.test"], False),  # a copied snippet
        ("https://shop.test.evil", ["shop.test"], False),
    ],
)
def test_origin_allowed(origin: str, domains: list[str], allowed: bool) -> None:
    assert origin_allowed(origin, domains) is allowed


@pytest.mark.parametrize(
    "origin_name, allowed", [("secure-host", True), ("insecure-host", True), ("secure-www", False), ("other-site", False)]
)
def test_origin_rules_through_cors(server: FixtureServer, origin_name: str, allowed: bool) -> None:
    site = server.new_site(domains=["shop.test"])
    origin = server.origins.origin(origin_name)
    status, headers, body = call(server, "POST", f"/v1/{site.site_id}/token", {}, {"Origin": origin})
    if allowed:
        assert status == 200 and headers["Access-Control-Allow-Origin"] == origin
    else:
        assert (status, body["error"]) == (403, "origin_not_allowed")
        assert "Access-Control-Allow-Origin" not in headers  # so the browser blocks the call too
    conn = http.client.HTTPConnection("127.0.0.1", server.origins.http_port, timeout=10)
    conn.request("OPTIONS", f"/v1/{site.site_id}/token", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    res = conn.getresponse()
    res.read()
    conn.close()
    assert res.status == 204 and (res.getheader("Access-Control-Allow-Origin") == origin) is allowed


# -- rate limits -------------------------------------------------------------------------------
def test_token_burst_limit_answers_429_with_retry_after(server: FixtureServer) -> None:
    site = server.new_site()
    statuses = [call(server, "POST", f"/v1/{site.site_id}/token", {}) for _ in range(21)]
    assert [s for s, _, _ in statuses[:20]] == [200] * 20
    status, headers, body = statuses[20]
    assert (status, body["error"], headers["Retry-After"]) == (429, "rate_limited", "1")


def test_token_per_ip_limit_per_minute(server: FixtureServer, fake_clock: list[float]) -> None:
    now = fake_clock
    site = server.new_site()
    for _ in range(60):
        now[0] += 0.1  # 10/s: under the burst limit
        assert call(server, "POST", f"/v1/{site.site_id}/token", {})[0] == 200
    status, headers, _ = call(server, "POST", f"/v1/{site.site_id}/token", {})
    assert status == 429 and 1 <= int(headers["Retry-After"]) <= 60
    now[0] += 61
    assert call(server, "POST", f"/v1/{site.site_id}/token", {})[0] == 200


def test_query_limit_per_site(server: FixtureServer) -> None:
    site = server.new_site()
    data = token(server, site.site_id)
    raw = b"{}"
    headers = {"X-Spelo-Session": data["session_id"], "X-Spelo-Signature": signed(data["signing_secret"], raw)}
    conn = http.client.HTTPConnection("127.0.0.1", server.origins.http_port, timeout=10)
    statuses = []
    for _ in range(301):  # one keep-alive connection: 301 requests in well under a second
        conn.request("POST", f"/v1/{site.site_id}/query", body=raw, headers=headers)
        res = conn.getresponse()
        res.read()
        statuses.append((res.status, res.getheader("Retry-After")))
    conn.close()
    assert statuses[:300] == [(200, None)] * 300
    status, retry_after = statuses[300]
    assert status == 429 and retry_after is not None and 1 <= int(retry_after) <= 60


def test_rate_limiter_rules() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    for i in range(200):  # per site: 200/min, whatever the IP
        now[0] += 0.06
        assert limiter.check("token", "site1", f"10.0.{i // 50}.1") is None
    # At t=12.0 the oldest hit (t=0.06) leaves the window at 60.06: 48.06 s, rounded up.
    assert limiter.check("token", "site1", "10.9.9.9") == 49
    limiter = RateLimiter({"x": (Rule("ip", 2, 10.0),)}, clock=lambda: now[0])
    assert limiter.check("x", "s", "a") is None and limiter.check("x", "s", "a") is None
    assert limiter.check("x", "s", "a") == 10
    assert limiter.check("x", "s", "b") is None  # another IP has its own bucket
    assert limiter.check("y", "s", "a") is None  # an endpoint without rules is not limited
    now[0] += 10
    assert limiter.check("x", "s", "a") is None  # refused requests used no quota


# -- bad input: 4xx JSON, never 500 ------------------------------------------------------------
@pytest.mark.parametrize(
    "body, status, error",
    [
        (b"{not json", 400, "malformed_json"),
        (b"\xff\xfe", 400, "malformed_json"),
        (b"[1, 2]", 400, "invalid_body"),
        (b"x" * (65 * 1024), 413, "body_too_large"),
        (b"x" * (300 * 1024), 413, "body_too_large"),  # beyond the server's client_max_size too
    ],
)
def test_bad_token_bodies(server: FixtureServer, body: bytes, status: int, error: str) -> None:
    site = server.new_site()
    got, _, parsed = call(server, "POST", f"/v1/{site.site_id}/token", body, {"Content-Type": "application/json"}, raw=True)
    assert (got, parsed["error"]) == (status, error)


def test_chunked_oversized_body(server: FixtureServer) -> None:
    site = server.new_site()
    conn = http.client.HTTPConnection("127.0.0.1", server.origins.http_port, timeout=10)
    conn.request(
        "POST",
        f"/v1/{site.site_id}/analytics/event",
        body=iter([b"x" * 40000] * 3),
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    res = conn.getresponse()
    body = json.loads(res.read())
    conn.close()
    assert (res.status, body["error"]) == (413, "body_too_large")


def test_body_in_pieces_is_read_whole(server: FixtureServer) -> None:
    # A body that arrives in several chunks must not be cut at the first one.
    site = server.new_site()
    conn = http.client.HTTPConnection("127.0.0.1", server.origins.http_port, timeout=10)
    conn.request(
        "POST",
        f"/v1/{site.site_id}/analytics/event",
        body=iter([b'{"event": ', b'"session_start"', b"}"]),
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    res = conn.getresponse()
    res.read()
    conn.close()
    assert res.status == 200 and server.request_log(site.site_id)[-1]["event"] == "session_start"


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/v1/{site}/token", 405),
        ("PUT", "/v1/{site}/config", 405),
        ("DELETE", "/v1/{site}/query", 405),
        ("GET", "/v1/realtime", 405),
        ("GET", "/v1/{site}/nothing/here", 404),
        ("POST", "/v1/", 404),
    ],
)
def test_wrong_methods_and_paths_answer_json(server: FixtureServer, method: str, path: str, status: int) -> None:
    site = server.new_site()
    got, headers, body = call(server, method, path.format(site=site.site_id))
    assert (got, body["success"]) == (status, False)
    if status == 405:
        assert body["error"] == "method_not_allowed" and headers["Allow"]
