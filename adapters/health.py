"""`/healthz` for monitoring and `/readyz` for load balancers.

`/healthz`: the database answers, and (in `serve`, which runs a scheduler) some replica holds
the scheduler leadership; this one or another, read from the lock itself
(`scheduler.leader.leader_alive`). 503 when either is missing: nothing is sent while no replica
leads. Not a liveness probe: a leaderless minute after a leader dies is normal, and restarting
replicas does not end it sooner.

`/readyz`: this replica can take traffic: the database answers and its schema is at the newest
migration (a replica of a newer release waits until `crosspulse migrate` has run).
"""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text

from adapters.ports import platform_summary
from adapters.runtime import Runtime
from bot.store.db import Database, head_revision
from scheduler.leader import Leader, leader_alive

log = logging.getLogger("crosspulse.server")
RUNTIME = web.AppKey("runtime", Runtime)
LEADER = web.AppKey("leader", Leader)


async def _database_answers(db: Database) -> bool:
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        return False
    return True


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    if not await _database_answers(runtime.db):
        return web.json_response({"status": "unhealthy", "database": "unreachable"}, status=503)
    body: dict[str, str] = {
        "status": "ok",
        "database": "ok",
        "platforms": platform_summary(runtime.settings),
    }
    ours = request.app.get(LEADER)
    if ours is None:  # no scheduler in this app (tests, embedded use)
        return web.json_response(body)
    try:
        alive = await leader_alive(runtime.db, ours=ours)
    except Exception:
        log.exception("health check: the scheduler leader could not be read")
        alive = False
    if not alive:
        body |= {"status": "degraded", "scheduler": "no leader"}
        return web.json_response(body, status=503)
    body["scheduler"] = "this replica leads" if ours.leads else "another replica leads"
    return web.json_response(body)


async def readyz(request: web.Request) -> web.Response:
    db = request.app[RUNTIME].db
    if not await _database_answers(db):
        return web.json_response({"status": "not ready", "database": "unreachable"}, status=503)
    try:
        version = await db.schema_version()
    except Exception:
        log.exception("readiness: the schema version could not be read")
        version = None
    if version != head_revision():
        body = {"status": "not ready", "database": "ok", "migrations": "not at head"}
        return web.json_response(body, status=503)
    return web.json_response({"status": "ready", "database": "ok", "migrations": "at head"})
