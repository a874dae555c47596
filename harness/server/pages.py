"""The fixture site: host pages rendered per cell, the widget under test, static files.

Host pages are small templates: {{WIDGET_EMBED}} (the profile's embed: a script tag, a custom
element, a JS call), {{SITE_ID}}, {{API_BASE}}, {{WIDGET_SRC}} and, for the framing page,
{{FRAME_SRC}} / {{FRAME_ALLOW}} are filled in from the query string, so one page serves every cell
without a build step. The build is served at /widget/<its path> with the files next to it (the
chunks and CSS a real build loads relative to itself), and at /spelo.js as ever.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

from aiohttp import web

from harness.origins import OriginMap, ORIGINS
from harness.profile import DEFAULT_EMBED

SITE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{0,64}$")  # loose on purpose: the widget judges the format
PATH_RE = re.compile(r"^/[A-Za-z0-9_./-]*$")


class Pages:
    def __init__(
        self,
        site_dir: Path,
        widget: Path,
        origins_getter: Callable[[], OriginMap],
        embed: str = DEFAULT_EMBED,
        widget_root: Path | None = None,
        site_config: Callable[[str], dict[str, Any]] | None = None,
    ):
        self.site_dir = site_dir.resolve()
        self.widget = widget
        self._origins = origins_getter  # callable: the OriginMap once ports are known
        self.embed = embed
        # The folder served under /widget/: the build's own folder, or its package's.
        self.widget_root = (widget_root or widget.parent).resolve()
        self.widget_src = "/widget/" + widget.resolve().relative_to(self.widget_root).as_posix()
        self._site_config = site_config or (lambda site_id: {})

    @property
    def origins(self) -> OriginMap:
        return self._origins()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/spelo.js", self.widget_js),
            web.get("/widget/{path:[A-Za-z0-9_@+.,=~/-]+}", self.widget_file),
            web.get("/framed.html", self.framed),
            web.get("/{name:[A-Za-z0-9_-]+\\.html}", self.page),
            web.get("/", self.page),
            web.get("/{name:[A-Za-z0-9_-]+\\.(?:css|png|svg|wav|ico)}", self.static),
        ]

    async def widget_js(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(self.widget, headers={"Content-Type": "text/javascript", "Cache-Control": "no-store"})

    async def widget_file(self, request: web.Request) -> web.StreamResponse:
        """A file of the build's folder: only inside it, only regular files, no dot-files."""
        rel = request.match_info["path"]
        if any(part in ("", ".", "..") or part.startswith(".") for part in rel.split("/")):
            raise web.HTTPNotFound(text="no such file")
        path = (self.widget_root / rel).resolve()
        if not path.is_relative_to(self.widget_root) or not path.is_file():
            raise web.HTTPNotFound(text="no such file")
        return web.FileResponse(path, headers={"Cache-Control": "no-store"})

    def _file(self, name: str) -> Path:
        path = (self.site_dir / name).resolve()
        if path.parent != self.site_dir or not path.is_file():
            raise web.HTTPNotFound(text="no such page")
        return path

    def _fill(self, text: str, request: web.Request, extra: dict[str, str] | None = None) -> str:
        site = request.query.get("site", "")
        if not SITE_ID_RE.match(site):
            raise web.HTTPBadRequest(text="bad site parameter")
        api = self.origins.origin("api")
        values = {
            "SITE_ID": site,
            "API_BASE": api,
            "API_WS": re.sub(r"^http", "ws", api),
            "ORIGIN": f"{request.scheme}://{request.host}",
            "WIDGET_SRC": self.widget_src,
            "WIDGET_BASE": self.widget_src.rsplit("/", 1)[0] + "/",
            "SITE_CONFIG_JSON": json.dumps(self._site_config(site)),
            **(extra or {}),
        }
        # The embed is the profile author's markup; the values inside it are escaped like any.
        text = text.replace("{{WIDGET_EMBED}}", self.embed)
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", html.escape(value, quote=True))
        # For a JS-call embed (Vendor.init({{SITE_CONFIG_JS}})): JSON that cannot end the <script>
        # element it stands in; HTML-escaping would break it there.
        config_js = json.dumps(self._site_config(site))
        for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            config_js = config_js.replace(ch, esc)
        return text.replace("{{SITE_CONFIG_JS}}", config_js)

    async def page(self, request: web.Request) -> web.Response:
        name = request.match_info.get("name", "index.html")
        text = self._fill(self._file(name).read_text(encoding="utf-8"), request)
        fault = request.query.get("inject", "")
        if fault:
            text = text.replace("</head>", injected_fault_script(fault) + "\n</head>", 1)
        return web.Response(text=text, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def framed(self, request: web.Request) -> web.Response:
        """A page that embeds another page of the site in an iframe.
        ?frame=ORIGIN_NAME (default: this page's own origin) &path=/index.html &allow=microphone"""
        frame = request.query.get("frame", "")
        inner_path = request.query.get("path", "/index.html")
        allow = request.query.get("allow", "")
        if (frame and frame not in ORIGINS) or not PATH_RE.match(inner_path) or allow not in ("", "microphone"):
            raise web.HTTPBadRequest(text="bad frame parameters")
        base = self.origins.origin(frame) if frame else f"{request.scheme}://{request.host}"
        src = base + inner_path + "?" + urlencode({"site": request.query.get("site", "")})
        text = self._file("framed.html").read_text(encoding="utf-8")
        return web.Response(
            text=self._fill(text, request, {"FRAME_SRC": src, "FRAME_ALLOW": allow}),
            content_type="text/html",
            headers={"Cache-Control": "no-store"},
        )

    async def static(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(self._file(request.match_info["name"]))


FAULT_RE = re.compile(r"^getUserMedia:(NotReadableError|AbortError|NotFoundError)$")


def injected_fault_script(fault: str) -> str:
    """A fault with no real browser means (e.g. a device that cannot be read), asked for by a
    scenario's `inject` and named in its report. The getUserMedia spy (engines/spy.js) reads it
    at call time and rejects with that error instead of asking the browser."""
    m = FAULT_RE.match(fault)
    if not m:
        raise web.HTTPBadRequest(text="bad inject parameter")
    return f'<script>window.__speloFaults = {{"getUserMedia": "{m.group(1)}"}};</script>'
