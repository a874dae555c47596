"""The fake vendor API fuzzed from its own OpenAPI description (harness/server/openapi.py, served at
/v1/openapi.json) with schemathesis: whatever a client sends within and outside the description,
no 5xx it did not ask for, every answer of a documented status and shape, and no traceback in
the server's log. Bounded: a fixed number of examples per operation and a deadline per example;
the server listens on 127.0.0.1 only."""

from __future__ import annotations

import hashlib
from typing import Any, Iterator
import hmac
import http.client
import json
import logging
import urllib.request

import jsonschema
import pytest
import schemathesis
from hypothesis import strategies as st
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.schemas import OpenApiSchema
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from harness.server import FixtureServer
from harness.server.openapi import PATH, description

EXAMPLES = 60  # per operation and generation mode; the run stays well under a minute
DEADLINE_MS = 5_000  # one request: the server answers at once or says why
SITE_ID = "fuzzsite01"


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    with FixtureServer() as srv:
        srv.new_site(site_id=SITE_ID, domains=None)
        srv.limiter.clock = _fresh_minute  # the fuzz's own pace must not make every answer a 429
        yield srv


@pytest.fixture(scope="module")
def api_schema(server: FixtureServer) -> OpenApiSchema:
    url = f"http://127.0.0.1:{server.origins.http_port}{PATH}"
    with urllib.request.urlopen(url, timeout=10) as res:  # the description as served
        served = json.load(res)
    return schemathesis.openapi.from_dict(served)


@pytest.fixture
def server_errors() -> Iterator[list[logging.LogRecord]]:
    """Records the server logs at ERROR (a handler that raised: a traceback) while a case runs."""
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    handler = Keep(level=logging.ERROR)
    loggers = [logging.getLogger(n) for n in ("spelo.server", "aiohttp.server", "aiohttp.web")]
    for lg in loggers:
        lg.addHandler(handler)
    yield seen
    for lg in loggers:
        lg.removeHandler(handler)


OPERATIONS = [(path, method.upper()) for path, item in description()["paths"].items() for method in item]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
@pytest.mark.parametrize("path, method", OPERATIONS)
def test_api_answers_only_as_described(
    api_schema: OpenApiSchema,
    server: FixtureServer,
    server_errors: list[logging.LogRecord],
    path: str,
    method: str,
    mode: GenerationMode,
) -> None:
    """Valid and invalid requests (schemathesis' two generation modes) to one operation."""
    operation = api_schema[path][method]
    base_url = f"http://127.0.0.1:{server.origins.http_port}"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=DEADLINE_MS, database=None, suppress_health_check=list(HealthCheck))
    def one(case: Case[Any]) -> None:  # as_strategy gives Case of any operation
        # Most cases at a registered site (so the handlers themselves are reached, not only the
        # site check), one in four at whatever site id was generated.
        site = case.path_parameters.get("site") if case.path_parameters else None
        if isinstance(site, str) and sum(map(ord, site)) % 4 != 0:
            case.path_parameters["site"] = SITE_ID
        case.call_and_validate(
            base_url=base_url,
            timeout=DEADLINE_MS / 1000,
            checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        )
        assert not server_errors, [r.getMessage() for r in server_errors]

    one()


_minute = [0.0]


def _fresh_minute() -> float:
    """A clock that moves a minute per call: the rate limiter forgets every earlier call."""
    _minute[0] += 61.0
    return _minute[0]


# -- any JSON, to the handlers themselves (hypothesis directly) --------------------------------------
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
# Bodies a widget might get wrong: any JSON, or an object whose known fields hold any JSON value.
BODIES = JSON_VALUES | st.fixed_dictionaries({}, optional={"event": JSON_VALUES, "query": JSON_VALUES, "arguments": JSON_VALUES})
DEEP = st.integers(min_value=1, max_value=30_000).map(lambda n: "[" * n + "]" * n)


def _post(server: FixtureServer, path: str, raw: bytes, headers: dict[str, str]) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.origins.http_port, timeout=DEADLINE_MS / 1000)
    try:
        conn.request("POST", path, body=raw, headers={"Content-Type": "application/json", **headers})
        res = conn.getresponse()
        return res.status, res.getheader("Content-Type", ""), res.read()
    finally:
        conn.close()


@pytest.mark.parametrize("endpoint", ["token", "query", "analytics/event"])
def test_any_json_body_reaches_the_handler_and_is_answered_as_described(
    api_schema: OpenApiSchema, server: FixtureServer, server_errors: list[logging.LogRecord], endpoint: str
) -> None:
    """Bodies of any JSON (and JSON nested up to 30,000 deep), signed where the endpoint wants a
    signature, so that the handler reads them: a documented status, and JSON of the documented
    shape (the success's or the Error's)."""
    path = f"/v1/{{site}}/{endpoint}"
    documented = api_schema.raw_schema["paths"][path]["post"]["responses"]
    token = json.loads(_post(server, f"/v1/{SITE_ID}/token", b"{}", {})[2])["data"]

    @given(raw=BODIES.map(lambda b: json.dumps(b).encode()) | DEEP.map(str.encode))
    @settings(max_examples=EXAMPLES * 2, deadline=DEADLINE_MS, database=None, suppress_health_check=list(HealthCheck))
    def one(raw: bytes) -> None:
        headers = {}
        if endpoint == "query":
            headers = {
                "X-Spelo-Session": token["session_id"],
                "X-Spelo-Signature": "sha256=" + hmac.new(token["signing_secret"].encode(), raw, hashlib.sha256).hexdigest(),
            }
        status, content_type, body = _post(server, f"/v1/{SITE_ID}/{endpoint}", raw, headers)
        assert str(status) in documented, (status, body[:200])
        assert status < 500, (status, body[:200])
        assert content_type.startswith("application/json"), content_type
        schema = documented[str(status)]["content"]["application/json"]["schema"]
        if "$ref" in schema:
            schema = api_schema.raw_schema["components"]["schemas"]["Error"]
        jsonschema.validate(json.loads(body), schema)
        assert not server_errors, [r.getMessage() for r in server_errors]

    one()
