"""The fake vendor API: what the widget talks to under /v1/{site}/...

CORS as a real API does it: a registered origin gets Access-Control-Allow-Origin, an
unregistered one does not, so the browser itself blocks the widget's call. Every request is
recorded in the site's log so a scenario can assert which calls the widget made, in order.

Endpoint names (the keys of Site.faults and of the log's "endpoint") are the path after
/v1/{site}/: "config", "site-intelligence", "token", "query", "analytics/event".
A fault is {"error": name, "status": int (default: the documented one), "retry_after": s,
"delay_ms": ms}; every documented /token error (ERROR_STATUS) can be forced that way.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from harness.server.api_terms import ANALYTICS_EVENTS, DEFAULT_CONFIG, ENDPOINTS, ERROR_STATUS, SITE_ID_RE
from harness.server.ratelimit import RateLimiter
from harness.server.sites import Site, SiteRegistry

TOKEN_TTL_S = 600  # ours: how long an ephemeral client secret is accepted by the peer

# Where begin() leaves the request's log entry (a typed key where aiohttp has them, 3.13+).
LOG_ENTRY: Any = web.RequestKey("log_entry", dict) if hasattr(web, "RequestKey") else "spelo_log_entry"

# Plain aiohttp errors under /v1/ (unknown path, wrong method, body too large) get these names.
HTTP_ERROR_NAMES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}


@web.middleware
async def status_in_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The status the API answered, in the call's log entry: a scenario can then tell an
    accepted signed /query (200) from a refused one (401) the widget passed on as a "result"."""
    response = await handler(request)
    entry = request.get(LOG_ENTRY)
    if entry is not None:
        entry["status"] = response.status
    return response


class ApiError(Exception):
    """Raised by a handler to answer with a documented JSON error; the server's middleware
    turns it into the response."""

    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {error}")
        self.response = web.json_response({"success": False, "error": error}, status=status, headers=headers)


def json_error(status: int, error: str, headers: dict[str, str] | None = None) -> ApiError:
    return ApiError(status, error, headers)


def http_error_as_json(request: web.Request, exc: web.HTTPException) -> web.Response | None:
    """aiohttp's own 4xx answers are text/HTML; a JSON API answers JSON. None: not ours to change."""
    if not request.path.startswith("/v1/") or exc.status < 400:
        return None
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
    name = HTTP_ERROR_NAMES.get(exc.status) or exc.reason.lower().replace(" ", "_")
    return web.json_response({"success": False, "error": name}, status=exc.status, headers=headers)


@dataclass(frozen=True)
class Session:
    """One ephemeral session issued by /token: the peer checks the bearer against it,
    /query checks the signature with its signing secret."""

    site_id: str
    session_id: str
    client_secret: str
    signing_secret: str
    expires_at: float  # unix time


class Sessions:
    """Issued sessions, shared by the API (which issues them) and the realtime peer (which
    accepts their bearer). Thread-safe: tests read it from their own thread."""

    def __init__(self) -> None:
        self._by_secret: dict[str, Session] = {}
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def issue(self, site_id: str) -> Session:
        s = Session(
            site_id=site_id,
            session_id="sess_" + secrets.token_hex(12),
            client_secret="ek_" + secrets.token_hex(24),
            signing_secret=secrets.token_hex(32),
            expires_at=time.time() + TOKEN_TTL_S,
        )
        with self._lock:
            self._by_secret[s.client_secret] = s
            self._by_id[s.session_id] = s
        return s

    def by_secret(self, secret: str) -> Session | None:
        with self._lock:
            s = self._by_secret.get(secret)
        return s if s is not None and s.expires_at > time.time() else None

    def by_id(self, session_id: str) -> Session | None:
        with self._lock:
            return self._by_id.get(session_id)


class VendorApi:
    def __init__(self, sites: SiteRegistry, sessions: Sessions | None = None, limiter: RateLimiter | None = None):
        self.sites = sites
        self.sessions = sessions if sessions is not None else Sessions()
        self.limiter = limiter if limiter is not None else RateLimiter()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/v1/openapi.json", self.openapi),  # this API described (server/openapi.py)
            # Preflight only for endpoints that exist, so any other /v1/ path is a plain 404.
            web.options("/v1/{site}/{endpoint:" + "|".join(ENDPOINTS) + "}", self.preflight),
            web.get("/v1/{site}/config", self.config),
            web.get("/v1/{site}/site-intelligence", self.intelligence),
            web.post("/v1/{site}/token", self.token),
            web.post("/v1/{site}/query", self.query),
            web.post("/v1/{site}/analytics/event", self.analytics),
        ]

    # -- helpers shared by every endpoint ---------------------------------------------------
    def cors(self, request: web.Request, site: Site | None) -> dict[str, str]:
        origin = request.headers.get("Origin")
        if site is None or not origin or not site.allows(origin):
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Headers": "Content-Type, X-Spelo-Signature, X-Spelo-Session",
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Expose-Headers": "Retry-After",  # the widget reads it on a 429
            "Vary": "Origin",
        }

    async def begin(self, request: web.Request, endpoint: str) -> tuple[Site, dict[str, str]]:
        """Log the request, then raise the documented error if the site id, site, origin, rate
        limit or a scenario fault says so. Returns the site and the CORS headers to answer with.
        The log entry is left in request[LOG_ENTRY]: a handler adds what it learns from the body."""
        site_id = request.match_info["site"]
        site = self.sites.get(site_id)
        entry = self.sites.record(
            site_id,
            {
                "method": request.method,
                "endpoint": endpoint,
                "origin": request.headers.get("Origin"),
                "path": request.path,
            },
        )
        # Left on the request before any check, so the answer's status reaches the log (status_in_log).
        request[LOG_ENTRY] = entry if entry is not None else {}
        headers = self.cors(request, site)
        if not SITE_ID_RE.match(site_id):
            raise json_error(400, "invalid_site_id", headers)
        if site is None:
            raise json_error(404, "site_not_found", headers)
        if site.domains is not None and not site.allows(request.headers.get("Origin")):
            raise json_error(403, "origin_not_allowed", headers)
        retry_after = self.limiter.check(endpoint, site_id, request.remote or "")
        if retry_after is not None:
            raise json_error(429, "rate_limited", {**headers, "Retry-After": str(retry_after)})
        fault = site.faults.get(endpoint)
        if fault:
            if fault.get("delay_ms"):
                await asyncio.sleep(fault["delay_ms"] / 1000)  # a slow endpoint is the fault itself
            if fault.get("error"):
                extra = dict(headers)
                if fault.get("retry_after") is not None:
                    extra["Retry-After"] = str(fault["retry_after"])
                status = fault.get("status") or ERROR_STATUS.get(fault["error"], 500)
                raise json_error(status, fault["error"], extra)
        return site, headers

    # -- endpoints -------------------------------------------------------------------------
    async def openapi(self, request: web.Request) -> web.Response:
        from harness.server.openapi import description

        return web.json_response(description(), headers={"Access-Control-Allow-Origin": "*"})

    async def preflight(self, request: web.Request) -> web.Response:
        site = self.sites.get(request.match_info["site"])
        return web.Response(status=204, headers={**self.cors(request, site), "Access-Control-Max-Age": "0"})

    async def config(self, request: web.Request) -> web.Response:
        site, headers = await self.begin(request, "config")
        data = {**DEFAULT_CONFIG, **site.config}
        return web.json_response({"success": True, "data": data}, headers=headers)

    async def intelligence(self, request: web.Request) -> web.Response:
        site, headers = await self.begin(request, "site-intelligence")
        data = {"site_id": site.site_id, "pages": [], "summary": "Fixture shop for the Spelo harness."}
        return web.json_response({"success": True, "data": data}, headers=headers)

    async def token(self, request: web.Request) -> web.Response:
        site, headers = await self.begin(request, "token")
        body = await read_json(request, headers=headers)
        if not isinstance(body, dict):
            raise json_error(400, "invalid_body", headers)
        s = self.sessions.issue(site.site_id)
        data = {
            "client_secret": {"value": s.client_secret, "expires_at": int(s.expires_at)},
            "model": site.config.get("model", "gpt-realtime"),
            "voice": site.config.get("voice", "alloy"),
            "instructions": site.config.get("instructions", "You are the Fixture Shop's voice assistant."),
            "signing_secret": s.signing_secret,
            "session_id": s.session_id,
        }
        return web.json_response({"success": True, "data": data}, headers=headers)

    async def query(self, request: web.Request) -> web.Response:
        """A database look-up signed with the session's secret: HMAC-SHA256 of the raw body."""
        site, headers = await self.begin(request, "query")
        raw = await read_body(request, headers=headers)
        session = self.sessions.by_id(request.headers.get("X-Spelo-Session", ""))
        signature = request.headers.get("X-Spelo-Signature", "")
        if session is None or session.site_id != site.site_id:
            raise json_error(401, "invalid_session", headers)
        expected = "sha256=" + hmac.new(session.signing_secret.encode(), raw, hashlib.sha256).hexdigest()
        # A header may carry any bytes (aiohttp keeps them with surrogate escapes): compared as
        # the bytes that came, never an encoding error.
        if not hmac.compare_digest(signature.encode("utf-8", "surrogateescape"), expected.encode()):
            raise json_error(401, "invalid_signature", headers)
        args = parse_json(raw, headers)
        if not isinstance(args, dict):
            raise json_error(400, "invalid_body", headers)
        request[LOG_ENTRY]["arguments"] = args
        rows = [{"sku": "MUG-01", "name": "Fixture mug", "price": 12.5, "in_stock": True}]
        return web.json_response({"success": True, "data": {"rows": rows, "arguments": args}}, headers=headers)

    async def analytics(self, request: web.Request) -> web.Response:
        site, headers = await self.begin(request, "analytics/event")
        body = await read_json(request, headers=headers)
        event = body.get("event") if isinstance(body, dict) else None
        if not isinstance(event, str) or event not in ANALYTICS_EVENTS:
            raise json_error(400, "invalid_event", headers)
        request[LOG_ENTRY].update(event=body["event"], body=body)
        return web.json_response({"success": True}, headers=headers)


CLIENT_CLOSED = 499  # not an HTTP status a server sends: the log's word for a request its client gave up


async def read_body(request: web.Request, limit: int = 64 * 1024, headers: dict[str, str] | None = None) -> bytes:
    """The raw request body, or 413 with a JSON error when it is over the limit."""
    if request.content_length is not None and request.content_length > limit:
        raise json_error(413, "body_too_large", headers)
    # read(n) returns what has arrived so far, up to n: loop until the end or one byte too many.
    # A body that stops arriving for the server's idle timeout is answered 408: a stalled client
    # must not hold its handler (and the cell's log entry) open for ever.
    idle = getattr(request.protocol, "keepalive_timeout", 0) or None
    raw = bytearray()
    while len(raw) <= limit:
        try:
            chunk = await asyncio.wait_for(request.content.read(limit + 1 - len(raw)), idle)
        except asyncio.TimeoutError:
            raise json_error(408, "body_timeout", headers) from None
        except ConnectionResetError:
            # The page went (a reload, a closed tab) while its body was on the way: a plain fetch
            # dies with its page. Logged as nginx's 499 (the client closed the request), which is
            # what a cell judging the widget's calls needs; no traceback, nobody left to answer.
            raise json_error(CLIENT_CLOSED, "client_closed_request", headers) from None
        if not chunk:
            break
        raw += chunk
    if len(raw) > limit:
        raise json_error(413, "body_too_large", headers)
    return bytes(raw)


def parse_json(raw: bytes, headers: dict[str, str] | None = None) -> Any:
    try:
        return json.loads(raw or b"{}")
    except ValueError:  # includes UnicodeDecodeError
        raise json_error(400, "malformed_json", headers) from None
    except RecursionError:  # nested deeper than Python's stack: not a body any widget sends
        raise json_error(400, "malformed_json", headers) from None


async def read_json(request: web.Request, limit: int = 64 * 1024, headers: dict[str, str] | None = None) -> Any:
    """A request body as JSON, or a 4xx with a JSON error (never a 500)."""
    return parse_json(await read_body(request, limit, headers), headers)
