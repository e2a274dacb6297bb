"""A sender's identity on PostgreSQL: a session advisory lock that lives as long as it does.

Claims carry the id (`delivery.claimed_by`). While the sender's connection lives, the lock is
held and its claims are left alone; when the process dies, PostgreSQL closes the connection
and drops the lock, so a new leader sees at once which claims are a dead sender's
(`bot.pulse.outbox.recover_abandoned`), without heartbeats or timeouts. On SQLite (one process)
there is no lease and claims carry no owner.
"""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.pulse.outbox import SENDER_LOCK_CLASS
from bot.store.db import Database

log = logging.getLogger("crosspulse.scheduler")


class SenderLease:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.id: int | None = None
        self._connection: AsyncConnection | None = None

    async def hold(self) -> int | None:
        """Our sender id, with its lock held (taken again after a lost connection); None on
        SQLite. Raises the database's error when it cannot be reached."""
        if not self.db.url.startswith("postgresql"):
            return None
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return self.id
            except Exception:
                log.warning("lost the sender lease connection; taking the lease again")
                await self._connection.invalidate()
                self._connection = None
        connection = await self.db.engine.connect()
        try:
            # The same id again after a lost connection, so our claims stay ours; a new one
            # only if someone took it meanwhile (then our old claims are released, unsent).
            candidates = [self.id] if self.id is not None else []
            for sender_id in [*candidates, *(secrets.randbelow(2**31 - 1) + 1 for _ in range(8))]:
                got = (
                    await connection.execute(
                        text("SELECT pg_try_advisory_lock(:cls, :id)"),
                        {"cls": SENDER_LOCK_CLASS, "id": sender_id},
                    )
                ).scalar()
                await connection.commit()
                if got:
                    self.id, self._connection = sender_id, connection
                    return sender_id
        except BaseException:
            await connection.close()
            raise
        await connection.close()
        raise RuntimeError("no free sender id")  # 8 random 31-bit ids all taken: not expected

    async def release(self) -> None:
        """Unlock before the connection goes back to the pool (a pooled session would keep
        the lock, and our finished claims would look alive)."""
        if self._connection is None:
            return
        try:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:cls, :id)"),
                {"cls": SENDER_LOCK_CLASS, "id": self.id},
            )
            await self._connection.commit()
            await self._connection.close()
        except Exception:
            await self._connection.invalidate()
        self._connection = None
