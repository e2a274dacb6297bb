"""Stored conversation references, for platforms that can only message people proactively
through a conversation they (or their team) opened with the bot."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.store.db import Database, dialect_insert
from bot.store.models import ConversationRef, utcnow

CHUNK = 500  # ids per UPDATE: far below SQLite's and PostgreSQL's parameter limits


async def save_reference(db: Database, *, platform: str, user_id: str, reference: dict) -> None:
    async with db.session() as session:
        row = (
            await session.exec(
                select(ConversationRef).where(
                    ConversationRef.platform == platform, ConversationRef.user_id == user_id
                )
            )
        ).first()
        if row is None:
            row = ConversationRef(platform=platform, user_id=user_id, reference=reference)
        elif row.reference == reference and row.reachable:
            return  # unchanged: no write, so no time of this turn is kept under the person
        else:
            row.reference, row.reachable, row.updated_at = reference, True, utcnow()
        session.add(row)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()  # another replica stored it at the same moment


async def add_references(db: Database, *, platform: str, references: dict[str, dict]) -> int:
    """Store many people's references at once (a team's roster). A weaker reference (one
    that reaches them only through a team) never replaces a working one they gave us
    themselves, but does replace one that stopped working (an uninstalled personal app,
    a team the bot was removed from and added to again). One statement; returns how many
    were stored."""
    if not references:
        return 0
    now = utcnow()
    rows = [
        dict(platform=platform, user_id=user, reference=ref, reachable=True, updated_at=now)
        for user, ref in references.items()
    ]
    table = ConversationRef.__table__  # type: ignore[attr-defined]
    async with db.session() as session:
        connection = await session.connection()
        statement = dialect_insert(connection)(table).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.platform, table.c.user_id],
            set_={
                "reference": statement.excluded.reference,
                "reachable": True,
                "updated_at": now,
            },
            where=table.c.reachable.is_(False),
        ).returning(table.c.id)
        stored = len((await connection.execute(statement)).all())
        await session.commit()
        return stored


async def load_reference(db: Database, *, platform: str, user_id: str) -> dict | None:
    async with db.session() as session:
        row = (
            await session.exec(
                select(ConversationRef).where(
                    ConversationRef.platform == platform,
                    ConversationRef.user_id == user_id,
                    ConversationRef.reachable,
                )
            )
        ).first()
        return dict(row.reference) if row else None


async def mark_unreachable(db: Database, *, platform: str, user_id: str) -> None:
    """Uninstalled or blocked (403): stop trying until they talk to the bot again."""
    async with db.session() as session:
        row = (
            await session.exec(
                select(ConversationRef).where(
                    ConversationRef.platform == platform, ConversationRef.user_id == user_id
                )
            )
        ).first()
        if row is not None:
            row.reachable = False
            session.add(row)
            await session.commit()


async def mark_unreachable_where(
    db: Database, *, platform: str, matches: Callable[[dict], bool]
) -> int:
    """Uninstalled from a place many references go through (a team): every reference the
    platform's `matches` recognises stops being used. One guarded UPDATE: a reference
    stored again while this ran (someone just opened a chat) is left alone."""
    read_at = utcnow()
    async with db.session() as session:
        rows = (
            await session.exec(
                select(ConversationRef.id, ConversationRef.reference).where(
                    ConversationRef.platform == platform, ConversationRef.reachable
                )
            )
        ).all()
        hit = [row_id for row_id, reference in rows if matches(dict(reference))]
        marked = 0
        for start in range(0, len(hit), CHUNK):  # bound each statement's parameter list
            result = await session.exec(
                update(ConversationRef)
                .where(
                    col(ConversationRef.id).in_(hit[start : start + CHUNK]),
                    col(ConversationRef.updated_at) <= read_at,
                )
                .values(reachable=False)
            )
            marked += result.rowcount
        await session.commit()
        return marked
