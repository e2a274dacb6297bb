"""Opting out and in, erasure, retention: the person's and the law's rights over data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit, rollup
from bot.enums import DeliveryState
from bot.models import (
    Comment,
    Delivery,
    Kudos,
    Participation,
    Person,
    Response,
    WeeklyRollup,
)
from bot.pseudonym import respondent_key
from bot.schedule import iso_week


async def set_opted_out(session: AsyncSession, *, person: Person, opted_out: bool) -> None:
    person.opted_out = opted_out
    session.add(person)
    if opted_out:
        await session.exec(
            update(Delivery)
            .where(Delivery.person_id == person.id, Delivery.state == DeliveryState.PENDING)
            .values(state=DeliveryState.CANCELLED, last_error="opted out")
        )
    audit.record(
        session,
        tenant_id=person.tenant_id,
        actor=f"person:{person.id}",
        action="person.opt_out" if opted_out else "person.opt_in",
    )
    await session.commit()


async def erase_person(session: AsyncSession, *, person: Person, secret: bytes, actor: str) -> None:
    """Delete the person and everything stored under them or their pseudonym."""
    key = respondent_key(secret=secret, salt=person.pseudonym_salt)
    person_id, tenant_id = person.id, person.tenant_id
    weeks = set(
        await session.exec(select(Response.week).where(Response.respondent == key).distinct())
    )
    weeks |= {
        w
        for w in await session.exec(
            select(Delivery.week).where(Delivery.person_id == person_id).distinct()
        )
        if w
    }
    await session.exec(delete(Response).where(Response.respondent == key))
    await session.exec(delete(Comment).where(Comment.respondent == key))
    await session.exec(delete(Participation).where(Participation.person_id == person_id))
    await session.exec(delete(Delivery).where(Delivery.person_id == person_id))
    await session.exec(
        delete(Kudos).where(or_(Kudos.from_person_id == person_id, Kudos.to_person_id == person_id))
    )
    await session.exec(update(Person).where(Person.manager_id == person_id).values(manager_id=None))
    await session.exec(delete(Person).where(Person.id == person_id))
    await rollup.rebuild(session, tenant_id=tenant_id, weeks=weeks)
    audit.record(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="person.erased",
        person_id=person_id,
    )
    await session.commit()


async def enforce_retention(
    session: AsyncSession, *, tenant_id: int, weeks: int, now: datetime
) -> int:
    """Delete answers and kudos older than the retention period; returns rows deleted."""
    cutoff = iso_week((now - timedelta(weeks=weeks)).date())
    deleted = 0
    for table in (Response, Comment):
        result = await session.exec(
            delete(table).where(table.tenant_id == tenant_id, col(table.week) < cutoff)
        )
        deleted += result.rowcount or 0
    result = await session.exec(
        delete(Kudos).where(Kudos.tenant_id == tenant_id, col(Kudos.week) < cutoff)
    )
    deleted += result.rowcount or 0
    await session.exec(
        delete(WeeklyRollup).where(
            WeeklyRollup.tenant_id == tenant_id, col(WeeklyRollup.week) < cutoff
        )
    )
    if deleted:
        audit.record(
            session,
            tenant_id=tenant_id,
            actor="scheduler",
            action="retention.deleted",
            rows=deleted,
            before_week=cutoff,
        )
    await session.commit()
    return deleted
