"""First-seen checks for platform requests, held in the database so every replica agrees."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.store.db import Database
from bot.store.models import SeenRequest

KEEP = timedelta(minutes=10)  # longer than a platform's 5-minute replay window and its retries


async def first_time(db: Database, *, key: str, now: datetime) -> bool:
    """True the first time `key` is seen; False for a retry or a replay."""
    async with db.session() as session:
        session.add(SeenRequest(key=key[:200], seen_at=now))
        try:
            await session.commit()
        except IntegrityError:
            return False
    return True


async def prune(db: Database, *, now: datetime) -> None:
    async with db.session() as session:
        await session.exec(delete(SeenRequest).where(col(SeenRequest.seen_at) < now - KEEP))
        await session.commit()
