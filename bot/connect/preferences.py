"""Who wants to be introduced: each person's `/pulse intros on|off`, and the default.

Default on for managers and leads (anyone someone reports to, from `manager_email`), off
for everyone else. Cross-team pairings take only people who said `on` themselves."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import IntroSetting, Person


async def leads(session: AsyncSession, *, tenant_id: int) -> set[int]:
    """People someone reports to."""
    rows = await session.exec(
        select(Person.manager_id).where(
            Person.tenant_id == tenant_id, col(Person.manager_id).is_not(None)
        )
    )
    return {m for m in rows.all() if m is not None}


async def choices(session: AsyncSession, *, person_ids: list[int]) -> dict[int, bool]:
    """The people's own choices (absent: never chose)."""
    if not person_ids:
        return {}
    rows = await session.exec(
        select(IntroSetting).where(col(IntroSetting.person_id).in_(person_ids))
    )
    return {r.person_id: r.enabled for r in rows.all()}


async def wants_intros(session: AsyncSession, *, person: Person) -> tuple[bool, bool]:
    """(on, chosen): whether the person is introduced, and whether they chose it themselves."""
    assert person.id is not None
    chosen = (await choices(session, person_ids=[person.id])).get(person.id)
    if chosen is not None:
        return chosen, True
    return person.id in await leads(session, tenant_id=person.tenant_id), False


async def set_intros(
    session: AsyncSession, *, person: Person, enabled: bool, now: datetime
) -> None:
    """Record the person's choice; the caller commits."""
    assert person.id is not None
    row = await session.get(IntroSetting, person.id)
    if row is None:
        session.add(IntroSetting(person_id=person.id, enabled=enabled, updated_at=now))
    else:
        row.enabled, row.updated_at = enabled, now
        session.add(row)
