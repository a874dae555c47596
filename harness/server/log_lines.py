"""One line, not aiohttp's traceback, for each malformed request the fixture server refuses.

aiohttp answers a request it cannot parse with 400 and logs the parser's exception with its
traceback on "aiohttp.server" — and the first request of a connection that is not HTTP at all
(an unknown method, TLS bytes on the http port) only at DEBUG, so by default nothing at all. For a
person watching `serve`, each such request is one WARNING line: the peer and the parser's first
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
            if why.lower().startswith("invalid method"):  # the method itself, on the next line
                found = [ln.strip() for ln in str(exc.message).splitlines()[1:] if ln.strip()]
                why = f"{why}: {found[0][:80]}" if found else why
            peer = record.getMessage().rpartition(" from ")[2]
            record.msg, record.args = f"malformed request from {peer}: {exc.code} {why}", ()
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            return True
        # The logger is opened to DEBUG only so that the line above is made; aiohttp's other
        # debug chatter stays out, as before.
        return record.levelno > logging.DEBUG


def one_line_per_malformed_request() -> None:
    logger = logging.getLogger(LOGGER)
    if not any(isinstance(f, MalformedRequestLine) for f in logger.filters):
        logger.addFilter(MalformedRequestLine())
    if logger.getEffectiveLevel() > logging.DEBUG:
        logger.setLevel(logging.DEBUG)
