"""The one place that knows the fixture origins.

Every page of the fixture site is reachable under several origins, each standing for a
situation a visitor meets: localhost (exempt from the HTTPS rule), a loopback IP, a plain-http
hostname (not a secure context), an https hostname (secure, certificate from the run's own CA),
a second https hostname for cross-origin iframes, and the vendor API's own hostname.

All of them are served by one fixture server listening on 127.0.0.1 only: one port for http,
one for https. Hostnames are told apart by the Host header; every engine maps the hostnames
below to 127.0.0.1 by its own means (see harness/engines/*).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Origin:
    name: str
    scheme: str
    host: str
    what: str


# name -> origin; scenario files refer to these names.
ORIGINS: dict[str, Origin] = {
    o.name: o
    for o in (
        Origin("localhost", "http", "localhost", "http://localhost: exempt from the HTTPS rule"),
        Origin("loopback-ip", "http", LOOPBACK, "http://127.0.0.1: loopback IPs count as secure"),
        Origin("insecure-host", "http", "shop.test", "plain http on a hostname: not a secure context"),
        Origin("secure-host", "https", "shop.test", "https on a hostname, certificate from the run's CA"),
        Origin("secure-www", "https", "www.shop.test", "the www. variant: a different origin"),
        Origin("other-site", "https", "copycat.test", "another site the snippet was copied to"),
        Origin("frame-host", "https", "frames.test", "a second https host for cross-origin iframes"),
        Origin("api", "https", "api.spelo.test", "the vendor's API and realtime service"),
    )
}

# Hostnames that are not loopback by nature and must be mapped to 127.0.0.1 in every engine.
MAPPED_HOSTS: tuple[str, ...] = tuple(
    sorted({o.host for o in ORIGINS.values() if o.host not in ("localhost", LOOPBACK)})
)
# Names the TLS certificate must cover.
TLS_HOSTS: tuple[str, ...] = tuple(sorted({o.host for o in ORIGINS.values() if o.scheme == "https"}))


@dataclass(frozen=True)
class OriginMap:
    """The origins bound to the ports of one running fixture server."""

    http_port: int
    https_port: int

    def port(self, scheme: str) -> int:
        return self.https_port if scheme == "https" else self.http_port

    def origin(self, name: str) -> str:
        o = ORIGINS[name]
        return f"{o.scheme}://{o.host}:{self.port(o.scheme)}"

    def url(self, name: str, path: str = "/") -> str:
        return self.origin(name) + path

    def page_url(self, origin: str, embedding: str, page: str, site_id: str, inject: str = "") -> str:
        """The URL a cell opens: the page at top level, or the framing page embedding it
        (same origin, or the frame host with or without allow="microphone"). `inject` names a
        fault for the page (see server/pages.py), top level only."""
        q = urlencode({"site": site_id, **({"inject": inject} if inject else {})})
        if embedding == "top":
            return self.url(origin, f"{page}?{q}")
        framing = {"site": site_id, "path": page}
        if embedding.startswith("cross-origin"):
            framing["frame"] = "frame-host"
        if embedding == "cross-origin-iframe-allow":
            framing["allow"] = "microphone"
        return self.url(origin, "/framed.html?" + urlencode(framing))

    def all(self) -> dict[str, str]:
        return {name: self.origin(name) for name in ORIGINS}

    def name_of(self, origin: str) -> str | None:
        """The origin name of a serialized origin such as 'https://shop.test:4443'."""
        for name in ORIGINS:
            if self.origin(name) == origin:
                return name
        return None
