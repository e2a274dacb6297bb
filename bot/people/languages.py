"""Which language a person reads: their own choice (`/pulse language`), else their imported
(CSV) locale, else the locale their chat platform reports, else the organisation's default
(`survey set locale=...`), else English."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import choose_language
from bot.store.models import Person, Survey


def language_of(person: Person, *, organisation: str | None) -> str:
    return choose_language(person.language, person.locale, person.platform_locale, organisation)


async def organisation_language(session: AsyncSession, *, tenant_id: int) -> str | None:
    """The organisation's default language (its survey's `locale`), None when unset."""
    query = select(Survey.locale).where(Survey.tenant_id == tenant_id).order_by(Survey.id)
    return (await session.exec(query)).first()


async def reader_language(session: AsyncSession, person: Person) -> str:
    """The language to write to `person` in."""
    return language_of(
        person, organisation=await organisation_language(session, tenant_id=person.tenant_id)
    )


async def remember_platform_locale(
    session: AsyncSession, person: Person, locale: str | None
) -> None:
    """Keep the locale a platform reports for the person (e.g. on each incoming activity);
    written only when it changed, so a busy chat costs no writes."""
    if locale and person.platform_locale != locale[:35]:
        person.platform_locale = locale[:35]
        session.add(person)
        await session.commit()
