"""The person's and the law's rights over tour answers: erasure takes a person's sealed
sheets of open tours; retention takes published answers older than the survey's period."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.listening.sheets import sheet_sealer
from bot.listening.tours import OPEN
from bot.pulse.schedule import iso_week
from bot.store.models import ListeningAnswer, ListeningSheet, ListeningTour, Person


async def erase_sheets(session: AsyncSession, *, person: Person, secret: bytes) -> None:
    """Before a person is erased: their sealed sheets of open tours go (published answers
    stay, as comments do: they carry no link to anyone)."""
    sealer = sheet_sealer(secret)
    tours = (
        await session.exec(
            select(ListeningTour.id).where(
                ListeningTour.tenant_id == person.tenant_id, ListeningTour.state == OPEN
            )
        )
    ).all()
    ids = [sealer.row_id(tour_id=t, salt=person.pseudonym_salt) for t in tours]
    if ids:
        await session.exec(delete(ListeningSheet).where(col(ListeningSheet.id).in_(ids)))


async def enforce_tour_retention(
    session: AsyncSession, *, tenant_id: int, weeks: int, now: datetime
) -> int:
    """Answers of tours older than the retention period go, as comments do."""
    cutoff = iso_week((now - timedelta(weeks=weeks)).date())
    result = await session.exec(
        delete(ListeningAnswer).where(
            ListeningAnswer.tenant_id == tenant_id, col(ListeningAnswer.week) < cutoff
        )
    )
    await session.commit()
    return result.rowcount or 0
