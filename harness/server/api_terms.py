"""The fake vendor API's terms: its documented defaults, error names and statuses, endpoints
and events. The API (api.py) serves them and its description (openapi.py) states them; both read
them here, so neither imports the other.
"""

from __future__ import annotations

import re
from typing import Any

DEFAULT_CONFIG: dict[str, Any] = {
    "color": "#C4973B",
    "position": "bottom-center",
    "size": "medium",
    "edge_glow": True,
    "enabled_pages": ["**"],
    "disabled_pages": [],
    "privacy_notice": None,  # None: the documented default text
    "privacy_policy_url": None,
    "custom_instructions": None,
    "fallback_url": "/chat.html",
}

ERROR_STATUS = {
    "invalid_site_id": 400,
    "origin_not_allowed": 403,
    "site_not_found": 404,
    "openai_key_missing": 422,
    "rate_limited": 429,
    "openai_error": 500,
    "unavailable": 503,
}
ENDPOINTS = ("config", "site-intelligence", "token", "query", "analytics/event")
SITE_ID_RE = re.compile(r"^[a-z0-9]{8,32}$")  # the documented data-site-id format
ANALYTICS_EVENTS = frozenset({"session_start", "session_end", "function_call", "db_query"})
