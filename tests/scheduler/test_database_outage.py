"""The database drops every connection mid fan-out (as a PostgreSQL restart does): the
sender waits, reconnects and finishes, with nobody DM'd twice and nobody skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from adapters.console.port import ConsolePort
from bot.messages import Message
from bot.ports import MessageRef, Recipient
from bot.store.db import Database
from bot.store.models import Delivery, Person
from scheduler.jobs import tick
from scheduler.sender import WORKERS_PER_SCOPE
from tests.conftest import BACKEND, _pg_admin, make_world

PEOPLE = 200
pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql", reason="drops PostgreSQL server connections; SQLite has none"
)


class DroppingPort(ConsolePort):
    """Delivers like the console; on the 60th send, the server cuts every connection to
    our database, the way a restart does, before the send returns."""

    def __init__(self, database: str) -> None:
        super().__init__()
        self.database = database
        self.sends = 0
        self.dropped = 0

    async def send(self, *, recipient: Recipient, message: Message) -> MessageRef:
        self.sends += 1
        if self.sends == 60:
            with _pg_admin() as admin:
                self.dropped = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.database,),
                ).fetchone()[0]
        return await super().send(recipient=recipient, message=message)


async def test_sender_reconnects_after_the_database_drops_its_connections(
    db: Database, database_url: str
) -> None:
    rows = "email,name,department,timezone\n" + "".join(
        f"p{i}@example.com,P {i},Dept {i % 5},UTC\n" for i in range(PEOPLE)
    )
    world = await make_world(db, rows, start=date(2026, 11, 3))
    await world.tick(datetime(2026, 11, 3, 6, 0, tzinfo=UTC))  # open and enrol; none due
    port = DroppingPort(database_url.rsplit("/", 1)[1])
    report = await tick(db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports={"console": port})
    assert port.dropped >= 1, "the connections were cut mid fan-out"
    inboxes = {email: len(items) for email, items in port.inbox.items()}
    assert set(inboxes.values()) == {1}, "nobody twice"
    async with db.session() as session:
        states = dict(
            (
                await session.exec(
                    select(Person.email, Delivery.state).join(
                        Delivery, Delivery.person_id == Person.id
                    )
                )
            ).all()
        )
    in_doubt = {email for email, state in states.items() if state != "sent"}
    # At most the sends in flight at the cut may be in doubt (their commit's answer lost).
    assert len(in_doubt) <= WORKERS_PER_SCOPE
    assert {states[e] for e in in_doubt} <= {"unknown", "sending"}
    assert set(inboxes) | in_doubt == set(states) and len(states) == PEOPLE, "nobody skipped"
    assert report.sent >= PEOPLE - WORKERS_PER_SCOPE
