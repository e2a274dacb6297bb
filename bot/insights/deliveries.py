"""Queue the weekly digest: who receives it (the executives) and when (their own local
digest time, once the week's round is closed and its figures final). The scheduler only
calls this; what is due lives in the outbox, unique per week and person."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind, Role, RoundState
from bot.pulse.schedule import iso_week, local_instant, parse_hhmm, week_monday
from bot.store.db import insert_unless_present
from bot.store.models import Delivery, Person, Round, Survey

DIGEST_GRACE = timedelta(days=2)  # a digest more than two days late is not worth sending


async def schedule_digests(session: AsyncSession, *, survey: Survey, now: datetime) -> int:
    """Queue last week's digest for each executive at their local digest time."""
    week = iso_week((now - timedelta(days=7)).date())
    states = set(
        (
            await session.exec(
                select(Round.state).where(Round.survey_id == survey.id, Round.week == week)
            )
        ).all()
    )
    if states != {RoundState.CLOSED}:
        return 0  # no round that week, or one still open: its figures are not final
    day = week_monday(week) + timedelta(days=7 + survey.digest_weekday)
    executives = (
        await session.exec(
            select(Person).where(
                Person.tenant_id == survey.tenant_id,
                Person.role == Role.EXECUTIVE,
                Person.active,
            )
        )
    ).all()
    queued = 0
    for person in executives:
        due = local_instant(day, parse_hhmm(survey.digest_time), person.timezone)
        if not due <= now < due + DIGEST_GRACE:
            continue
        queued += await insert_unless_present(  # False when already queued
            session,
            Delivery,
            tenant_id=survey.tenant_id,
            person_id=person.id,
            kind=DeliveryKind.DIGEST,
            idempotency_key=f"digest:{week}:{person.id}",
            week=week,
            due_at=due,
            closes_at=due + DIGEST_GRACE,
        )
    await session.commit()
    return queued
