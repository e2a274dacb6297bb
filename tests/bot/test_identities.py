"""Platform identities: migration 0009 moves every link out of `person`, and a person
linked on two platforms is reached on the one this deployment has."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.messages import Message
from bot.people.identity import find_person, identities_of
from bot.people.org import OrgImportError, import_rows
from bot.ports import Identity, MessageRef, Recipient
from bot.store.db import Database
from bot.store.models import Person, PlatformIdentity
from scheduler.jobs import tick
from tests.bot.test_migrations import _to
from tests.conftest import SECRET, World, accounts, link, parse_org

SENT = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)  # every timezone of the org past 10:00


class AccountPort:
    """A stand-in adapter: reaches people by its own platform's account only."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.sent: list[tuple[str, Identity]] = []

    def can_reach(self, recipient: Recipient) -> bool:
        return recipient.on(self.platform) is not None

    def rate_scope(self, recipient: Recipient) -> str:
        account = recipient.on(self.platform)
        return account.workspace if account else ""

    async def send(self, *, recipient: Recipient, message: Message) -> MessageRef:
        account = recipient.on(self.platform)
        assert account is not None
        self.sent.append((recipient.email, account))
        return MessageRef(self.platform, account.external_id, str(len(self.sent)))

    async def update(self, *, ref: MessageRef, message: Message) -> None:
        return None


async def test_0009_moves_every_link_out_of_person(world: World, db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(_to("0008", downgrade=True))
        await conn.execute(
            text(
                "UPDATE person SET slack_user_id = 'U0ENG0', slack_workspace_id = 'T1', "
                "teams_user_id = 'aad-eng0' WHERE email = 'eng0@example.com'"
            )
        )
        await conn.execute(
            text("UPDATE person SET slack_user_id = 'U0ENG1' WHERE email = 'eng1@example.com'")
        )
        await conn.execute(
            text(
                "UPDATE person SET teams_user_id = 'aad-sales0' WHERE email = 'sales0@example.com'"
            )
        )
        await conn.run_sync(_to("head"))
    assert await accounts(db, "slack") == {
        "eng0@example.com": "U0ENG0",
        "eng1@example.com": "U0ENG1",
    }
    assert await accounts(db, "teams") == {
        "eng0@example.com": "aad-eng0",
        "sales0@example.com": "aad-sales0",
    }
    async with db.session() as session:
        eng0 = await find_person(session, platform="slack", external_id="U0ENG0", workspace="T1")
        eng1 = await find_person(session, platform="slack", external_id="U0ENG1", workspace="T9")
        assert eng0 is not None and eng0.email == "eng0@example.com"
        assert eng1 is not None and eng1.email == "eng1@example.com", "unknown workspace: any"
        workspaces = (await session.exec(select(PlatformIdentity.workspace))).all()
    assert sorted(workspaces) == ["", "", "", "T1"]
    # And back: the columns hold the links again.
    async with db.engine.begin() as conn:
        await conn.run_sync(_to("0008", downgrade=True))
        rows = (
            await conn.execute(
                text(
                    "SELECT email, slack_user_id, slack_workspace_id, teams_user_id FROM person "
                    "WHERE slack_user_id IS NOT NULL OR teams_user_id IS NOT NULL ORDER BY email"
                )
            )
        ).all()
        await conn.run_sync(_to("head"))
    assert [tuple(r) for r in rows] == [
        ("eng0@example.com", "U0ENG0", "T1", "aad-eng0"),
        ("eng1@example.com", "U0ENG1", None, None),
        ("sales0@example.com", None, None, "aad-sales0"),
    ]


async def test_0009_keeps_an_id_two_people_shared_on_one(world: World, db: Database) -> None:
    """The old columns were never unique (two CSV rows could share an id)."""
    async with db.engine.begin() as conn:
        await conn.run_sync(_to("0008", downgrade=True))
        await conn.execute(
            text(
                "UPDATE person SET slack_user_id = 'U0SAME' "
                "WHERE email IN ('eng2@example.com', 'eng3@example.com')"
            )
        )
        await conn.run_sync(_to("head"))
    assert await accounts(db, "slack") == {"eng2@example.com": "U0SAME"}


async def test_a_person_on_both_platforms_is_reached_on_the_configured_one(
    world: World, db: Database
) -> None:
    await link(db, "eng1@example.com", "slack", "U0ENG1", workspace="T1")
    await link(db, "eng1@example.com", "teams", "aad-eng1")
    async with db.session() as session:
        eng1 = (await session.exec(select(Person).where(Person.email == "eng1@example.com"))).one()
        assert eng1.id is not None
        found = await identities_of(session, person_ids=[eng1.id])
    assert set(found[eng1.id]) == {Identity("slack", "U0ENG1", "T1"), Identity("teams", "aad-eng1")}

    teams = AccountPort("teams")
    world.clock.at = SENT
    report = await tick(db, now=SENT, ports={"teams": teams}, secret=SECRET)
    assert ("eng1@example.com", Identity("teams", "aad-eng1")) in teams.sent
    assert {email for email, _ in teams.sent} == {"eng1@example.com"}, "only eng1 is on it"
    assert report.unreachable > 0, "the others have no account on the configured platform"


async def test_only_the_configured_platform_sends(world: World, db: Database) -> None:
    await link(db, "eng1@example.com", "slack", "U0ENG1", workspace="T1")
    await link(db, "eng1@example.com", "teams", "aad-eng1")
    slack = AccountPort("slack")
    world.clock.at = SENT
    await tick(db, now=SENT, ports={"slack": slack}, secret=SECRET)
    assert slack.sent == [("eng1@example.com", Identity("slack", "U0ENG1", "T1"))]


async def _import(world: World, csv_text: str) -> None:
    async with world.db.session() as session:
        await import_rows(
            session, tenant_id=world.tenant_id, rows=parse_org(csv_text), actor="test"
        )
        await session.commit()


async def test_the_import_moves_and_swaps_accounts(world: World, db: Database) -> None:
    head = "email,name,department,timezone,slack_user_id\n"
    await _import(
        world,
        head + "eng0@example.com,E0,Engineering,UTC,U1\neng1@example.com,E1,Engineering,UTC,U2\n",
    )
    await link(db, "eng0@example.com", "slack", "U1", workspace="T1")  # the directory's word
    await _import(
        world,
        head + "eng0@example.com,E0,Engineering,UTC,U2\neng1@example.com,E1,Engineering,UTC,U1\n",
    )
    assert await accounts(db, "slack") == {"eng0@example.com": "U2", "eng1@example.com": "U1"}
    await _import(world, head + "eng0@example.com,E0,Engineering,UTC,\n")
    assert await accounts(db, "slack") == {"eng1@example.com": "U1"}, "a blank cell unlinks"
    await _import(world, "email,name,department,timezone\neng1@example.com,E1,Engineering,UTC\n")
    assert await accounts(db, "slack") == {"eng1@example.com": "U1"}, "no column: kept"


def test_two_rows_with_one_account_are_refused() -> None:
    with pytest.raises(OrgImportError) as refused:
        parse_org(
            "email,name,department,timezone,teams_user_id\n"
            "a@example.com,A,S,UTC,aad-1\nb@example.com,B,S,UTC,aad-1\n"
        )
    assert refused.value.problems == ["line 3: teams_user_id aad-1 already on line 2"]
