"""The fixture server under hostile input: traversal, oversized and malformed requests, slow
clients, many connections. Whatever arrives, the answer is a 4xx or a closed connection, never
a 5xx, a crash or a file from outside fixtures_site. Raw sockets on 127.0.0.1 only, every loop
bounded, every wait with a deadline.
"""

from __future__ import annotations

from typing import Iterator

from pathlib import Path

import os
import socket
import ssl
import stat
import time

import pytest

from harness import paths
from harness.server import FixtureServer

# Texts that exist only in files outside fixtures_site (or outside the repository).
OUTSIDE_MARKERS = (b"[build-system]", b"root:x:0:0", b"PRIVATE KEY", b"import trustme", b"def seal(")
IDLE_S = 1.0  # the idle timeout of the server under test (short, so the tests stay short)


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    with FixtureServer(idle_timeout_s=IDLE_S) as srv:
        srv.new_site(site_id="hostile1")
        yield srv


def connect(server: FixtureServer, tls: bool = False, timeout: float = 10.0) -> socket.socket:
    port = server.origins.https_port if tls else server.origins.http_port
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls:
        ctx = ssl.create_default_context(cafile=str(server.ca.ca_pem))
        sock = ctx.wrap_socket(sock, server_hostname="shop.test")
    return sock


def read_all(sock: socket.socket, limit: int = 4 << 20) -> bytes:
    """What the server sends until it closes, or until its first response is complete (by its
    Content-Length: a kept-alive connection would otherwise stay open until the idle timeout)."""
    out = bytearray()
    try:
        while len(out) < limit and not _complete(out):
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    except (ConnectionResetError, socket.timeout, ssl.SSLError):
        pass
    return bytes(out)


def _complete(data: bytearray) -> bool:
    head, sep, body = bytes(data).partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(body) >= int(value)
    return False


def exchange(server: FixtureServer, raw: bytes, tls: bool = False) -> bytes:
    """Send raw bytes (the request says Connection: close where it can) and read the answer."""
    with connect(server, tls) as sock:
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may hang up before reading everything: an acceptable answer
        return read_all(sock)


def status_of(answer: bytes) -> int | None:
    """The status code of the first response, or None for a closed connection without one."""
    if not answer:
        return None
    first = answer.split(b"\r\n", 1)[0].split()
    assert first[0].startswith(b"HTTP/1."), answer[:200]
    return int(first[1])


def assert_refused_safely(answer: bytes, allow_ok: bool = False) -> None:
    code = status_of(answer)
    if code is not None:
        assert code < 500, answer[:300]
        assert allow_ok or 400 <= code < 500, answer[:300]
    for marker in OUTSIDE_MARKERS:
        assert marker not in answer, f"{marker!r} served: {answer[:300]!r}"


def assert_healthy(server: FixtureServer) -> None:
    answer = exchange(server, b"GET /site.css HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert status_of(answer) == 200, answer[:200]


def get(target: str, host: str = "localhost") -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()


# -- traversal --------------------------------------------------------------------------------------

TRAVERSALS = [
    "/../pyproject.toml",
    "/../../../../etc/passwd",
    "/%2e%2e/pyproject.toml",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/..%2fpyproject.toml",
    "/%2e%2e%2fpyproject.toml",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/%252e%252e/pyproject.toml",
    "/.%2e/pyproject.toml",
    "/..\\pyproject.toml",
    "/..%5cpyproject.toml",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/etc/passwd",
    "/site.css/../../pyproject.toml",
    "/index.html/..%2f..%2fpyproject.toml",
    "/..%2fharness%2fserver%2ftls.py",
    "/harness/sandbox.py",
    "/..%00/pyproject.toml",
    "/index.html%00.css",
    "/%c0%ae%c0%ae/pyproject.toml",
    "/..;/pyproject.toml",
    "/spelo.js/../../pyproject.toml",
    "/framed.html?path=/../../pyproject.toml&site=hostile1",
    "/index.html?site=../../etc/passwd",
    "/v1/..%2f..%2fpyproject.toml/config",
    "/v1/hostile1/../../../pyproject.toml",
]


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_traversal_never_leaves_fixtures_site(server: FixtureServer, tls: bool) -> None:
    for target in TRAVERSALS:
        assert_refused_safely(exchange(server, get(target, "shop.test"), tls), allow_ok=True)
    # Absolute-form and authority-less targets, as a proxy would be asked.
    for target in ("http://localhost/../pyproject.toml", "file:///etc/passwd", "*", "../pyproject.toml"):
        assert_refused_safely(exchange(server, get(target), tls), allow_ok=True)
    assert_healthy(server)


def test_a_200_is_always_a_fixtures_site_file(server: FixtureServer) -> None:
    # Where a traversal-looking path is normalised to a fixture page, the page is ours.
    site_files = {p.read_bytes()[:200] for p in paths.SITE_DIR.iterdir() if p.is_file()}
    for target in ("/../site.css", "/./site.css", "/%2e/site.css"):
        answer = exchange(server, get(target))
        if status_of(answer) == 200:
            body = answer.split(b"\r\n\r\n", 1)[1]
            assert any(body.startswith(head[:100]) for head in site_files), body[:200]


# -- oversized -----------------------------------------------------------------------------------------


def test_oversized_request_line_and_headers(server: FixtureServer) -> None:
    cases = [
        f"GET /{'a' * 100_000} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode(),
        f"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {'b' * 100_000}\r\n\r\n".encode(),
        ("GET / HTTP/1.1\r\nHost: localhost\r\n" + "".join(f"X-H{i}: v\r\n" for i in range(500)) + "\r\n").encode(),
        f"GET / HTTP/1.1\r\nHost: {'h' * 50_000}\r\n\r\n".encode(),
        f"GET / HTTP/1.1\r\nHost: localhost\r\nCookie: {'c=1; ' * 20_000}\r\n\r\n".encode(),
    ]
    for raw in cases:
        assert_refused_safely(exchange(server, raw))
    assert_healthy(server)


def test_oversized_bodies(server: FixtureServer) -> None:
    big = b"x" * (2 << 20)
    declared = (
        b"POST /v1/hostile1/token HTTP/1.1\r\nHost: api.spelo.test\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(big)
    ) + big
    chunked = (
        b"POST /v1/hostile1/analytics/event HTTP/1.1\r\nHost: api.spelo.test\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\n\r\n"
        + b"".join(b"10000\r\n" + b"y" * 0x10000 + b"\r\n" for _ in range(32))
        + b"0\r\n\r\n"
    )
    huge_claim = b"POST /v1/hostile1/query HTTP/1.1\r\nHost: api.spelo.test\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\nabc"
    to_page = (b"POST /index.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(big)) + big
    sdp = (
        b"POST /v1/realtime HTTP/1.1\r\nHost: api.spelo.test\r\nContent-Type: application/sdp\r\n"
        b"Authorization: Bearer nope\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(big)
    ) + big
    for raw in (declared, chunked, huge_claim, to_page, sdp):
        assert_refused_safely(exchange(server, raw))
    assert_healthy(server)


# -- malformed -----------------------------------------------------------------------------------------

MALFORMED = [
    b"\x00\x01\x02\x03garbage\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: localhost\r\n\r\n",
    b"G(T / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost localhost\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: -5\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
    b"POST /v1/hostile1/token HTTP/1.1\r\nHost: api.spelo.test\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
    b"POST /v1/hostile1/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Nul: a\x00b\r\n\r\n",
    "GET /\u00e9\u00e8 HTTP/1.1\r\nHost: localhost\r\n\r\n".encode("utf-8"),
    b"GET / HTTP/1.1\r\n Folded: header\r\nHost: localhost\r\n\r\n",
    b"GET / HTTP/1.1\nHost: localhost\n\n",
    b"\r\n\r\n\r\n\r\n",
    b"POST /v1/hostile1/token HTTP/1.1\r\nHost: api.spelo.test\r\nContent-Type: application/json\r\n"
    b'Content-Length: 9\r\n\r\n{"a":\xff\xfe}',
    b"GET /index.html?site=%ZZ&inject=%00 HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"GET /index.html?inject=getUserMedia:Evil HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"OPTIONS /v1/realtime HTTP/1.1\r\nHost: api.spelo.test\r\nOrigin: \xff\xfe\r\n\r\n",
    b"BREW /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64),  # a TLS ClientHello on the http port
]


def test_malformed_requests(server: FixtureServer) -> None:
    for raw in MALFORMED:
        answer = exchange(server, raw)
        assert_refused_safely(answer, allow_ok=True)  # a lenient parse may answer the page
    # Plain HTTP on the https port: the handshake fails, the connection closes.
    with socket.create_connection(("127.0.0.1", server.origins.https_port), timeout=10) as sock:
        sock.sendall(get("/"))
        assert b"HTTP/1.1 5" not in read_all(sock)
    assert_healthy(server)


# -- slow clients ----------------------------------------------------------------------------------------


def test_a_stalled_request_blocks_no_one_and_is_closed(server: FixtureServer) -> None:
    stalled = [connect(server) for _ in range(5)]
    try:
        stalled[0].sendall(b"GET /index.html HTTP/1.1\r\nHost: local")  # a head that never ends
        stalled[1].sendall(
            b'POST /v1/hostile1/token HTTP/1.1\r\nHost: api.spelo.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a"'
        )  # a body that stops
        stalled[2].sendall(b"GET / HTTP/1.1\r\n")  # then trickles, a byte at a time (below)
        # stalled[3], [4]: connected, silent
        started = time.monotonic()
        assert_healthy(server)  # others are served at once
        assert time.monotonic() - started < 5
        for sock in stalled:
            sock.settimeout(0.2)
        open_ = set(range(len(stalled)))
        deadline = time.monotonic() + IDLE_S + 8
        while open_ and time.monotonic() < deadline:
            for i in sorted(open_):
                if i == 2:
                    try:
                        stalled[2].sendall(b"X")
                    except OSError:
                        open_.discard(2)
                        continue
                try:
                    data = stalled[i].recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    data = b""
                if data:
                    status = status_of(data)
                    assert status is None or status < 500, data[:200]
                else:
                    open_.discard(i)  # closed by the server
        assert not open_, f"connections {sorted(open_)} still open {IDLE_S + 8:g} s later"
    finally:
        for sock in stalled:
            sock.close()
    assert_healthy(server)


def test_a_stalled_tls_handshake_blocks_no_one(server: FixtureServer) -> None:
    with socket.create_connection(("127.0.0.1", server.origins.https_port), timeout=10) as silent:
        with connect(server, tls=True) as sock:
            sock.sendall(get("/site.css", "shop.test"))
            assert status_of(read_all(sock)) == 200
        silent.sendall(b"\x16\x03\x01")  # the start of a record, then nothing


# -- many connections -------------------------------------------------------------------------------------


def test_many_connections_at_once(server: FixtureServer) -> None:
    socks = []
    try:
        for _ in range(200):
            socks.append(socket.create_connection(("127.0.0.1", server.origins.http_port), timeout=10))
        for i, sock in enumerate(socks):
            target = "/site.css" if i % 2 else f"/index.html?site=hostile1&n={i}"
            try:
                sock.sendall(get(target))
            except OSError:
                pass
        codes = []
        for sock in socks:
            answer = read_all(sock)
            assert_refused_safely(answer, allow_ok=True)
            codes.append(status_of(answer))
        assert codes.count(200) >= 150, codes  # most are simply served; none is a 5xx
    finally:
        for sock in socks:
            sock.close()
    assert_healthy(server)


# -- the run's CA ----------------------------------------------------------------------------------------


def test_ca_lives_in_a_private_folder_removed_at_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    srv = FixtureServer()
    srv.start()
    try:
        folder = srv.ca.dir
        assert folder.parent == tmp_path
        info = folder.stat()
        assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.getuid()
        for f in folder.iterdir():
            assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f"{f} is readable by others"
        assert b"PRIVATE KEY" in srv.ca.leaf_pem.read_bytes()
        assert srv.ca.ca_pem.is_file()
    finally:
        srv.stop()
    assert not folder.exists()
    assert not list(tmp_path.glob("spelo-ca-*"))


def test_ca_folder_removed_when_start_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    srv = FixtureServer(widget=tmp_path / "missing.js")
    with pytest.raises(FileNotFoundError):
        srv.start()
    srv.stop()
    assert not list(tmp_path.glob("spelo-ca-*"))


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_client_gone_before_its_body_is_logged_499_without_a_traceback(
    server: FixtureServer, caplog: pytest.LogCaptureFixture, reset: bool
) -> None:
    """A page reloaded while its plain fetch was sending: the server logs the call as the client's
    (499), prints no traceback, and goes on serving."""
    before = len(server.sites.log("hostile1"))
    sock = connect(server)
    sock.sendall(
        b"POST /v1/hostile1/analytics/event HTTP/1.1\r\nHost: api.spelo.test\r\nOrigin: http://localhost\r\n"
        b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"event": "sess'
    )
    if reset:  # an abortive close (RST), as a killed tab's socket
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()
    deadline = time.monotonic() + 10
    entries: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        entries = server.sites.log("hostile1")[before:]
        if entries and "status" in entries[-1]:
            break
        time.sleep(0.05)  # polling the server's log for a condition, with a deadline
    assert entries and entries[-1].get("status") == 499, entries
    assert not [r for r in caplog.records if r.levelno >= 40], [r.getMessage() for r in caplog.records]
    assert_healthy(server)
