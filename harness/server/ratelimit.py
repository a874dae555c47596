"""The vendor API's documented rate limits, as sliding windows.

Documented: /token 60/min per IP, 200/min per site, burst 20/s; /query 300/min per site; over a
limit the API answers 429 with Retry-After (seconds).

Ours (the docs do not say): the burst limit counts per IP; a request that is refused does not use
up quota (so Retry-After tells the truth); and IP buckets are kept per site. Every browser of a
run connects from 127.0.0.1, so a truly global per-IP bucket would let one cell throttle the
next; since each cell has its own site, scoping by site keeps cells independent while a single
cell still sees every documented limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Rule:
    key: str  # which request attribute the bucket is keyed by: "ip" or "site"
    limit: int  # requests allowed ...
    window: float  # ... per this many seconds


# endpoint (as in Site.faults) -> rules; an endpoint not listed is not limited.
DEFAULT_RULES: dict[str, tuple[Rule, ...]] = {
    "token": (Rule("ip", 60, 60.0), Rule("site", 200, 60.0), Rule("ip", 20, 1.0)),
    "query": (Rule("site", 300, 60.0),),
}


class RateLimiter:
    """Thread-safe (a test may read or reset it from its own thread)."""

    def __init__(self, rules: dict[str, tuple[Rule, ...]] | None = None, clock: Callable[[], float] = time.monotonic):
        self.rules = DEFAULT_RULES if rules is None else rules
        self.clock = clock  # replaceable, so a test can run a minute in no time
        # (endpoint, rule key, window, site, the key's value) -> the times of its hits
        self._hits: dict[tuple[str, str, float, str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, endpoint: str, site: str, ip: str) -> int | None:
        """Count one request. Returns None when allowed, else the Retry-After in whole seconds."""
        values = {"site": site, "ip": ip}
        now = self.clock()
        with self._lock:
            buckets = []
            wait = 0.0
            for rule in self.rules.get(endpoint, ()):
                # IP buckets carry the site too (see the module docstring).
                key = (endpoint, rule.key, rule.window, site, values[rule.key])
                hits = self._hits.setdefault(key, deque())
                while hits and hits[0] <= now - rule.window:
                    hits.popleft()
                if len(hits) >= rule.limit:
                    # The oldest hit that must expire before one more request fits.
                    wait = max(wait, hits[len(hits) - rule.limit] + rule.window - now)
                buckets.append(hits)
            if wait > 0:
                return max(1, math.ceil(wait))
            for hits in buckets:
                hits.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
