"""One scheduler leader: an advisory lock on PostgreSQL, one process on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.store.db import Database
from scheduler.leader import Leader, SecondProcessError
from tests.conftest import BACKEND


async def test_only_one_leader_and_a_follower_takes_over(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    a, b = Leader(first), Leader(second)
    try:
        assert await a.acquire() is True
        if BACKEND == "sqlite":
            with pytest.raises(SecondProcessError, match="supports one process"):
                await b.acquire()
            return
        assert await b.acquire() is False, "the lock is held"
        assert await a.acquire() is True, "the leader keeps it"
        # The leader dies: the server ends its session. pg_terminate_backend with a timeout
        # returns once the backend is gone and its lock released (closing the socket from
        # our side alone lets the server notice later, a race under load).
        assert a._connection is not None
        pid = (await a._connection.execute(text("SELECT pg_backend_pid()"))).scalar()
        async with second.engine.connect() as other:
            ended = await other.execute(
                text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid}
            )
            assert ended.scalar() is True
        await a._connection.invalidate()
        a._connection = None
        assert await b.acquire() is True, "a follower takes over"
    finally:
        await a.release()
        await b.release()
        await first.dispose()
        await second.dispose()
