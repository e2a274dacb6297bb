"""/metrics switched off, on, and behind a token; /healthz and /readyz with the database up,
down and behind on migrations, and with the scheduler leader here, elsewhere or nowhere. Real
HTTP over loopback into the server's app, on the backend under test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import text

from adapters.runtime import Runtime, build
from adapters.server import make_app
from adapters.settings import load_settings
from bot.store.db import Database
from scheduler.leader import Leader
from tests.conftest import BACKEND

Get = Callable[..., Awaitable[tuple[int, dict | str, dict]]]


@asynccontextmanager
async def serving(
    database_url: str, *, leader: bool = False, migrate: bool = True, **settings: object
) -> AsyncIterator[tuple[Get, Runtime]]:
    """The app on a loopback port, and a GET that returns status, body and headers."""
    runtime = await build(load_settings(database_url=database_url, **settings), migrate=migrate)
    app = make_app(runtime, leader=Leader(runtime.db) if leader else None)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http:

        async def get(path: str, **headers: str) -> tuple[int, dict | str, dict]:
            async with http.get(f"http://127.0.0.1:{port}{path}", headers=headers) as response:
                json_body = response.content_type == "application/json"
                body = await (response.json() if json_body else response.text())
                return response.status, body, {k.lower(): v for k, v in response.headers.items()}

        try:
            yield get, runtime
        finally:
            await runner.cleanup()
            await runtime.db.dispose()


async def test_metrics_are_off_unless_switched_on(database_url: str) -> None:
    async with serving(database_url) as (get, _):
        assert (await get("/metrics"))[0] == 404
    async with serving(database_url, metrics=True) as (get, _):
        status, body, headers = await get("/metrics")
        assert status == 200 and headers["content-type"].startswith("text/plain")
        assert "crosspulse_deliveries_total" in body or "# HELP crosspulse_deliveries" in body


async def test_metrics_token_is_required_when_set(database_url: str) -> None:
    token = "a-long-metrics-token-for-tests"
    async with serving(database_url, metrics=True, metrics_token=token) as (get, _):
        assert (await get("/metrics"))[0] == 401
        assert (await get("/metrics", Authorization="Bearer wrong"))[0] == 401
        assert (await get("/metrics", Authorization=token))[0] == 401, "the scheme is needed"
        status, body, _ = await get("/metrics", Authorization=f"Bearer {token}")
        assert status == 200 and "crosspulse_outbox_deliveries" in body


async def test_health_and_readiness_with_the_database_up(database_url: str) -> None:
    async with serving(database_url) as (get, _):
        status, body, headers = await get("/readyz", **{"X-Request-Id": "lb-probe-1"})
        assert (status, body) == (
            200,
            {"status": "ready", "database": "ok", "migrations": "at head"},
        )
        assert headers["x-request-id"] == "lb-probe-1", "a proxy's request id is kept"
        status, _, headers = await get("/healthz", **{"X-Request-Id": 'bad id "forged"'})
        assert status == 200 and headers["x-request-id"] != 'bad id "forged"'


async def test_readiness_waits_for_migrations(database_url: str) -> None:
    async with serving(database_url) as (get, runtime):
        async with runtime.db.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        assert (await get("/healthz"))[0] == 200, "the database answers"
        status, body, _ = await get("/readyz")
        assert (status, body["migrations"]) == (503, "not at head")


def _unreachable(tmp_path: Path) -> str:
    if BACKEND == "postgresql":
        return "postgresql+psycopg://postgres@127.0.0.1:1/nothing_listens_here"
    return f"sqlite+aiosqlite:///{tmp_path}/no/such/directory/crosspulse.db"


async def test_health_and_readiness_with_the_database_down(tmp_path: Path) -> None:
    async with serving(_unreachable(tmp_path), migrate=False, leader=True) as (get, _):
        status, body, _ = await get("/healthz")
        assert (status, body) == (503, {"status": "unhealthy", "database": "unreachable"})
        status, body, _ = await get("/readyz")
        assert (status, body) == (503, {"status": "not ready", "database": "unreachable"})


async def test_health_counts_another_replicas_leadership(database_url: str) -> None:
    async with serving(database_url, leader=True) as (get, _):
        status, body, _ = await get("/healthz")
        assert (status, body["status"], body["scheduler"]) == (503, "degraded", "no leader")
        other = Database(database_url)  # another replica's connections and lock
        elsewhere = Leader(other)
        try:
            assert await elsewhere.acquire()
            status, body, _ = await get("/healthz")
            assert (status, body["scheduler"]) == (200, "another replica leads")
        finally:
            await elsewhere.release()
            await other.dispose()
        assert (await get("/healthz"))[0] == 503, "the leader left and nobody took over"


async def test_health_when_this_replica_leads(database_url: str) -> None:
    runtime = await build(load_settings(database_url=database_url))
    leader = Leader(runtime.db)
    assert await leader.acquire()
    runner = web.AppRunner(make_app(runtime, leader=leader))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
            assert (await response.json())["scheduler"] == "this replica leads"
    finally:
        await runner.cleanup()
        await leader.release()
        await runtime.db.dispose()
