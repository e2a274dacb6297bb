"""Answers, and what surrounds them, older than the retention period are deleted by the
scheduler: responses, participation, finished deliveries, audit rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from bot.store.models import AuditLog, Delivery, Participation, Response
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import World


async def test_retention_deletes_old_answers(world: World) -> None:
    await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    item = world.port.latest("eng1@example.com", "pulse")
    await world.channel.act(
        "eng1@example.com",
        action="checkin",
        value=item.message.submit.value,
        answers=good_answers(item.message),
    )
    async with world.db.session() as session:
        survey = await world.survey()
        survey = await session.merge(survey)
        survey.retention_weeks = 4
        await session.commit()
    async with world.db.session() as session:
        for at in (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)):
            session.add(
                AuditLog(tenant_id=world.tenant_id, at=at, actor="test", action=f"old.{at:%m}")
            )
        await session.commit()
    await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC) + timedelta(weeks=3))
    async with world.db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Response))).one() > 0
        assert await _count(session, Participation, "2026-W45") == 1
        assert await _count(session, Delivery, "2026-W45") > 0
    await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC) + timedelta(weeks=5))
    async with world.db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Response))).one() == 0
        assert await _count(session, Participation, "2026-W45") == 0
        assert await _count(session, Delivery, "2026-W45") == 0
        actions = (await session.exec(select(AuditLog.action))).all()
    assert "retention.deleted" in actions
    assert "old.10" not in actions and "old.12" in actions


async def _count(session, model, week: str) -> int:  # type: ignore[no-untyped-def]
    return (await session.exec(select(func.count()).where(model.week == week))).one()
