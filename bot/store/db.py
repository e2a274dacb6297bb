"""Async engine and session factory; migrations applied through Alembic."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import aiosqlite
from sqlalchemy import event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent.parent / "migrations"


class MigrationError(RuntimeError):
    """The schema could not be brought up to date (Alembic said why)."""


def head_revision() -> str:
    """The newest migration, read from the files (the one no other revises): importing
    Alembic to ask costs half a second that most commands never need."""
    revisions, revised = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text()
        if found := re.search(r"^revision = '([^']+)'", source, re.MULTILINE):
            revisions.add(found[1])
        if found := re.search(r"^down_revision = '([^']+)'", source, re.MULTILINE):
            revised.add(found[1])
    (head,) = revisions - revised
    return head


class _LoopThreadConnection(aiosqlite.Connection):
    """aiosqlite with each call run on the event loop's thread instead of handed to the
    connection's own thread and back: a query costs about a tenth (two thread wake-ups saved
    per call, five calls a statement). Only for a database file one process owns and drives
    one statement at a time: a call waiting on SQLite's lock would stop the whole loop, so
    the busy timeout is zero and a conflict fails at once instead."""

    async def _execute(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _loop_thread_creator(path: str):  # type: ignore[no-untyped-def]
    async def connect() -> aiosqlite.Connection:
        connection = _LoopThreadConnection(
            lambda: sqlite3.connect(path, timeout=0, check_same_thread=False), 64
        )
        connection._thread.daemon = True  # as SQLAlchemy's own aiosqlite dialect does
        return await connection

    return connect


def make_engine(url: str, *, embedded: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        busy_ms = 0 if embedded else 30000
        if embedded:
            engine = create_async_engine(
                url, async_creator=_loop_thread_creator(make_url(url).database or "")
            )
        else:
            # Every connection is a thread (aiosqlite) set up with the pragmas below: keep
            # as many as a busy server has sessions open, rather than open and close
            # overflow ones.
            engine = create_async_engine(
                url, connect_args={"timeout": 30}, pool_size=20, max_overflow=10
            )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            # WAL + NORMAL: a process crash loses nothing committed; only an OS crash or
            # power loss can roll back the last transactions (sqlite.org/wal.html).
            # The demo's own file (embedded) is thrown away on the next run: no sync at all.
            cursor.execute("PRAGMA synchronous=OFF" if embedded else "PRAGMA synchronous=NORMAL")
            # Deleted rows are overwritten, not left in free pages for a file's reader: the
            # sealed answers of a closed round, an erased person, pre-migration rows.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


class Database:
    """The engine and a session factory; one per process. `embedded`: a SQLite file this
    process alone uses (the demo's), driven without aiosqlite's thread hops."""

    def __init__(self, url: str, *, embedded: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, embedded=embedded)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def migrate(self, *, secret: bytes | None = None) -> None:
        """Apply the migrations; `secret` (CROSSPULSE_SECRET's pseudonym key) is needed by
        those that re-key answers. On SQLite the write-ahead log is then truncated, so no
        page a migration rewrote lingers beside the file."""
        if await self.schema_version() == head_revision():
            return  # one query, instead of Alembic's environment on every command
        from alembic.util.exc import CommandError

        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(_upgrade_head, secret)
        except CommandError as exc:
            raise MigrationError(str(exc)) from exc
        if self.engine.dialect.name == "sqlite":
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    async def schema_version(self) -> str | None:
        """The applied migration, or None on a database never migrated."""
        async with self.engine.connect() as conn:
            try:
                version = await conn.execute(text("SELECT version_num FROM alembic_version"))
                return version.scalar()
            except (OperationalError, ProgrammingError):  # no such table: a new database
                await conn.rollback()
                return None

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade_head(sync_conn, secret: bytes | None) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = sync_conn
    config.attributes["secret"] = secret
    command.upgrade(config, "head")


def dialect_insert(connection: AsyncConnection):  # type: ignore[no-untyped-def]
    """INSERT with ON CONFLICT clauses, for whichever of the two databases this is."""
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


async def insert_unless_present(session: AsyncSession, model: type[SQLModel], **values) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING inside the caller's transaction; False if it existed.

    A savepoint would do on PostgreSQL, but pysqlite emits no BEGIN before a savepoint, so on
    SQLite the savepoint would commit the row alone, apart from the rest of the transaction.
    """
    connection = await session.connection()
    table = model.__table__  # type: ignore[attr-defined]
    statement = dialect_insert(connection)(table).values(**values).on_conflict_do_nothing()
    inserted = await connection.execute(statement.returning(*table.primary_key.columns))
    return inserted.first() is not None
