"""A send budget shared by every replica (PostgreSQL): the platform's limits hold with N senders.

Each rate limit of each scope is one `send_budget` row holding a GCRA theoretical arrival
time. Taking a turn is one atomic `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`: it
reserves the next slot and says how long to wait for it, so senders never race or retry, and
the database's clock (not each replica's) spaces the sends. A 429's pause of a scope is kept
in the same table, so every replica stops sending there, not only the one that was refused.

The sender installs a `SharedBudget` for its drain (`shared_budget`); the adapters' pacers
use it when present and their in-process limiter otherwise (SQLite: one process).
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.db import Database

RETRY_SECONDS = 30  # how long a turn waits for a lost database before giving up

_TAKE = text(
    """
    INSERT INTO send_budget AS b (scope, ready_at)
    VALUES (:scope, statement_timestamp() + :span)
    ON CONFLICT (scope) DO UPDATE
    SET ready_at = GREATEST(COALESCE(b.ready_at, statement_timestamp()), statement_timestamp())
                   + :span
    RETURNING EXTRACT(EPOCH FROM b.ready_at - :span - :tolerance - statement_timestamp())
    """
)
_NO_FLUSH = text("SET LOCAL synchronous_commit TO OFF")
_PAUSE = text(
    """
    INSERT INTO send_budget AS b (scope, paused_until) VALUES (:scope, :until)
    ON CONFLICT (scope) DO UPDATE
    SET paused_until = GREATEST(COALESCE(b.paused_until, :until), :until)
    """
)
_PAUSED = text("SELECT paused_until FROM send_budget WHERE scope = :scope")


class SharedBudget:
    """The database's budget, as the pacers see it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def reserve(self, *, scope: str, rate: float, burst: int, count: int = 1) -> list[float]:
        """Reserve the next `count` sends of this scope at `rate` per second (bursts of
        `burst`): seconds from now until each may go (0: at once). The slots are ours once
        this returns; a slot not used is only lost."""
        spacing = timedelta(seconds=1 / rate)
        values = {"scope": scope, "span": spacing * count, "tolerance": spacing * (burst - 1)}
        delay, deadline = 0.25, time.monotonic() + RETRY_SECONDS
        while True:
            try:
                async with self.db.session() as session:
                    connection = await session.connection()
                    # The row is every replica's: hold its lock for the UPDATE, not for a WAL
                    # flush too. A reservation lost in a crash only frees a slot early.
                    await connection.execute(_NO_FLUSH)
                    first = float((await connection.execute(_TAKE, values)).scalar_one())
                    await session.commit()
                return [max(0.0, first + i / rate) for i in range(count)]
            except (OperationalError, InterfaceError):
                if time.monotonic() + delay > deadline:
                    raise
                await asyncio.sleep(delay)  # the database restarts: try on a new connection
                delay = min(delay * 2, 5.0)


shared_budget: ContextVar[SharedBudget | None] = ContextVar("shared_budget", default=None)


async def pause(session: AsyncSession, *, scope: str, until: datetime) -> None:
    """Every replica's sender stops sending in `scope` until `until` (a 429's Retry-After)."""
    connection = await session.connection()
    await connection.execute(_PAUSE, {"scope": scope, "until": until})
    await session.commit()


async def paused_until(session: AsyncSession, *, scope: str) -> datetime | None:
    connection = await session.connection()
    return (await connection.execute(_PAUSED, {"scope": scope})).scalar_one_or_none()
