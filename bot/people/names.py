"""The organisation's names, for scrubbing comments as they arrive (kept per database and
tenant, rebuilt when people are added, renamed or removed; checked at most every 30 s, since
counting a big directory on every answer would cost more than the rest of the answer)."""

from __future__ import annotations

import time

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.people.scrub import NameIndex
from bot.store.models import Person

CHECK_EVERY = 30.0  # seconds
_cache: dict[tuple[str, int], tuple[float, tuple, NameIndex]] = {}


async def name_index(session: AsyncSession, *, tenant_id: int) -> NameIndex:
    """The cached index; a version query (count, last update) checks it is current."""
    key = (str(session.bind.url) if session.bind else "", tenant_id)
    cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < CHECK_EVERY:
        return cached[2]
    mine = Person.tenant_id == tenant_id
    version = tuple(
        (await session.exec(select(func.count(), func.max(Person.updated_at)).where(mine))).one()
    )
    if cached is not None and cached[1] == version:
        _cache[key] = (time.monotonic(), version, cached[2])
        return cached[2]
    index = NameIndex((await session.exec(select(Person.name).where(mine))).all())
    _cache[key] = (time.monotonic(), version, index)
    return index


async def scrub_comment(session: AsyncSession, *, tenant_id: int, text: str) -> str:
    return (await name_index(session, tenant_id=tenant_id)).scrub(text)
