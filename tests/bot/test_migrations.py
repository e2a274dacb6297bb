"""Migrations: 0002 backfills the rollup from answers stored before it existed."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlmodel import select

from bot.db import Database, alembic_config
from bot.models import WeeklyRollup
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import World


def _to(revision: str, downgrade: bool = False):  # type: ignore[no-untyped-def]
    def run(sync_conn) -> None:  # type: ignore[no-untyped-def]
        config = alembic_config()
        config.attributes["connection"] = sync_conn
        (command.downgrade if downgrade else command.upgrade)(config, revision)

    return run


async def test_rollup_backfill_matches_live_rollup(world: World, db: Database) -> None:
    await world.tick(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    for email in ("eng1@example.com", "sales2@example.com", "legal0@example.com"):
        item = world.port.latest(email, "pulse")
        await world.channel.act(
            email,
            action="checkin",
            value=item.message.submit.value,
            answers=good_answers(item.message),
        )
    async with db.session() as session:
        live = sorted(
            (r.week, r.department_id, r.item, r.target, r.n, r.total, r.sumsq)
            for r in (await session.exec(select(WeeklyRollup))).all()
        )
    async with db.engine.begin() as conn:
        await conn.run_sync(_to("0001", downgrade=True))
        await conn.run_sync(_to("head"))
    async with db.session() as session:
        backfilled = sorted(
            (r.week, r.department_id, r.item, r.target, r.n, r.total, r.sumsq)
            for r in (await session.exec(select(WeeklyRollup))).all()
        )
    assert live and backfilled == live
