"""The fixture server: one aiohttp application on its own event loop in a thread, listening on
the run's address only (127.0.0.1 unless the browsers are on another host: origins.Network;
one http port, one https port, both ephemeral), serving every origin of
harness.origins. The sync side (runner, pytest, Playwright's sync API) talks to it through
FixtureServer's methods; the asyncio side never blocks the caller.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any, Coroutine, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler

from harness import paths
from harness.origins import TLS_HOSTS, Network, OriginMap
from harness.server.api import ApiError, Sessions, VendorApi, http_error_as_json, status_in_log
from harness.server.pages import Pages
from harness.server.peer import RealtimePeer
from harness.server.ratelimit import RateLimiter
from harness.server.sites import Site, SiteRegistry, new_site_id
from harness.server.tls import RunCA

log = logging.getLogger("spelo.server")
T = TypeVar("T")

MAX_BODY = 256 * 1024
BACKLOG = 1024
# A connection that has not sent a whole request head this long after it opened (or after its
# last response) is closed: a stalled or trickling client must not hold a handler for an hour
# (aiohttp's own default). Browsers reopen kept-alive connections they find closed.
IDLE_TIMEOUT_S = 15.0


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as e:
        return e.response
    except web.HTTPException as e:
        as_json = http_error_as_json(request, e)  # under /v1/: JSON, like the API's own errors
        if as_json is None:
            raise
        return as_json
    except Exception:  # a bug of ours: logged, answered, never a dead server
        log.exception("unhandled error for %s %s", request.method, request.path)
        return web.json_response({"success": False, "error": "internal"}, status=500)


class FixtureServer:
    def __init__(
        self,
        site_dir: Path = paths.SITE_DIR,
        widget: Path = paths.REFERENCE_WIDGET,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
        network: Network | None = None,
        embed: str | None = None,
    ):
        self.network = network or Network()  # default: everything on loopback
        self.site_dir = Path(site_dir)
        self.embed = embed  # the profile's embed for the host pages (None: the reference's script tag)
        self.idle_timeout_s = idle_timeout_s
        self.widget = Path(widget)
        self.sites = SiteRegistry()
        self._ca: RunCA | None = None  # made by start(), removed by stop() (see ca)
        self._origins: OriginMap | None = None  # made by start(), once the ports are known
        self.sessions = Sessions()  # issued by the API's /token, accepted by the peer
        self.limiter = RateLimiter()  # the API's documented rate limits (tests swap its clock)
        self.peer = RealtimePeer(self.sessions, network)
        # objects with routes() and optionally an async close(), awaited at stop
        self.extensions: list[Any] = [self.peer]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def ca(self) -> RunCA:
        """The run's certificate authority: it exists from start() until stop()."""
        if self._ca is None:
            raise RuntimeError("the fixture server's CA is made by start(), not called yet")
        return self._ca

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> OriginMap:
        from harness.server.log_lines import one_line_per_malformed_request

        one_line_per_malformed_request()  # a request that is not HTTP: one line, never a traceback
        if not self.widget.is_file():
            raise FileNotFoundError(f"widget build not found: {self.widget}")
        self._ca = RunCA(TLS_HOSTS)
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                runner = loop.run_until_complete(self._start_sites())
            except BaseException as e:  # noqa: BLE001 (handed to the starting thread, which reports it)
                failure.append(e)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._close_extensions())
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="spelo-fixture-server", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure or self._origins is None:
            self.stop()
            raise RuntimeError(f"fixture server did not start: {failure[0] if failure else 'timeout'}")
        return self.origins

    @property
    def origins(self) -> OriginMap:
        """Where each origin is served; asking before start() is a bug."""
        if self._origins is None:
            raise RuntimeError("the fixture server is not started")
        return self._origins

    def app(self) -> web.Application:
        app = web.Application(middlewares=[status_in_log, errors_as_json], client_max_size=MAX_BODY)
        from harness.widget_source import widget_root

        pages = Pages(
            self.site_dir,
            self.widget,
            lambda: self.origins,
            widget_root=widget_root(self.widget),
            site_config=self._site_config,
            **({"embed": self.embed} if self.embed else {}),
        )
        api = VendorApi(self.sites, self.sessions, self.limiter)
        app.add_routes(api.routes())
        for ext in self.extensions:
            app.add_routes(ext.routes())
        app.add_routes(pages.routes())
        return app

    def _site_config(self, site_id: str) -> dict[str, Any]:
        """A cell's site configuration, for an embed that carries it ({{SITE_CONFIG_JSON}})."""
        site = self.sites.get(site_id)
        return dict(site.config) if site else {}

    async def _start_sites(self) -> web.AppRunner:
        runner = web.AppRunner(
            self.app(),
            access_log=None,
            handler_cancellation=True,
            # idle: no whole head in time; lingering: the unread rest of a body after the answer
            keepalive_timeout=self.idle_timeout_s,
            lingering_time=self.idle_timeout_s,
        )
        await runner.setup()
        # A deep accept queue: with a busy CPU a burst of connections (many cells, or the hostile
        # test's 200 at once) outruns the accept loop, and past the default 128 the kernel drops
        # the handshakes it cannot queue.
        address = self.network.address
        http = web.TCPSite(runner, address, 0, backlog=BACKLOG)
        https = web.TCPSite(runner, address, 0, ssl_context=self.ca.server_context(), backlog=BACKLOG)
        await http.start()
        await https.start()
        self._origins = OriginMap(http_port=_port(http), https_port=_port(https), address=address)
        return runner

    async def _close_extensions(self) -> None:
        for ext in self.extensions:
            if hasattr(ext, "close"):
                try:
                    await ext.close()
                except Exception:  # one extension's failure must not keep the others open
                    log.exception("closing %r failed", ext)

    def stop(self) -> None:
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        if self._ca is not None:
            self._ca.remove()

    def __enter__(self) -> "FixtureServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what cells ask of it ----------------------------------------------------------------
    def new_site(self, **fields: Any) -> Site:
        return self.sites.add(Site(site_id=fields.pop("site_id", None) or new_site_id(), **fields))

    def request_log(self, site_id: str) -> list[dict[str, Any]]:
        return self.sites.log(site_id)

    def submit(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop and wait for its result (for the peer)."""
        if self._loop is None:
            raise RuntimeError("the fixture server is not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()


def _port(site: web.TCPSite) -> int:
    server = site._server  # aiohttp's listening server, there once the site started
    if not isinstance(server, asyncio.Server):
        raise RuntimeError(f"{site.name} is not listening")
    return int(server.sockets[0].getsockname()[1])  # the ephemeral port the OS chose
