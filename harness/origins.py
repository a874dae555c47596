"""The one place that knows the fixture origins.

Every page of the fixture site is reachable under several origins, each standing for a
situation a visitor meets: localhost (exempt from the HTTPS rule), a loopback IP, a plain-http
hostname (not a secure context), an https hostname (secure, certificate from the run's own CA),
a second https hostname for cross-origin iframes, and the vendor API's own hostname.

All of them are served by one fixture server: one port for http, one for https. Hostnames are
told apart by the Host header; every engine maps the hostnames below to the server's address
by its own means (see harness/engines/*).

Where the server listens is the run's Network. By default 127.0.0.1 only, with the browsers on
this machine. With --connect to a Playwright server on another host, the browsers run there:
the fixture server (and the realtime peer's ICE) then listen on an address of this machine that
the other host reaches, and localhost / 127.0.0.1 in the browsers would name the browser host
itself, so they are mapped to that address too (the page's URL keeps its host, and with it its
secure-context rule: a browser trusts http://localhost by name, not by where it connects).
"""

from __future__ import annotations

import ipaddress
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
MAPPED_HOSTS: tuple[str, ...] = tuple(sorted({o.host for o in ORIGINS.values() if o.host not in ("localhost", LOOPBACK)}))
# Hosts that name the browser's own machine: mapped only when the browsers run on another host.
LOCAL_HOSTS: tuple[str, ...] = ("localhost", LOOPBACK)
# Names the TLS certificate must cover.
TLS_HOSTS: tuple[str, ...] = tuple(sorted({o.host for o in ORIGINS.values() if o.scheme == "https"}))


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # an mDNS name (x.local) or garbage: not loopback
        return False


def check_listen_address(address: str) -> str:
    """The address as given, or ValueError (one line) unless it is one IP address a browser can
    connect to (not a hostname, not a wildcard: the browsers are pointed at exactly it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"--listen: expected an IP address of this machine, got {address!r}") from None
    if ip.is_unspecified or ip.is_multicast:
        raise ValueError(
            f"--listen: {address} is not an address browsers can connect to; give the one the browser host reaches this machine at"
        )
    return str(ip)


@dataclass(frozen=True)
class Network:
    """Where the fixture server and the browsers meet.

    `address`: the fixture server and the realtime peer's ICE listen there. `browser_hosts`: the
    browser host's addresses when it is another machine (empty: the browsers run here, on
    loopback). WebRTC candidates of a browser's offer are used only when they are on these
    addresses: on loopback the rule is "test traffic stays on lo"; across hosts, the peer talks
    to the browser host it was told about and to no other interface of it."""

    address: str = LOOPBACK
    browser_hosts: tuple[str, ...] = ()

    @property
    def local(self) -> bool:
        return is_loopback(self.address)

    def mapped_hosts(self) -> tuple[str, ...]:
        """The hostnames every engine must resolve to `address`."""
        return MAPPED_HOSTS if self.local else MAPPED_HOSTS + LOCAL_HOSTS

    def accepts_candidate(self, address: str) -> bool:
        """Whether the peer may send ICE checks to a browser's candidate at `address`."""
        if self.local:
            return is_loopback(address)
        try:  # compared as addresses: an IPv6 candidate may spell the same address otherwise
            return ipaddress.ip_address(address) in {ipaddress.ip_address(a) for a in self.browser_hosts}
        except ValueError:  # an mDNS name: not an address we were told about
            return False


@dataclass(frozen=True)
class OriginMap:
    """The origins bound to the ports of one running fixture server."""

    http_port: int
    https_port: int
    address: str = LOOPBACK  # where the server listens: the mapped hostnames resolve here

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
