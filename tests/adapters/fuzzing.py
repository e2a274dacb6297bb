"""Helpers for the fuzz and split-body tests: a raw HTTP/1.1 client over loopback (any
bytes, any header value, chunked or split into several TCP writes), a database snapshot,
and JSON strategies. The client is blocking on purpose: hypothesis drives it from a worker
thread while the server under test keeps running in the test's event loop."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import time
from collections import Counter
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from bot.store.db import Database

# Deterministic (same cases every run, nothing stored between runs), no per-case deadline
# (the machine is shared), and a server fixture shared by every case on purpose.
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Values of the wrong type for a field that holds an id, an object or a list of objects.
WRONG = st.sampled_from(
    [5, 0, -1, 1.5, True, False, [], [5], [{}], ["x"], {}, {"a": 1}, "x", "", "\x00", "²"]
)


def deep(levels: int, *, objects: bool = False) -> str:
    """JSON nested `levels` deep: json.loads recurses once per level."""
    if objects:
        return '{"a":' * levels + "1" + "}" * levels
    return "[" * levels + "]" * levels


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class RawClient:
    """POSTs exactly the bytes and headers given, one connection per request (so one
    refusal that closes its connection cannot affect the next case)."""

    url: str
    statuses: Counter = field(default_factory=Counter)

    def post(
        self,
        body: bytes,
        headers: Iterable[tuple[str, bytes | str]],
        *,
        path: str | None = None,
        chunked: bool = False,
    ) -> int:
        """The status, or 0 when the server closed the connection without answering (what
        aiohttp's parser does to some requests it cannot read at all)."""
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            conn.putrequest("POST", path or parts.path, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            # Refused before the body was read: the answer may be waiting all the same.
            with suppress(BrokenPipeError, ConnectionResetError):
                self._send_body(conn, body, chunked)
            try:
                response = conn.getresponse()
                response.read()
                status = response.status
            except (ConnectionError, http.client.HTTPException):
                status = 0
        finally:
            conn.close()
        self.statuses[status] += 1
        return status

    @staticmethod
    def _send_body(conn: http.client.HTTPConnection, body: bytes, chunked: bool) -> None:
        if not chunked:
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            return
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for start in range(0, len(body), 4096):
            piece = body[start : start + 4096]
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.send(b"0\r\n\r\n")

    def close(self) -> None:
        """Nothing is kept open between requests."""


def send_in_pieces(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    cuts: Iterable[int],
    pause: float = 0.05,
    chunked: bool = False,
) -> tuple[int, bytes]:
    """One request written to a raw socket in several writes (cut at the body offsets
    `cuts`), with a pause after each so each write leaves as its own TCP segment, as a
    request from across the internet arrives. `chunked`: each piece is its own chunk."""
    parts = urlsplit(url)
    head = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}")
    edges = [0, *sorted(c for c in cuts if 0 < c < len(body)), len(body)]
    pieces = [body[a:b] for a, b in pairwise(edges)]
    if chunked:
        pieces = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        for piece in pieces:
            time.sleep(pause)  # the writes are what is tested, not a synchronisation
            sock.sendall(piece)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status_line, _, rest = reply.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: compared before and after to prove that refused
    requests changed nothing."""
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        dump = {}
        for table in sorted(tables):
            rows = (await conn.execute(text(f'SELECT * FROM "{table}"'))).all()
            dump[table] = sorted(tuple(map(repr, row)) for row in rows)
    return dump
