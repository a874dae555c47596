"""One line, not aiohttp's traceback, for each malformed request the fixture server refuses.

aiohttp answers a request it cannot parse with 400 and logs the parser's exception with its
traceback on "aiohttp.server"; for a person watching `serve`, the peer and the parser's first
line say all there is to say."""
from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

LOGGER = "aiohttp.server"


class MalformedRequestLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            why = (exc.message or type(exc).__name__).strip().splitlines()[0].rstrip(":")
            peer = record.getMessage().rpartition(" from ")[2]
            record.msg, record.args = f"malformed request from {peer}: {exc.code} {why}", ()
            record.exc_info = record.exc_text = None
        return True


def one_line_per_malformed_request() -> None:
    logger = logging.getLogger(LOGGER)
    if not any(isinstance(f, MalformedRequestLine) for f in logger.filters):
        logger.addFilter(MalformedRequestLine())
