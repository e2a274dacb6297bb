"""Composition: settings -> database -> bot -> ports. Used by the CLI and the server."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

from adapters.settings import ACCOUNT_COLUMNS, AppSettings
from bot.chat.handlers import Bot
from bot.people.tenancy import active_survey, default_tenant
from bot.ports import ChatPort, Clock, SystemClock
from bot.store.db import Database
from bot.store.models import Survey, Tenant

log = logging.getLogger("crosspulse")


@dataclass
class Runtime:
    settings: AppSettings
    db: Database
    bot: Bot
    ports: dict[str, ChatPort]

    async def tenant_and_survey(self, *, today: date | None = None) -> tuple[Tenant, Survey]:
        async with self.db.session() as session:
            tenant = await default_tenant(session, today=today or datetime.now(UTC).date())
            survey = await active_survey(session, tenant_id=tenant.id)
            await session.commit()
            return tenant, survey


async def build(
    settings: AppSettings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    ports: dict[str, ChatPort] | None = None,
    embedded: bool = False,
) -> Runtime:
    """`embedded`: the SQLite file is this process's alone (see `Database`)."""
    db = Database(settings.database_url, embedded=embedded)
    if migrate:
        await db.migrate(secret=settings.secret_bytes)
    bot = Bot(
        db=db,
        secret=settings.secret_bytes,
        clock=clock or SystemClock(),
        account_columns=ACCOUNT_COLUMNS,
    )
    return Runtime(settings=settings, db=db, bot=bot, ports=ports or {})


def parse_instant(value: str | None) -> datetime:
    """`--at` values: ISO-8601; a time without an offset is taken as UTC."""
    if value is None:
        return datetime.now(UTC)
    instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
