"""Stored conversation references, for platforms that can only message people proactively
through a conversation they (or their team) opened with the bot."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.db import Database, insert_all_unless_present
from bot.models import ConversationRef, utcnow


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
        else:
            row.reference, row.reachable, row.updated_at = reference, True, utcnow()
        session.add(row)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()  # another replica stored it at the same moment


async def add_references(db: Database, *, platform: str, references: dict[str, dict]) -> int:
    """Store many people's references at once (a team's roster), each only where none is
    stored yet: a weaker reference (one that reaches them only through a team) must not
    replace one they gave us themselves. One statement; returns how many were new."""
    if not references:
        return 0
    now = utcnow()
    rows = [
        dict(platform=platform, user_id=user, reference=ref, reachable=True, updated_at=now)
        for user, ref in references.items()
    ]
    async with db.session() as session:
        added = await insert_all_unless_present(session, ConversationRef, rows)
        await session.commit()
        return added


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
    platform's `matches` recognises stops being used. Returns how many."""
    async with db.session() as session:
        rows = (
            await session.exec(
                select(ConversationRef).where(
                    ConversationRef.platform == platform, ConversationRef.reachable
                )
            )
        ).all()
        hit = [row for row in rows if matches(dict(row.reference))]
        for row in hit:
            row.reachable = False
            session.add(row)
        await session.commit()
        return len(hit)
