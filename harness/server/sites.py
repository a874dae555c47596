"""Sites registered with the fake vendor API, one per cell.

Each cell gets a site id of its own, so its widget configuration, its registered domains and
its request log never mix with another cell's, even when cells share a server.
"""

from __future__ import annotations

import fnmatch
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from harness import limits


def new_site_id() -> str:
    return "cell" + secrets.token_hex(6)  # 16 chars of [a-z0-9], as the contract asks


def origin_allowed(origin: str, domains: list[str]) -> bool:
    """The documented origin rule: exact match, protocol optional, www. differs,
    '*.example.com' covers one level below and not the apex."""
    parts = urlsplit(origin)
    host_port = parts.netloc
    host = parts.hostname or ""
    for pattern in domains:
        if "://" in pattern:
            if pattern.rstrip("/") == origin:
                return True
            continue
        if pattern.startswith("*."):
            apex = pattern[2:]
            label, _, rest = host.partition(".")
            if label and (rest == apex or f"{rest}:{parts.port}" == apex):
                return True
            continue
        if pattern in (host, host_port) or fnmatch.fnmatchcase(host_port, pattern):
            return True
    return False


@dataclass
class Site:
    site_id: str
    config: dict[str, Any] = field(default_factory=dict)
    # None: every origin is allowed (the default for cells that do not test origin rules).
    domains: list[str] | None = None
    # endpoint name ('config', 'token', ...) -> fault dict (status, error, retry_after, delay)
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    log_dropped: int = 0  # requests past limits.API_LOG_ENTRIES: counted, not kept

    def allows(self, origin: str | None) -> bool:
        if self.domains is None:
            return True
        return origin is not None and origin_allowed(origin, self.domains)


class SiteRegistry:
    """Thread-safe: the runner registers sites from its thread, the server reads them on its loop."""

    def __init__(self) -> None:
        self._sites: dict[str, Site] = {}
        self._lock = threading.Lock()

    def add(self, site: Site) -> Site:
        with self._lock:
            self._sites[site.site_id] = site
        return site

    def get(self, site_id: str) -> Site | None:
        with self._lock:
            return self._sites.get(site_id)

    def remove(self, site_id: str) -> None:
        with self._lock:
            self._sites.pop(site_id, None)

    def record(self, site_id: str, entry: dict[str, Any]) -> dict[str, Any] | None:
        """Append to the site's log; returns the stored entry so the API can add what it reads
        from the body later (None: no such site)."""
        with self._lock:
            site = self._sites.get(site_id)
            if site is None:
                return None
            stored = {"t": time.monotonic(), **entry}
            if len(site.log) >= limits.API_LOG_ENTRIES:  # a flood: counted, not kept
                site.log_dropped += 1
                return stored
            site.log.append(stored)
            return stored

    def log_dropped(self, site_id: str) -> int:
        """How many of the site's requests were past the log's cap (limits.API_LOG_ENTRIES)."""
        with self._lock:
            site = self._sites.get(site_id)
            return site.log_dropped if site else 0

    def log(self, site_id: str) -> list[dict[str, Any]]:
        with self._lock:
            site = self._sites.get(site_id)
            return list(site.log) if site else []
