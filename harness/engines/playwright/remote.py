"""Browsers served by a Playwright browser server (`playwright run-server`), for --connect.

What Playwright 1.64 does, read in playwright-core's remote/playwrightServer.ts and measured
(tests/test_connect.py):
- The server launches the browser itself, with the options the client sends as JSON in the
  x-playwright-launch-options header of the WebSocket handshake. Unless the server was started
  with --unsafe it silently drops args, firefoxUserPrefs and executablePath (filterLaunchOptions).
  Every cell needs them (fake microphone, host rules, the run's key, prefs), so after connecting
  the engine checks that they arrived; where they did not, the cell is skipped with that reason
  rather than run in a browser that cannot make its situation.
- On another host, the server's browsers must reach this machine: network() picks the address
  the fixture server listens on (the one this machine's route to the server host leaves from,
  unless --listen names one) and the browser host's addresses, whose WebRTC candidates the
  peer then uses (origins.Network).
- The client's User-Agent names its Playwright version; a server of another minor version
  answers the handshake with 428 and says so. No browser starts before the first protocol
  message, so check_endpoint() can make the handshake itself and report a bad endpoint in one
  line before any cell runs.
"""

from __future__ import annotations

import base64
import importlib.metadata
import json
import os
import re
import socket
import ssl
from typing import Any, Callable
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserType, Error as PlaywrightError

from harness.engines.base import Availability, RunEnv, Unsupported
from harness.origins import Network, check_listen_address, is_loopback

CONNECT_TIMEOUT_MS = 120_000  # the server launches the browser within this
_dropped: set[tuple[str, str]] = set()  # (engine, endpoint) known to drop our launch options


class RemoteError(Exception):
    """The server could not give us a browser; the message is one line."""


def dropped_reason(endpoint: str) -> str:
    return (
        f"the Playwright server at {endpoint} does not apply the launch options this cell needs "
        "(args / firefoxUserPrefs / executablePath); start it with `playwright run-server --unsafe`"
    )


def availability(engine: str, endpoint: str, served: bool) -> Availability:
    """With --connect the browsers are the server's: nothing needs to be installed here.
    `served`: whether the registry (engines/__init__.py) has an engine of this name that a
    server can serve."""
    if served:
        return Availability(engine, True, source=f"remote {endpoint}")
    return Availability(
        engine, False, reason="--connect drives Chromium and Firefox only; WebKit here is WebKitGTK, driven on this machine"
    )


def wire_options(options: dict[str, Any]) -> dict[str, Any]:
    """Launch options as BrowserType.launch takes them in Python (executable_path,
    firefox_user_prefs) in the names the server reads from the header (executablePath,
    firefoxUserPrefs); unset ones left out."""

    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    return {camel(k): v for k, v in options.items() if v is not None}


def launch(
    browser_type: BrowserType,
    env: RunEnv,
    options: dict[str, Any],
    verify: Callable[[Browser], bool],
    needs: Callable[[Browser], str | None] | None = None,
) -> Browser:
    """A browser from the server at env.connect, launched with `options` (Playwright's launch
    options as BrowserType.launch names them in Python). `verify` tells whether the options reached
    the browser; `needs`, if given, checks what else the cell needs of the browser host and
    returns why it is missing (the cell is then skipped with that reason). The local executable
    path is sent first; where the server has no file there, it is asked for its own build of the
    engine instead."""
    endpoint = env.connect
    if endpoint is None:  # the engines call this only with --connect
        raise ValueError("remote.launch needs env.connect, the server's ws:// endpoint")
    key = (browser_type.name, endpoint)
    if key in _dropped:
        raise Unsupported(dropped_reason(endpoint))
    options = wire_options(options)
    ours = options.get("executablePath")
    try:
        browser = _connect(browser_type, endpoint, env, options)
    except PlaywrightError as e:
        missing = re.search(r"executable doesn't exist at (\S+)", str(e), re.IGNORECASE)
        if ours and missing and missing.group(1) == ours:
            own = {k: v for k, v in options.items() if k not in ("executablePath", "channel")}
            try:
                browser = _connect(browser_type, endpoint, env, own)
            except PlaywrightError as e2:
                raise RemoteError(_failed(browser_type.name, endpoint, e2)) from None
        elif ours and (missing or "Cannot find Firefox installation" in str(e)):
            # It looked for a browser of its own although we named ours: it dropped our options.
            _dropped.add(key)
            raise Unsupported(dropped_reason(endpoint)) from None
        else:
            raise RemoteError(_failed(browser_type.name, endpoint, e)) from None
    try:
        arrived = verify(browser)
    except BaseException:
        _close(browser)
        raise
    if not arrived:
        _close(browser)
        _dropped.add(key)
        raise Unsupported(dropped_reason(endpoint))
    try:
        lacking = needs(browser) if needs else None
    except BaseException:
        _close(browser)
        raise
    if lacking:
        _close(browser)
        raise Unsupported(lacking)
    return browser


def _connect(browser_type: BrowserType, endpoint: str, env: RunEnv, options: dict[str, Any]) -> Browser:
    return browser_type.connect(
        endpoint, timeout=CONNECT_TIMEOUT_MS, slow_mo=env.slowmo_ms or None, headers={"x-playwright-launch-options": json.dumps(options)}
    )


def _failed(engine: str, endpoint: str, error: Exception) -> str:
    first = next((line for line in str(error).splitlines() if line.strip()), type(error).__name__)
    return f"could not get {engine} from {endpoint}: {first.strip()}"


def _close(browser: Browser) -> None:
    try:
        browser.close()
    except PlaywrightError:
        pass


# -- where the browsers meet the fixture server ---------------------------------------------------


def network(endpoint: str | None, listen: str | None = None) -> Network:
    """The run's Network for browsers from `endpoint` (None: browsers on this machine).
    ValueError (one line) for a --listen that is not an address, or a server host that does not
    resolve."""
    if listen is not None:
        listen = check_listen_address(listen)
    if not endpoint:
        return Network(listen) if listen else Network()
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    try:
        found = socket.getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as e:
        raise ValueError(f"--connect: cannot resolve {host!r}: {e}") from None
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in found))
    if listen is None and all(is_loopback(a) for a in addresses):
        return Network()  # the server is on this machine: everything stays on loopback
    return Network(listen or _route_source(addresses[0]), addresses)


def _route_source(address: str) -> str:
    """The address of this machine that packets to `address` leave from: what the other host
    sees us as. A connected UDP socket asks the kernel's routing table; no packet is sent."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        try:
            s.connect((address, 9))
        except OSError as e:
            raise ValueError(f"--connect: no route to {address}: {e.strerror or e}") from None
        return str(s.getsockname()[0])


# -- the early check, before any cell -------------------------------------------------------------


def check_endpoint(endpoint: str, timeout: float = 5.0) -> None:
    """Raise ValueError (one line) unless `endpoint` is a Playwright server that accepts this
    client: reachable, the right path, the same Playwright minor version."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"--connect: expected ws://HOST:PORT/PATH or wss://…, got {endpoint!r}")
    try:
        port = parts.port or (443 if parts.scheme == "wss" else 80)
    except ValueError:
        raise ValueError(f"--connect: bad port in {endpoint!r}") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    ours = importlib.metadata.version("playwright")
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\nSec-WebSocket-Version: 13\r\n"
        f"User-Agent: Playwright/{ours} (spelo-harness endpoint check)\r\n\r\n"
    )
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout) as raw:
            sock = ssl.create_default_context().wrap_socket(raw, server_hostname=parts.hostname) if parts.scheme == "wss" else raw
            sock.sendall(request.encode())
            answer = _read_head(sock)
    except (OSError, ssl.SSLError) as e:
        why = "no answer within %g s" % timeout if isinstance(e, socket.timeout) else (e.strerror or str(e))
        raise ValueError(f"--connect: cannot reach {endpoint}: {why}") from None
    status = answer.split(b" ", 2)[1:2]
    if status == [b"101"]:
        return  # a Playwright server; closing now launches nothing
    text = answer.decode("utf-8", "replace")
    if status == [b"428"]:
        server = re.search(r"server version: v([\d.]+)", text)
        raise ValueError(
            f"--connect: the server at {endpoint} runs Playwright "
            f"{server.group(1) if server else 'of another version'}, this harness {ours}; "
            "their major.minor versions must match"
        )
    first = text.splitlines()[0] if text else "no HTTP answer"
    raise ValueError(
        f"--connect: {endpoint} is not a Playwright server endpoint (it answered {first!r}; check the path `playwright run-server` printed)"
    )


def _read_head(sock: socket.socket) -> bytes:
    """The answer's head; for a refusal also its body (the server explains there, then closes)."""
    data = b""
    while len(data) < 65536:
        if b"\r\n\r\n" in data and data.split(b" ", 2)[1:2] == [b"101"]:
            break
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            if b"\r\n\r\n" in data:
                break  # a head without a closing body: what there is will do
            raise
        if not chunk:
            break
        data += chunk
    return data
