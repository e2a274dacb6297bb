"""Races and crashes around answers and sends: one answer kept whole, one DM per person."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from adapters.console.port import ConsolePort
from bot.messages import Message
from bot.ports import MessageRef, Recipient
from bot.pulse import sealing
from bot.store.db import Database
from bot.store.models import Participation, Response, SealedAnswer
from scheduler.jobs import tick
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import World

ALL_DUE = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York: everyone is due


async def _count(world: World, model, **where) -> int:  # type: ignore[no-untyped-def]
    async with world.db.session() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return (await session.exec(query)).one()


async def test_crash_while_recording_an_answer_keeps_nothing_and_the_answer_can_be_resent(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.tick(ALL_DUE)
    pulse = world.port.latest("eng1@example.com", "pulse").message
    answers = good_answers(pulse)

    def crash(self, content, *, round_id) -> bytes:  # type: ignore[no-untyped-def]
        raise ConnectionError("database went away mid-answer")

    with monkeypatch.context() as patch:
        patch.setattr(sealing.Sealer, "seal", crash)
        with pytest.raises(ConnectionError):
            await world.channel.act(
                "eng1@example.com", action="checkin", value=pulse.submit.value, answers=answers
            )
    assert await _count(world, Participation) == 0, "half an answer must not be kept"
    shown = await world.channel.act(
        "eng1@example.com", action="checkin", value=pulse.submit.value, answers=answers
    )
    assert shown[0].kind == "confirmation", shown[0].fallback_text
    assert await _count(world, Participation) == 1
    assert await _count(world, SealedAnswer) == 1
    await world.close_open_rounds()
    assert await _count(world, Response, item="enps") == 1


async def test_double_submit_of_the_follow_up_stores_one_rating(world: World) -> None:
    await world.tick(ALL_DUE)
    pulse = world.port.latest("eng1@example.com", "pulse").message
    sales = str((await world.person("sales0@example.com")).department_id)
    await world.channel.act(
        "eng1@example.com",
        action="checkin",
        value=pulse.submit.value,
        answers=good_answers(pulse, teams=[sales]),
    )

    async def rate() -> str:
        shown = await world.channel.act(
            "eng1@example.com",
            action="smoothness",
            value=pulse.submit.value,
            answers={f"smooth.{sales}": "2"},
        )
        return shown[0].title

    titles = await asyncio.gather(*(rate() for _ in range(4)))
    await world.close_open_rounds()
    assert await _count(world, Response, item="smoothness") == 1
    assert sorted(titles).count("Already answered") == 3


class HeldPort(ConsolePort):
    """A platform whose first send hangs until released: a sender stuck mid-batch."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, *, recipient: Recipient, message: Message) -> MessageRef:
        if not self.entered.is_set():
            self.entered.set()
            await self.release.wait()
        return await super().send(recipient=recipient, message=message)


async def test_a_stalled_sender_does_not_resend_what_a_later_tick_took_over(
    world: World,
) -> None:
    """Sender A hangs on its first DM for longer than the stale-claim limit; a later tick
    takes over A's batch; when A wakes it must not send the rows it lost."""
    port = HeldPort()
    stalled = asyncio.create_task(tick(world.db, now=ALL_DUE, ports={"console": port}))
    await port.entered.wait()
    later = await tick(world.db, now=ALL_DUE + timedelta(minutes=11), ports={"console": port})
    port.release.set()
    first = await stalled
    assert first.sent + later.sent == 17, (first, later)
    inboxes = {email: len(items) for email, items in port.inbox.items()}
    assert len(inboxes) == 17 and set(inboxes.values()) == {1}, inboxes


async def test_two_senders_on_one_database_send_each_dm_once(
    world: World, database_url: str
) -> None:
    await world.tick(datetime(2026, 11, 3, 6, 0, tzinfo=UTC))  # opens and enrols, sends none
    port = ConsolePort()
    replicas = [Database(database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(tick(r, now=ALL_DUE, ports={"console": port}) for r in replicas))
    finally:
        for replica in replicas:
            await replica.dispose()
    inboxes = {email: len(items) for email, items in port.inbox.items()}
    assert len(inboxes) == 17 and set(inboxes.values()) == {1}, inboxes
