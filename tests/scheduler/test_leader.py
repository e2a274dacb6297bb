"""One scheduler leader: an advisory lock on PostgreSQL, one process on SQLite."""

from __future__ import annotations

import pytest

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
        await a._connection.invalidate()  # the leader dies: its connection really closes
        a._connection = None
        assert await b.acquire() is True, "a follower takes over"
    finally:
        await a.release()
        await b.release()
        await first.dispose()
        await second.dispose()
