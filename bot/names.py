"""The organisation's names, for scrubbing comments as they arrive (kept per database and
tenant, rebuilt when people are added, renamed or removed)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Person
from bot.scrub import NameIndex

_cache: dict[tuple[str, int], tuple[tuple, NameIndex]] = {}


async def name_index(session: AsyncSession, *, tenant_id: int) -> NameIndex:
    """One cheap query checks the cached index is current; a change rebuilds it."""
    mine = Person.tenant_id == tenant_id
    version = tuple(
        (await session.exec(select(func.count(), func.max(Person.updated_at)).where(mine))).one()
    )
    key = (str(session.bind.url) if session.bind else "", tenant_id)
    cached = _cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    index = NameIndex((await session.exec(select(Person.name).where(mine))).all())
    _cache[key] = (version, index)
    return index


async def scrub_comment(session: AsyncSession, *, tenant_id: int, text: str) -> str:
    return (await name_index(session, tenant_id=tenant_id)).scrub(text)
