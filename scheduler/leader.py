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
from bot.telemetry import LEADER

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
                LEADER.set(0)
        connection = await self.db.engine.connect()
        got = (
            await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
        ).scalar()
        await connection.commit()
        if got:
            self._connection = connection
            LEADER.set(1)
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
        LEADER.set(1)
        await self._recover()
        return True

    @property
    def leads(self) -> bool:
        return self._connection is not None or self._file is not None

    async def release(self) -> None:
        LEADER.set(0)
        if self._connection is not None:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY}
            )
            await self._connection.close()
            self._connection = None
        if self._file is not None:
            self._file.close()
            self._file = None


async def leader_alive(db: Database, *, ours: Leader | None = None) -> bool:
    """Whether some process, this one or another replica, holds the scheduler leadership now.
    PostgreSQL: the advisory lock is in `pg_locks` (one bigint key: its high and low halves are
    `classid` and `objid`, `objsubid` 1). SQLite: the lock file is locked by some process.
    Raises the database's error when it cannot be reached."""
    if ours is not None and ours.leads:
        return True
    if db.url.startswith("sqlite"):
        return _sqlite_locked(Path(db.url.split("///", 1)[1] + ".serve.lock"))
    async with db.engine.connect() as conn:
        held = await conn.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND objsubid = 1 AND classid::bigint = :high AND objid::bigint = :low"
                " AND database = (SELECT oid FROM pg_database"
                " WHERE datname = current_database()))"
            ),
            {"high": LOCK_KEY >> 32, "low": LOCK_KEY & 0xFFFFFFFF},
        )
        return bool(held.scalar())


def _sqlite_locked(path: Path) -> bool:
    """flock locks belong to an open file: a new handle conflicts even with our own lock."""
    if not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
