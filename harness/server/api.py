"""The fake vendor API: what the widget talks to under /v1/{site}/...

CORS as a real API does it: a registered origin gets Access-Control-Allow-Origin, an
unregistered one does not, so the browser itself blocks the widget's call. Every request is
recorded in the site's log so a scenario can assert which calls the widget made, in order.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from harness.server.sites import Site, SiteRegistry

DEFAULT_CONFIG: dict[str, Any] = {
    "color": "#C4973B",
    "position": "bottom-center",
    "size": "medium",
    "edge_glow": True,
    "enabled_pages": ["**"],
    "disabled_pages": [],
    "privacy_notice": None,       # None: the documented default text
    "privacy_policy_url": None,
    "custom_instructions": None,
    "fallback_url": "/chat.html",
}

ERROR_STATUS = {
    "invalid_site_id": 400, "origin_not_allowed": 403, "site_not_found": 404,
    "openai_key_missing": 422, "rate_limited": 429, "openai_error": 500, "unavailable": 503,
}


class ApiError(Exception):
    """Raised by a handler to answer with a documented JSON error; the server's middleware
    turns it into the response."""

    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {error}")
        self.response = web.json_response({"success": False, "error": error}, status=status, headers=headers)


def json_error(status: int, error: str, headers: dict[str, str] | None = None) -> ApiError:
    return ApiError(status, error, headers)


class VendorApi:
    def __init__(self, sites: SiteRegistry):
        self.sites = sites

    def routes(self) -> list[web.RouteDef]:
        return [
            web.options("/v1/{site}/{endpoint:.+}", self.preflight),
            web.get("/v1/{site}/config", self.config),
            web.get("/v1/{site}/site-intelligence", self.intelligence),
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
            "Vary": "Origin",
        }

    async def begin(self, request: web.Request, endpoint: str) -> tuple[Site, dict[str, str]]:
        """Log the request, then raise the documented error if the site, origin or a scenario
        fault says so. Returns the site and the CORS headers to answer with."""
        site_id = request.match_info["site"]
        site = self.sites.get(site_id)
        self.sites.record(site_id, {
            "method": request.method, "endpoint": endpoint,
            "origin": request.headers.get("Origin"), "path": request.path,
        })
        headers = self.cors(request, site)
        if site is None:
            raise json_error(404, "site_not_found", headers)
        if site.domains is not None and not site.allows(request.headers.get("Origin")):
            raise json_error(403, "origin_not_allowed", headers)
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


async def read_json(request: web.Request, limit: int = 64 * 1024) -> Any:
    """A request body as JSON, or a 4xx with a JSON error (never a 500)."""
    if request.content_length is not None and request.content_length > limit:
        raise json_error(413, "body_too_large")
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        raise json_error(413, "body_too_large")
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise json_error(400, "malformed_json") from None
