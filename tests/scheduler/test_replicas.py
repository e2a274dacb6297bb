"""Senders on every replica (PostgreSQL): each DM exactly once, the workspace's limit kept by
all of them together, a 429's pause seen by all, and only a gone sender's claims released."""

from __future__ import annotations

import asyncio
import bisect
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from adapters.slack.port import SlackPort
from bot.enums import DeliveryState
from bot.pulse.budget import pause
from bot.pulse.outbox import claim_due, mark_sending, recover_abandoned
from bot.store.db import Database
from bot.store.models import Delivery
from scheduler.jobs import TickReport
from scheduler.lease import SenderLease
from scheduler.sender import send_due
from tests.conftest import BACKEND, make_world
from tests.fakes.slack_api import FakeSlackApi

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql", reason="SQLite runs one sending process; replicas need PostgreSQL"
)
PEOPLE = 240
RATE = 40.0  # the workspace's posts per second, enforced by the stand-in
OPEN = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # the round opens and enrols; nobody due
DUE = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)  # 10:00 UTC: everyone is due


async def _enrolled(db: Database) -> None:
    rows = "email,name,department,timezone,slack_user_id\n" + "".join(
        f"p{i}@example.com,P {i},Dept {i % 6},UTC,U{i:04d}\n" for i in range(PEOPLE)
    )
    world = await make_world(db, rows)
    await world.tick(OPEN)


def _slack(api: FakeSlackApi) -> SlackPort:
    """Each replica's own port, paced in its process at the full rate: alone, three of them
    would post three times the limit."""
    client = AsyncWebClient(token="xoxb-test", base_url=api.api_url, retry_handlers=[])
    return SlackPort(client, send_rate=RATE)


def _most_in_any_window(times: list[float], seconds: float) -> int:
    ordered = sorted(times)
    return max(bisect.bisect_left(ordered, t + seconds) - i for i, t in enumerate(ordered))


async def test_three_replicas_share_the_workspace_limit(database_url: str) -> None:
    api = await FakeSlackApi(latency=0.002, workspace_rate=RATE).start()
    replicas = [Database(database_url) for _ in range(3)]
    try:
        await _enrolled(replicas[0])
        reports = [TickReport() for _ in replicas]
        await asyncio.gather(
            *(
                send_due(db, now=DUE, ports={"slack": _slack(api)}, report=report)
                for db, report in zip(replicas, reports, strict=True)
            )
        )
        async with replicas[0].session() as session:
            states = set((await session.exec(select(Delivery.state))).all())
    finally:
        for db in replicas:
            await db.dispose()
        await api.stop()
    assert all(r.sent > 0 for r in reports), f"every replica sent: {reports}"
    assert sum(r.sent for r in reports) == PEOPLE
    assert sorted(api.delivered) == sorted(f"U{i:04d}" for i in range(PEOPLE)), "each once"
    assert states == {DeliveryState.SENT}
    assert api.limited == 0, "the stand-in never had to refuse a post"
    for seconds in (1.0, 2.0, 4.0):  # the limit over each window, plus the stand-in's burst
        most = _most_in_any_window(api.delivered_at, seconds)
        assert most <= RATE * seconds + api.burst, (seconds, most)


async def test_a_pause_recorded_by_one_replica_stops_the_others(database_url: str) -> None:
    api = await FakeSlackApi().start()
    first, second = Database(database_url), Database(database_url)
    try:
        await _enrolled(first)
        async with first.session() as session:  # as the first replica does on a 429
            await pause(session, scope="pause:slack:", until=DUE + timedelta(seconds=30))
        report = TickReport()
        await send_due(second, now=DUE, ports={"slack": _slack(api)}, report=report)
        async with second.session() as session:
            due = set((await session.exec(select(Delivery.due_at))).all())
    finally:
        await first.dispose()
        await second.dispose()
        await api.stop()
    assert api.of("chat.postMessage") == [] and report.sent == 0
    assert report.deferred == PEOPLE
    assert {d.astimezone(UTC) for d in due} == {DUE + timedelta(seconds=30)}


async def test_a_new_leader_releases_only_the_claims_of_senders_that_are_gone(
    database_url: str,
) -> None:
    live_db, dead_db = Database(database_url), Database(database_url)
    live, dead = SenderLease(live_db), SenderLease(dead_db)
    try:
        await _enrolled(live_db)
        async with live_db.session() as session:
            ours = await claim_due(session, now=DUE, limit=10, owner=await live.hold())
            theirs = await claim_due(session, now=DUE, limit=10, owner=await dead.hold())
            assert await mark_sending(session, delivery=theirs[0])
        await dead._connection.invalidate()  # type: ignore[union-attr]  # the process dies
        dead._connection = None
        async with live_db.session() as session:
            requeued, in_doubt = await recover_abandoned(session)
            states = dict((await session.exec(select(Delivery.id, Delivery.state))).all())
            # The live sender still sends what it claimed; the dead one's row is not resent.
            assert await mark_sending(session, delivery=ours[0])
            taken_over = (await claim_due(session, now=DUE, limit=PEOPLE))[0]
            assert not await mark_sending(session, delivery=theirs[1])
    finally:
        await live.release()
        await live_db.dispose()
        await dead_db.dispose()
    assert (requeued, in_doubt) == (9, 1)
    assert {states[d.id] for d in ours} == {DeliveryState.CLAIMED}, "a live sender keeps its own"
    assert states[theirs[0].id] == DeliveryState.UNKNOWN
    assert {states[d.id] for d in theirs[1:]} == {DeliveryState.PENDING}
    assert taken_over.id == theirs[1].id, "re-claimed at the same instant, by someone else"
