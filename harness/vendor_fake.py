"""Vendor fakes: a build's own vendor hosts (HTTP and WebSocket) answered by a fake of ours.

A build whose voice session lives at its vendor (a session POST, then a WebSocket) can never
reach a live session on a sealed loopback network. Its profile names those hosts and the fake:

    vendor:
      hosts: [api.voiceline.test, live.voiceline.test]
      responses: voiceline.vendor.yaml     # recorded request → response (beside the profile)
      # or handler: voiceline_vendor.py    # a module of ours: http(), ws_open(), ws_message()

The recorded file:

    http:
      - {method: POST, path: /v1/sessions, status: 201, json: {id: s1, live: "wss://live.voiceline.test/v1/live"}}
    websocket:
      - path: /v1/live
        on_open: [{type: ready}]                     # sent when the build connects
        replies:
          - {when: '"type":"hello"', send: [{type: greeting, text: Hi}]}   # `when`: a substring

A path is matched exactly or as a glob (`/v1/sessions/*`), the query left out. A message that is
not a string is sent as JSON. A handler module defines `http(method, path, body) -> (status,
body)` (body: a dict/list is JSON, str or bytes as is; None: no answer of its own, 404) and may
define `ws_open(path) -> [messages]` and `ws_message(path, text) -> [messages]`.

Every engine's cells reach the fake: Playwright's (Chromium, Firefox, WebKit) by context routes
(`route` and `route_web_socket`, in the browser's network stack, before any name is resolved);
stock WebKitGTK through its host proxy to a loopback server of the fake (vendor_server.py). The
cross-origin answers carry CORS headers for the page's origin, and preflights are answered.
Each exchange is logged (`method path → status`, `ws path → message`) for the cell's report.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from harness.model import Strict

HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")


class VendorSpec(Strict):
    """The profile's `vendor` field."""

    hosts: list[str] = Field(min_length=1)
    responses: str | None = None  # a recorded file, relative to the profile
    handler: str | None = None  # a Python module of ours, relative to the profile

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, v: list[str]) -> list[str]:
        for host in v:
            if not HOSTNAME.match(host):
                raise ValueError(f"{host!r} is not a hostname (a vendor host is a name such as api.vendor.example)")
        return v

    @model_validator(mode="after")
    def _one(self) -> "VendorSpec":
        if (self.responses is None) == (self.handler is None):
            raise ValueError("a vendor fake has exactly one of: responses (a recorded file), handler (a module)")
        return self


class RecordedHttp(Strict):
    method: str = "GET"
    path: str
    status: int = 200
    json_: Any = Field(None, alias="json")
    body: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)


class Reply(Strict):
    when: str | None = None  # a substring of the build's message; None: any message
    send: list[Any] = Field(default_factory=list)


class RecordedWs(Strict):
    path: str
    on_open: list[Any] = Field(default_factory=list)
    replies: list[Reply] = Field(default_factory=list)


class Recorded(Strict):
    http: list[RecordedHttp] = Field(default_factory=list)
    websocket: list[RecordedWs] = Field(default_factory=list)


class VendorFake:
    """Answers the vendor hosts' requests; keeps a log of every exchange."""

    def __init__(self, hosts: list[str], recorded: Recorded | None = None, module: ModuleType | None = None):
        self.hosts = hosts
        self.recorded = recorded
        self.module = module
        self.log: list[str] = []

    # -- HTTP ------------------------------------------------------------------------------------
    def http(self, method: str, url: str, body: bytes | None) -> tuple[int, bytes, str]:
        """(status, body, content type) for a request to a vendor host."""
        path = urlsplit(url).path or "/"
        answer: tuple[int, Any] | None = None
        if self.module is not None:
            answer = self.module.http(method, path, body)
        elif self.recorded is not None:
            hit = next((h for h in self.recorded.http if h.method.upper() == method.upper() and _matches(h.path, path)), None)
            if hit is not None:
                answer = (hit.status, hit.json_ if hit.body is None else hit.body)
        if answer is None:
            answer = (404, {"error": "the vendor fake has no answer for this request", "method": method, "path": path})
        status, content = answer
        self.log.append(f"{method} {path} → {status}")
        if isinstance(content, (bytes, bytearray)):
            return status, bytes(content), "application/octet-stream"
        if isinstance(content, str):
            return status, content.encode(), "text/plain; charset=utf-8"
        return status, json.dumps(content).encode(), "application/json"

    # -- WebSocket -------------------------------------------------------------------------------
    def ws_open(self, url: str) -> list[str]:
        path = urlsplit(url).path or "/"
        self.log.append(f"ws {path} opened")
        sent: list[Any]
        if self.module is not None:
            sent = getattr(self.module, "ws_open", lambda p: [])(path)
        else:
            spec = self._ws(path)
            sent = spec.on_open if spec is not None else []
        return self._sent(path, sent)

    def ws_message(self, url: str, text: str) -> list[str]:
        path = urlsplit(url).path or "/"
        self.log.append(f"ws {path} ← {text[:200]}")
        sent: list[Any]
        if self.module is not None:
            sent = getattr(self.module, "ws_message", lambda p, t: [])(path, text)
        else:
            spec = self._ws(path)
            reply = next((r for r in spec.replies if r.when is None or r.when in text), None) if spec else None
            sent = reply.send if reply is not None else []
        return self._sent(path, sent)

    def _ws(self, path: str) -> RecordedWs | None:
        assert self.recorded is not None
        return next((w for w in self.recorded.websocket if _matches(w.path, path)), None)

    def _sent(self, path: str, messages: list[Any] | None) -> list[str]:
        out = [m if isinstance(m, str) else json.dumps(m) for m in messages or []]
        self.log += [f"ws {path} → {m[:200]}" for m in out]
        return out

    # -- in a Playwright context -----------------------------------------------------------------
    def install(self, context: Any) -> None:
        """Route the vendor hosts of this context to the fake (HTTP and WebSocket)."""
        for host in self.hosts:
            context.route(re.compile(rf"^https?://{re.escape(host)}(:\d+)?/"), self._route)
            context.route_web_socket(re.compile(rf"^wss?://{re.escape(host)}(:\d+)?/"), self._route_ws)

    def _route(self, route: Any) -> None:
        request = route.request
        origin = request.headers.get("origin") or "*"
        cors = {
            "access-control-allow-origin": origin,
            "access-control-allow-credentials": "true",
            "access-control-allow-headers": request.headers.get("access-control-request-headers") or "*",
            "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
            "vary": "Origin",
        }
        if request.method == "OPTIONS":  # the CORS preflight of a cross-origin POST
            route.fulfill(status=204, headers=cors)
            return
        status, body, kind = self.http(request.method, request.url, request.post_data_buffer)
        route.fulfill(status=status, headers={**cors, "content-type": kind}, body=body)

    def _route_ws(self, ws: Any) -> None:
        url = ws.url
        # Nothing goes to a server: the fake is the other end.
        ws.on_message(lambda message: [ws.send(m) for m in self.ws_message(url, _text(message))])
        for m in self.ws_open(url):
            ws.send(m)


def _text(message: Any) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, (bytes, bytearray)) else str(message)


def _matches(pattern: str, path: str) -> bool:
    return pattern == path or fnmatch.fnmatchcase(path, pattern)


# -- loading (profile.load_profile calls this: a fake that cannot be loaded stops the run) -------------


def load_fake(spec: VendorSpec, base: Path) -> VendorFake:
    """The fake a profile names, its files relative to `base`; ValueError (one line) otherwise."""
    if spec.handler is not None:
        return VendorFake(spec.hosts, module=load_handler(base / spec.handler))
    assert spec.responses is not None
    return VendorFake(spec.hosts, recorded=load_recorded(base / spec.responses))


def new_fake(spec: VendorSpec) -> VendorFake:
    """A fresh fake (its own log) for one cell; the spec's paths are absolute (load_profile made
    them so) and their contents are read once per process."""
    if spec.handler is not None:
        return VendorFake(spec.hosts, module=_handler(spec.handler))
    assert spec.responses is not None
    return VendorFake(spec.hosts, recorded=_recorded(spec.responses))


@lru_cache(maxsize=None)
def _handler(path: str) -> ModuleType:
    return load_handler(Path(path))


@lru_cache(maxsize=None)
def _recorded(path: str) -> Recorded:
    return load_recorded(Path(path))


def load_recorded(path: Path) -> Recorded:
    from pydantic import ValidationError

    from harness.yamlfile import YamlFileError, describe_validation_error, read_yaml

    data, node = read_yaml(path) if path.suffix in (".yaml", ".yml") else (_json(path), None)
    if not isinstance(data, dict):
        raise YamlFileError(f"{path}:1: (top): expected a mapping with http and/or websocket")
    try:
        return Recorded.model_validate(data)
    except ValidationError as e:
        raise YamlFileError(describe_validation_error(path, node, e)) from None


def _json(path: Path) -> Any:
    from harness.yamlfile import YamlFileError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise YamlFileError(f"{path}: cannot read: {e.strerror}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise YamlFileError(f"{path}: not valid JSON: {e}") from None


def load_handler(path: Path) -> ModuleType:
    """The handler module at path, imported; ValueError saying why it cannot be used."""
    if not path.is_file():
        raise ValueError(f"cannot load {path}: no such file")
    spec = importlib.util.spec_from_file_location(f"spelo_vendor_fake_{abs(hash(str(path)))}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # noqa: BLE001 (any error of the user's module is one line, exit 2)
        first = (str(e).splitlines() or [""])[0]
        raise ValueError(f"cannot load {path}: {type(e).__name__}: {first}") from None
    if not callable(getattr(module, "http", None)):
        raise ValueError(f"cannot load {path}: it defines no http(method, path, body) function")
    return module
