"""A vendor fake served on loopback, for the engine that has no context routes (stock WebKitGTK).

Playwright's engines answer a build's vendor hosts inside the browser context
(vendor_fake.VendorFake.install). WebKitGTK reaches every hostname through the client's
loopback-only host proxy (engines/hostproxy.py): for a vendor host the proxy sends port 443 and 80
to this server's https and http ports, and the page's context trusts this server's certificate for
exactly those hosts (made by a CA of its own, for the vendor hosts only). HTTP requests and
WebSocket messages go to the same VendorFake, so its answers and its log are those of every engine.
It listens on 127.0.0.1 only, in a daemon thread; stop() ends it.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import trustme
from aiohttp import WSMsgType, web

from harness.origins import LOOPBACK
from harness.vendor_fake import VendorFake


class VendorServer:
    def __init__(self, fake: VendorFake):
        self.fake = fake
        self.http_port = 0
        self.https_port = 0
        ca = trustme.CA(organization_name="Spelo harness vendor fake")
        self._leaf = ca.issue_cert(*fake.hosts)
        self.leaf_pem = self._leaf.cert_chain_pems[0].bytes().decode()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "VendorServer":
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._leaf.configure_cert(context)
        ready = threading.Event()
        failed: list[BaseException] = []

        def run() -> None:
            loop = self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                app = web.Application()
                app.router.add_route("*", "/{tail:.*}", self._handle)
                self._runner = web.AppRunner(app, access_log=None)
                loop.run_until_complete(self._runner.setup())
                plain = web.TCPSite(self._runner, LOOPBACK, 0)
                tls = web.TCPSite(self._runner, LOOPBACK, 0, ssl_context=context)
                loop.run_until_complete(plain.start())
                loop.run_until_complete(tls.start())
                self.http_port = _port(plain)
                self.https_port = _port(tls)
            except BaseException as e:  # noqa: BLE001 (told to start(), which raises it)
                failed.append(e)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="spelo-vendor-fake", daemon=True)
        self._thread.start()
        if not ready.wait(10) or failed:
            raise RuntimeError(f"the vendor fake's server did not start: {failed[0] if failed else 'timeout'}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        scheme = "wss" if request.secure else "ws"
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request, f"{scheme}://{request.host}{request.path_qs}")
        origin = request.headers.get("Origin") or "*"
        cors = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Allow-Headers": request.headers.get("Access-Control-Request-Headers") or "*",
            "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
            "Vary": "Origin",
        }
        if request.method == "OPTIONS":
            return web.Response(status=204, headers=cors)
        body = await request.read()
        url = f"{'https' if request.secure else 'http'}://{request.host}{request.path_qs}"
        status, content, kind = self.fake.http(request.method, url, body or None)
        return web.Response(status=status, body=content, headers={**cors, "Content-Type": kind})

    async def _websocket(self, request: web.Request, url: str) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        for m in self.fake.ws_open(url):
            await ws.send_str(m)
        async for msg in ws:
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                text = msg.data if isinstance(msg.data, str) else msg.data.decode("utf-8", "replace")
                for m in self.fake.ws_message(url, text):
                    await ws.send_str(m)
        return ws


def _port(site: Any) -> int:
    return int(site._server.sockets[0].getsockname()[1])
