"""What an operator sees of the HTTP server: a request id per inbound request (a context
variable, so the request's log lines carry it), request counts and latency by route, and
`GET /metrics` in Prometheus' text format (`bot.telemetry` holds the counters).

Route labels are the route's template (`/slack/events`), or `unmatched` for any path no route
serves, so a scanner's random paths cannot grow the label set.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func
from sqlmodel import select

from bot.enums import DeliveryKind, DeliveryState
from bot.logcontext import request_id, workspace
from bot.store.db import Database
from bot.store.models import Delivery
from bot.telemetry import HTTP_REQUESTS, HTTP_SECONDS, LAST_SENT, OUTBOX, REGISTRY

log = logging.getLogger("crosspulse.server")
# A proxy's id is kept when it looks like one (no spaces or quotes to forge log lines with).
_GIVEN_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request id in, `X-Request-Id` out; the request counted by route, method and status.
    The id stays set after the response (each connection is its own task, and the next
    request sets its own), so aiohttp's access log line carries it too, and the workspace or
    tenant the handler set."""
    given = request.headers.get("X-Request-Id", "")
    rid = given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
    request_id.set(rid)
    workspace.set(None)  # the platform's handler names it once the request is authenticated
    resource = request.match_info.route.resource
    endpoint = resource.canonical if resource is not None else "unmatched"
    started, status = time.perf_counter(), 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-Id"] = rid
        return response
    except web.HTTPException as exc:
        status = exc.status
        exc.headers["X-Request-Id"] = rid
        raise
    finally:
        HTTP_REQUESTS.labels(endpoint=endpoint, method=request.method, status=str(status)).inc()
        HTTP_SECONDS.labels(endpoint=endpoint).observe(time.perf_counter() - started)


class PathAccessLogger(AbstractAccessLogger):
    """The access log without the query string: aiohttp's default format logs the request
    line whole, and an OAuth callback's query holds a one-time `code` and the `state`. The
    raw (still percent-encoded) path, so a decoded newline cannot forge a line."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %s %.1fms',
            request.remote,
            request.method,
            request.rel_url.raw_path,
            response.status,
            response.body_length,
            time * 1000,
        )


def metrics_handler(db: Database, *, token: str | None) -> Handler:
    """`GET /metrics`; with a token, only for `Authorization: Bearer <token>` (compared in
    constant time), else 401."""
    expected = f"Bearer {token}".encode() if token else None

    async def metrics(request: web.Request) -> web.Response:
        if expected is not None:
            given = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return web.Response(
                    status=401,
                    text="401: a bearer token (METRICS_TOKEN) is required\n",
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        await refresh(db)
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    return metrics


async def refresh(db: Database) -> None:
    """The gauges read from the database: the outbox by state, the last send of each kind.
    A database that does not answer leaves them as they were (and /healthz says so)."""
    try:
        async with db.session() as session:
            depth = dict(
                (
                    await session.exec(
                        select(Delivery.state, func.count()).group_by(Delivery.state)
                    )
                ).all()
            )
            last = dict(
                (
                    await session.exec(
                        select(Delivery.kind, func.max(Delivery.sent_at))
                        .where(Delivery.state == DeliveryState.SENT)
                        .group_by(Delivery.kind)
                    )
                ).all()
            )
    except Exception as exc:
        log.warning("metrics: the database did not answer (%s)", type(exc).__name__)
        return
    for state in DeliveryState:
        OUTBOX.labels(state=state.value).set(depth.get(state.value, 0))
    for kind in DeliveryKind:
        if (at := last.get(kind.value)) is not None:
            LAST_SENT.labels(kind=kind.value).set(_timestamp(at))


def _timestamp(at: datetime) -> float:
    """Stored instants are UTC; SQLite gives them back without an offset."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()
