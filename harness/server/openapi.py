"""The fake vendor API described in OpenAPI 3.0: what each endpoint under /v1/{site}/ takes and
answers, success and every documented error, as api.py serves them. Served at /v1/openapi.json
by the fixture server (and so by `spelo-harness serve`), and fuzzed by tests/test_api_fuzz.py
(schemathesis): no 5xx a client can cause, only the shapes written here.

Built from api.py's own tables (the endpoints, the documented errors and their statuses) so the
description and the server cannot drift apart on those."""

from __future__ import annotations

from typing import Any

from harness.server.api_terms import ANALYTICS_EVENTS, DEFAULT_CONFIG, ERROR_STATUS

PATH = "/v1/openapi.json"

ERROR = {
    "type": "object",
    "required": ["success", "error"],
    "additionalProperties": False,
    "properties": {"success": {"type": "boolean", "enum": [False]}, "error": {"type": "string"}},
}

# What any endpoint may answer besides its success: the site checks (begin() in api.py), the
# rate limit, a scenario's fault (any documented error, at its status), and aiohttp's own refusals
# (a body too large, one that stalls) as JSON.
COMMON_ERRORS = sorted({400, 403, 404, 408, 413, 429, *ERROR_STATUS.values()})


def _errors(*extra: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status in sorted({*COMMON_ERRORS, *extra}):
        names = sorted(n for n, s in ERROR_STATUS.items() if s == status)
        response: dict[str, Any] = {
            "description": ", ".join(names) or "refused",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        if status == 429:
            response["headers"] = {
                "Retry-After": {
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                    "description": "seconds until a call is accepted again",
                }
            }
        out[str(status)] = response
    return out


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "accepted", "content": {"application/json": {"schema": schema}}}}


def _data(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["success", "data"],
        "properties": {
            "success": {"type": "boolean", "enum": [True]},
            "data": {"type": "object", "required": required, "properties": properties},
        },
    }


SITE = {
    "name": "site",
    "in": "path",
    "required": True,
    "description": "the site id (data-site-id)",
    "schema": {"type": "string", "pattern": "^[a-z0-9]{8,32}$"},
}
JSON_BODY = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}


def description() -> dict[str, Any]:
    config_props: dict[str, Any] = {k: {} for k in DEFAULT_CONFIG}
    token = _data(
        {
            "client_secret": {
                "type": "object",
                "required": ["value", "expires_at"],
                "properties": {"value": {"type": "string"}, "expires_at": {"type": "integer"}},
            },
            "model": {"type": "string"},
            "voice": {"type": "string"},
            "instructions": {"type": "string"},
            "signing_secret": {"type": "string"},
            "session_id": {"type": "string"},
        },
        ["client_secret", "signing_secret", "session_id"],
    )
    query = _data({"rows": {"type": "array", "items": {"type": "object"}}, "arguments": {"type": "object"}}, ["rows", "arguments"])
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Spelo vendor API (the Spelo harness's fake)",
            "version": "1",
            "description": "What the widget calls; documented in shared/WIDGET-CONTRACT.md. Every "
            "error is JSON {success: false, error: name}; a registered origin gets CORS.",
        },
        "paths": {
            "/v1/{site}/config": {
                "get": {
                    "operationId": "config",
                    "parameters": [SITE],
                    "responses": {**_ok(_data(config_props, list(DEFAULT_CONFIG))), **_errors()},
                }
            },
            "/v1/{site}/site-intelligence": {
                "get": {
                    "operationId": "siteIntelligence",
                    "parameters": [SITE],
                    "responses": {
                        **_ok(
                            _data({"site_id": {"type": "string"}, "pages": {"type": "array"}, "summary": {"type": "string"}}, ["site_id"])
                        ),
                        **_errors(),
                    },
                }
            },
            "/v1/{site}/token": {
                "post": {"operationId": "token", "parameters": [SITE], "requestBody": JSON_BODY, "responses": {**_ok(token), **_errors()}}
            },
            "/v1/{site}/query": {
                "post": {
                    "operationId": "query",
                    "description": "signed: X-Spelo-Signature is sha256=HMAC-SHA256 of the raw body with the session's signing_secret",
                    "parameters": [
                        SITE,
                        {"name": "X-Spelo-Session", "in": "header", "required": True, "schema": {"type": "string"}},
                        {"name": "X-Spelo-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
                    ],
                    "requestBody": JSON_BODY,
                    "responses": {**_ok(query), **_errors(401)},
                }
            },
            "/v1/{site}/analytics/event": {
                "post": {
                    "operationId": "analyticsEvent",
                    "parameters": [SITE],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["event"],
                                    "properties": {"event": {"type": "string", "enum": sorted(ANALYTICS_EVENTS)}},
                                }
                            }
                        },
                    },
                    "responses": {
                        **_ok({"type": "object", "required": ["success"], "properties": {"success": {"type": "boolean", "enum": [True]}}}),
                        **_errors(),
                    },
                }
            },
        },
        "components": {"schemas": {"Error": ERROR}},
    }
