"""What every endpoint does before a platform library sees a request: read the whole body
(up to a limit), decode it, and refuse JSON nested too deeply to parse safely. Shared by
the Slack and Teams adapters (which never import each other); each adds its own shape
checks. A refusal is a 4xx with a short reason, logged without the body or any secret."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from itertools import accumulate
from typing import Any

from aiohttp import StreamReader, web
from aiohttp.http_exceptions import HttpProcessingError

log = logging.getLogger("crosspulse.http")
READ_TIMEOUT = 10.0  # Slack wants an answer in 3 s, Teams in 15 s: a slower body is useless
MAX_DEPTH = 32  # real Slack and Teams payloads nest about 10 deep
# A string (an unterminated one runs to the end of the text): always matches from its
# quote, so one left-to-right pass, linear whatever the input.
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*+"?', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]++")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Refused(Exception):
    """A request refused for its own fault: `status` (4xx) and a short reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self, logger: logging.Logger, platform: str) -> web.Response:
        logger.warning("%s request refused (%d): %s", platform, self.status, self.reason)
        return web.Response(status=self.status, text=self.reason)


async def read_body(request: web.Request, *, limit: int) -> bytes:
    """The whole body, however many TCP segments or chunks it came in: `content.read(n)`
    alone returns only what has arrived so far, and a signature over half a body fails."""
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, "request body too large")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(READ_TIMEOUT):
            while chunk := await request.content.read(limit + 1 - size):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise Refused(413, "request body too large")
    except TimeoutError:
        raise Refused(408, "request body too slow") from None
    except HttpProcessingError:
        raise Refused(400, "request body is malformed") from None
    return b"".join(chunks)


def decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None


def json_depth(text: str) -> int:
    """How deep the brackets nest outside strings: cheap, and before json.loads, which
    recurses once per level (RecursionError about 1,000 levels down)."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(accumulate(map(_DELTA.__getitem__, brackets)), default=0)


def parse_json(text: str, *, what: str = "body") -> Any:
    if json_depth(text) > MAX_DEPTH:
        raise Refused(400, f"{what} is nested too deeply")
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused(400, f"{what} is not JSON") from None
    try:  # "\ud800" parses to a lone surrogate that no database can store
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(400, f"{what} holds an invalid character") from None
    return parsed


def is_token(value: object, *, longest: int = 255) -> bool:
    """An identifier as platforms send them: a short string without control characters
    (a NUL is refused by PostgreSQL, and ids end up in queries and de-duplication keys)."""
    return isinstance(value, str) and len(value) <= longest and not _CONTROL.search(value)


def single_header(request: web.Request, name: str) -> str | None:
    """A header that must appear at most once: libraries disagree on which copy they read."""
    values = request.headers.getall(name, [])
    if len(values) > 1:
        raise Refused(400, f"more than one {name} header")
    return values[0] if values else None


class _ClientFaultsBriefly(logging.Filter):
    """aiohttp logs a request it cannot even parse (a control character in a header, a
    broken chunk) as an ERROR with a traceback; that is the sender's fault, so it becomes
    one WARNING line with aiohttp's short reason (the 400 it answers is unchanged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError) and 400 <= (error.code or 0) < 500:
            reason = str(error.message).strip().splitlines()[0] if error.message else ""
            record.msg, record.args = (
                "malformed HTTP request refused (%d): %s",
                (
                    error.code,
                    reason[:80],
                ),
            )
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_FILTER = _ClientFaultsBriefly()


def quiet_client_faults() -> None:
    """Install the filter above (idempotent): each adapter calls it when it builds its
    endpoint, so whichever platforms are on, the server's log stays free of them."""
    server_log = logging.getLogger("aiohttp.server")
    if _FILTER not in server_log.filters:
        server_log.addFilter(_FILTER)


async def read_capped(content: StreamReader, *, limit: int) -> bytes:
    """A downloaded body, chunk by chunk (one `read(n)` may return less than the body), and
    no further than one chunk past `limit`: the caller refuses what is longer than `limit`."""
    body = bytearray()
    async for chunk in content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            break
    return bytes(body)
