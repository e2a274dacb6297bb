"""One scheduler leader across replicas.

PostgreSQL: a session-level advisory lock held on a dedicated connection; if the leader dies,
its connection closes, the lock is released, and the next follower to try takes over (every
tick interval). SQLite: one process only; a second `serve` on the same file is refused with a
clear message, since SQLite cannot coordinate replicas.
"""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.pulse.outbox import recover_abandoned
from bot.store.db import Database

log = logging.getLogger("crosspulse.scheduler")
LOCK_KEY = 0x43_50_55_4C_53_45  # "CPULSE"


class SecondProcessError(RuntimeError):
    """Another `serve` already runs on this SQLite file."""


class Leader:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: AsyncConnection | None = None
        self._file = None

    async def acquire(self) -> bool:
        """True while we are the leader; try again each interval when we are not."""
        if self.db.url.startswith("sqlite"):
            return await self._sqlite_lock()
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except Exception:
                log.warning("lost the leader connection; leadership released")
                self._connection = None
        connection = await self.db.engine.connect()
        got = (
            await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
        ).scalar()
        await connection.commit()
        if got:
            self._connection = connection
            log.info("this replica is the scheduler leader")
            await self._recover()
            return True
        await connection.close()
        return False

    async def _recover(self) -> None:
        """The previous leader is gone: its claims are abandoned, recover them now rather
        than after the stale-claim timeout."""
        async with self.db.session() as session:
            requeued, in_doubt = await recover_abandoned(session)
        if requeued or in_doubt:
            log.warning(
                "recovered after a stopped sender: %d queued again, %d in doubt (unknown)",
                requeued,
                in_doubt,
            )

    async def _sqlite_lock(self) -> bool:
        if self._file is not None:
            return True
        path = Path(self.db.url.split("///", 1)[1] + ".serve.lock")
        handle = path.open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise SecondProcessError(
                f"another `crosspulse serve` already runs on {path.with_suffix('')}; SQLite "
                "supports one process. Stop it, or use PostgreSQL (DATABASE_URL) for several "
                "replicas."
            ) from None
        self._file = handle
        await self._recover()
        return True

    async def release(self) -> None:
        if self._connection is not None:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY}
            )
            await self._connection.close()
            self._connection = None
        if self._file is not None:
            self._file.close()
            self._file = None
