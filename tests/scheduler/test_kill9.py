"""kill -9 in the middle of a fan-out, then a restart: nobody is DM'd twice, and everyone is
either DM'd or (the few messages in flight at the kill) marked unknown."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from bot.people.org import import_rows
from bot.people.tenancy import default_tenant
from bot.store.db import Database
from bot.store.models import Delivery, PlatformIdentity
from scheduler.sender import WORKERS_PER_SCOPE
from tests.conftest import BACKEND, SECRET, parse_org
from tests.fakes.slack_api import FakeSlackApi

CROSSPULSE = str(Path(sys.executable).parent / "crosspulse")
PEOPLE = 1000


async def _tick(env: dict, at: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        CROSSPULSE,
        "tick",
        "--at",
        at,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _organisation(database_url: str, api: FakeSlackApi) -> tuple[Database, dict]:
    """PEOPLE people on Slack in London, and the environment for `crosspulse tick`."""
    db = Database(database_url)
    rows = "email,name,department,timezone,slack_user_id\n" + "".join(
        f"p{i}@example.com,P {i},Dept {i % 6},Europe/London,U{i:04d}\n" for i in range(PEOPLE)
    )
    async with db.session() as session:
        tenant = await default_tenant(session, today=date(2026, 11, 2))
        await import_rows(session, tenant_id=tenant.id, rows=parse_org(rows), actor="test")
        await session.commit()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": api.api_url,
        "CROSSPULSE_SECRET": SECRET.decode(),
        "SLACK_SEND_RATE": "1000",  # pacing is bench/fanout.py's subject, not this test's
    }
    return db, env


async def test_kill_9_mid_fan_out_then_restart(database_url: str) -> None:
    api = await FakeSlackApi(latency=0.005).start()
    db, env = await _organisation(database_url, api)
    try:
        first = await _tick(env, "2026-11-03T10:00:00+00:00")
        await api.wait_for("chat.postMessage", PEOPLE // 2, timeout=120)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        assert first.returncode == -signal.SIGKILL
        killed_at = len(api.of("chat.postMessage"))
        assert killed_at < PEOPLE, "the kill landed mid fan-out"
        # Right away: the restarted sender takes the leader lock, so the dead one's claims
        # are recovered at once, not after the 10-minute stale-claim limit.
        second = await _tick(env, "2026-11-03T10:00:30+00:00")
        assert await second.wait() == 0
        channels = [p["channel"] for p in api.of("chat.postMessage")]
        async with db.session() as session:
            states = dict(
                (
                    await session.exec(
                        select(PlatformIdentity.external_id, Delivery.state).join(
                            Delivery, Delivery.person_id == PlatformIdentity.person_id
                        )
                    )
                ).all()
            )
    finally:
        await db.dispose()
        await api.stop()
    assert len(channels) == len(set(channels)), "nobody was DM'd twice"
    unknown = {user for user, state in states.items() if state == "unknown"}
    assert len(unknown) <= WORKERS_PER_SCOPE, "at most the messages in flight are in doubt"
    assert set(channels) | unknown == set(states), "nobody was skipped"
    assert {states[c] for c in channels} <= {"sent", "unknown"}


@pytest.mark.skipif(
    BACKEND != "postgresql", reason="SQLite runs one process; replicas need PostgreSQL"
)
async def test_three_replicas_send_exactly_one_dm_each(database_url: str) -> None:
    api = await FakeSlackApi(latency=0.002).start()
    db, env = await _organisation(database_url, api)
    try:
        replicas = [await _tick(env, "2026-11-03T10:00:00+00:00") for _ in range(3)]
        codes = [await replica.wait() for replica in replicas]
        channels = [p["channel"] for p in api.of("chat.postMessage")]
    finally:
        await db.dispose()
        await api.stop()
    assert codes == [0, 0, 0]
    assert len(channels) == PEOPLE and len(set(channels)) == PEOPLE
