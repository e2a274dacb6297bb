"""People from the chat, on a real database: a CSV with bad rows gets the report of `org import`
(every bad row with its line) and nothing is imported; a good one is summarised and imported
only on Confirm, once; the held file is encrypted and expires; a non-admin gets nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from adapters.console import PLATFORM
from bot.chat.events import Actor, FileEvent
from bot.messages import ActionId, Message
from bot.store.models import AuditLog, PendingImport, Person
from tests.conftest import World

ADMIN = "admin@example.com"
HEADER = "email,name,department,timezone,role\n"
GOOD = (
    HEADER
    + "nia@example.com,Nia N,Data,Europe/Paris,\n"
    + "eng1@example.com,Engineer One,Engineering,Europe/Helsinki,member\n"
)
BAD = HEADER + "nia@example.com,Nia N,Data,Europe/Paris,\nnot-an-email,X,Data,Mars/Base,boss\n"


async def send(world: World, email: str, csv: str) -> list[Message]:
    effects = await world.bot.handle(
        FileEvent(Actor(PLATFORM, email, email=email), "org.csv", csv.encode())
    )
    return [e.message for e in effects]  # type: ignore[union-attr]


async def people(world: World) -> set[str]:
    async with world.db.session() as session:
        return set((await session.exec(select(Person.email))).all())


async def test_a_bad_row_is_named_and_nothing_is_imported(world: World) -> None:
    before = await people(world)
    (report,) = await send(world, ADMIN, BAD)
    assert report.title == "Nothing imported" and not report.actions
    assert "line 3: email 'not-an-email' is not an e-mail address" in report.fallback_text
    assert "line 3: timezone 'Mars/Base' is not an IANA name" in report.fallback_text
    assert "line 3: role 'boss' must be member, executive or admin" in report.fallback_text
    assert await people(world) == before


async def test_a_good_file_is_imported_only_after_confirm(world: World) -> None:
    before = await people(world)
    (summary,) = await send(world, ADMIN, GOOD)
    assert summary.title == "Import these people?"
    assert "New: 1" in summary.fallback_text and "Changed: 1" in summary.fallback_text
    assert "New departments: Data" in summary.fallback_text
    assert await people(world) == before, "nothing before the confirm"
    confirm = next(a for a in summary.actions if a.id == ActionId.IMPORT_CONFIRM)
    async with world.db.session() as session:
        (held,) = (await session.exec(select(PendingImport))).all()
    assert b"nia@example.com" not in held.sealed and confirm.value not in held.token_hash

    (stranger,) = await world.channel.act(
        "ceo@example.com", action=ActionId.IMPORT_CONFIRM, value=confirm.value
    )
    assert stranger.title == "Admins only"
    (done,) = await world.channel.act(ADMIN, action=ActionId.IMPORT_CONFIRM, value=confirm.value)
    assert done.title == "People imported"
    assert "1 created, 1 updated, 0 unchanged; new departments: Data" in done.fallback_text
    assert await people(world) == before | {"nia@example.com"}
    (again,) = await world.channel.act(ADMIN, action=ActionId.IMPORT_CONFIRM, value=confirm.value)
    assert "expired or was already done" in again.fallback_text
    admin = await world.person(ADMIN)
    async with world.db.session() as session:
        rows = (await session.exec(select(AuditLog).where(AuditLog.action == "org.import"))).all()
    assert [r.actor for r in rows] == ["test", f"person:{admin.id}"]


async def test_a_held_file_expires_and_can_be_cancelled(world: World) -> None:
    (summary,) = await send(world, ADMIN, GOOD)
    token = summary.actions[0].value
    world.clock.at += timedelta(minutes=31)
    (late,) = await world.channel.act(ADMIN, action=ActionId.IMPORT_CONFIRM, value=token)
    assert "expired" in late.fallback_text
    (summary,) = await send(world, ADMIN, GOOD)
    (cancelled,) = await world.channel.act(
        ADMIN, action=ActionId.IMPORT_CANCEL, value=summary.actions[1].value
    )
    assert cancelled.title == "Nothing imported"
    assert "nia@example.com" not in await people(world)


async def test_a_non_admin_cannot_import(world: World) -> None:
    (refused,) = await send(world, "eng1@example.com", GOOD)
    assert refused.title == "Admins only"
    assert "nia@example.com" not in await people(world)
    async with world.db.session() as session:
        assert not (await session.exec(select(PendingImport))).all()
