"""Fixtures: a real database per test (SQLite file or PostgreSQL), a moved clock, the
console platform as the collecting chat, and a small organisation."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func
from sqlmodel import select

from adapters.console.app import ConsoleChannel
from adapters.console.port import ConsolePort
from adapters.settings import ACCOUNT_COLUMNS
from bot.chat.handlers import Bot
from bot.enums import RoundState
from bot.people.identity import Link, assign
from bot.people.org import Row, import_rows, parse_csv
from bot.people.tenancy import default_tenant
from bot.ports import FixedClock
from bot.store.db import Database
from bot.store.models import Person, PlatformIdentity, Round, Survey
from scheduler.jobs import TickReport, tick

BACKEND = os.environ.get("CROSSPULSE_TEST_DB", "sqlite")
PG_URL = os.environ.get(
    "CROSSPULSE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SECRET = b"test-secret-not-for-production-use-only"  # >= 32 bytes, as settings require
SHARED = Path(__file__).resolve().parents[2] / "shared"


def parse_org(text: str) -> list[Row]:
    """The org import as the CLI runs it: with every platform's account column."""
    return parse_csv(text, account_columns=ACCOUNT_COLUMNS)


async def accounts(db: Database, platform: str) -> dict[str, str]:
    """E-mail -> the person's account id on `platform`, for everyone linked there."""
    async with db.session() as session:
        rows = await session.exec(
            select(Person.email, PlatformIdentity.external_id)
            .join(PlatformIdentity, PlatformIdentity.person_id == Person.id)
            .where(PlatformIdentity.platform == platform)
        )
        return dict(rows.all())


async def link(
    db: Database, email: str, platform: str, external_id: str, workspace: str = ""
) -> None:
    """Make `external_id` the person's account on `platform`, as the CSV import would."""
    async with db.session() as session:
        person = (await session.exec(select(Person).where(Person.email == email))).one()
        await assign(
            session, platform=platform, links=[Link(person.id, external_id, workspace)]
        )
        await session.commit()


def _pg_admin() -> psycopg.Connection:
    return psycopg.connect(
        PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    )


def _pg_url(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database to copy for each test: migrations run once per session."""
    if BACKEND == "postgresql":
        name = f"crosspulse_tpl_{os.getpid()}"
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('tpl') / 'template.db'}"

    async def migrate() -> None:
        db = Database(url)
        await db.migrate()
        await db.dispose()

    asyncio.run(migrate())
    yield url
    if BACKEND == "postgresql":
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(template_db: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of the backend under test."""
    if BACKEND == "postgresql":
        name = f"crosspulse_t_{uuid.uuid4().hex[:12]}"
        template = template_db.rsplit("/", 1)[1]
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield _pg_url(name)
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "crosspulse.db"
        shutil.copy(template_db.split("///", 1)[1], path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's .env or writes into the repository."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CROSSPULSE_SECRET", SECRET.decode())
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_CLIENT_ID",
        "MICROSOFT_APP_ID",
        "CROSSPULSE_DEV",
        "DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


# A Tuesday: the default survey sends on Tuesdays at 10:00 local time.
START = date(2026, 11, 3)

SMALL_ORG = (
    """email,name,department,timezone,role,country,manager_email
ceo@example.com,Casey Chief,Leadership,Europe/London,executive,GB,
admin@example.com,Ari Admin,People,Europe/London,admin,GB,
"""
    + "".join(
        f"eng{i}@example.com,Engineer {i},Engineering,Europe/Helsinki,member,FI,"
        f"{'eng0@example.com' if i else ''}\n"
        for i in range(8)
    )
    + "".join(
        f"sales{i}@example.com,Seller {i},Sales,America/New_York,member,US,\n" for i in range(6)
    )
    + "legal0@example.com,Lee Gal,Legal,Europe/London,member,GB,\n"
)


@dataclass
class World:
    db: Database
    clock: FixedClock
    port: ConsolePort
    bot: Bot
    channel: ConsoleChannel
    tenant_id: int

    async def tick(self, at: datetime) -> TickReport:
        self.clock.at = at
        return await tick(self.db, now=at, ports={"console": self.port}, secret=SECRET)

    async def close_open_rounds(self) -> TickReport:
        """Tick at the instant the last open round closes: its weeks' figures become final
        (figures of a week still taking answers are never shown)."""
        async with self.db.session() as session:
            closes = (
                await session.exec(
                    select(func.max(Round.closes_at)).where(Round.state == RoundState.OPEN)
                )
            ).one()
        assert closes is not None, "no open round to close"
        return await self.tick(closes if closes.tzinfo else closes.replace(tzinfo=UTC))

    async def survey(self) -> Survey:
        async with self.db.session() as session:
            return (await session.exec(select(Survey))).one()

    async def person(self, email: str) -> Person:
        async with self.db.session() as session:
            return (await session.exec(select(Person).where(Person.email == email))).one()


async def make_world(db: Database, csv_text: str = SMALL_ORG, start: date = START) -> World:
    async with db.session() as session:
        tenant = await default_tenant(session, today=start)
        await import_rows(session, tenant_id=tenant.id, rows=parse_org(csv_text), actor="test")
        await session.commit()
        tenant_id = tenant.id
    clock = FixedClock(datetime(start.year, start.month, start.day, tzinfo=UTC))
    port = ConsolePort()
    bot = Bot(db=db, secret=SECRET, clock=clock)
    return World(db, clock, port, bot, ConsoleChannel(bot=bot, port=port), tenant_id)


@pytest.fixture
async def world(db: Database) -> World:
    return await make_world(db)
