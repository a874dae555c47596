"""A loopback-only HTTP proxy that gives WebKitGTK the fixture hostnames.

WebKitGTK has no host-resolver rule (Chromium's --host-resolver-rules, Firefox's
network.dns.localDomains); what it has is a proxy setting per WebsiteDataManager. So the client
runs this proxy on 127.0.0.1 and the driver points each context at it: CONNECT tunnels (https,
TLS stays end to end between WebKit and the fixture server) and absolute-URI requests (plain
http) for the allowed hostnames go to 127.0.0.1 on the requested port. Any other host is refused,
so no request of a cell can leave loopback through it.

Firefox uses it too when it runs on another host (--connect): its DNS prefs can send every name
to the fixture server's address except localhost and 127.0.0.1, which Firefox always keeps on
its own loopback. There the proxy listens on this machine's run address (`listen`) and relays
to the fixture server there (`upstream`); the allowed hosts are still the only ones it serves.

It runs an asyncio loop in a daemon thread; start() returns the port, stop() ends everything.
"""

from __future__ import annotations

import asyncio
import threading
from urllib.parse import urlsplit

from harness.origins import LOOPBACK

HEAD_LIMIT = 64 * 1024
HOP_HEADERS = {"proxy-connection", "connection", "keep-alive", "proxy-authorization"}


class HostProxy:
    def __init__(self, hosts: tuple[str, ...] | list[str], listen: str = LOOPBACK, upstream: str = LOOPBACK):
        self.hosts = {h.lower() for h in hosts} | {"localhost", LOOPBACK}
        self.listen = listen
        self.upstream = upstream
        self.port = 0
        self.refused: list[str] = []  # hosts asked for and refused (for diagnostics)
        self.ports: dict[str, dict[int, int]] = {}  # host -> {asked port: port on upstream} (vendor fakes)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None

    def start(self) -> int:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, self.listen, 0, limit=HEAD_LIMIT))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._server.close()
            tasks = asyncio.all_tasks(self._loop)
            for task in tasks:
                task.cancel()  # open tunnels (browsers keep connections alive) end here
            self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self._loop.close()

        self._thread = threading.Thread(target=run, name="spelo-hostproxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the host proxy did not start")
        return self.port

    def route(self, host: str, ports: dict[int, int]) -> None:
        """Serve `host` too, its ports sent to these upstream ports (a vendor fake's server)."""
        self.hosts.add(host.lower())
        self.ports[host.lower()] = dict(ports)

    def stop(self) -> None:
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = None
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = lines[0].split(" ", 2)
            if method == "CONNECT":
                host, _, port_text = target.rpartition(":")
                port = int(port_text)
                path: str | None = None
            else:
                url = urlsplit(target)
                host, port = url.hostname or "", url.port or 80
                path = (url.path or "/") + (f"?{url.query}" if url.query else "")
            host = host.strip("[]").lower()
            if host not in self.hosts:
                # Closed without an answer, like a name that does not resolve: the browser
                # reports a failed load (an error response would be a page that loaded).
                self.refused.append(host)
                return
            port = self.ports.get(host, {}).get(port, port)
            up_reader, upstream = await asyncio.open_connection(self.upstream, port)
            if path is None:
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                # One request per connection: a kept-alive proxy connection could carry the next
                # request for another host, which this simple relay would send to the wrong port.
                kept = [h for h in lines[1:] if h and h.split(":", 1)[0].strip().lower() not in HOP_HEADERS]
                upstream.write(("\r\n".join([f"{method} {path} {version}", *kept, "Connection: close"]) + "\r\n\r\n").encode("latin-1"))
            # The exchange is over when the server side ends (it closes after its response).
            to_server = asyncio.ensure_future(_pipe(reader, upstream))
            await _pipe(up_reader, writer)
            to_server.cancel()
        except asyncio.CancelledError:
            pass  # stop(): finish quietly (a cancelled handler task makes asyncio log an error)
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
            pass  # a refused port or a broken request: closing is the answer (a failed load)
        finally:
            for w in (writer, upstream):
                if w is not None:
                    w.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        writer.close()
