"""Anonymous conversations through Teams end to end: Activities posted to /api/messages, the
real botbuilder adapter, and the stand-in connector recording every card and to which chat it
went. The executive replies under a digest comment, only the author's chat gets it, the author
answers from the card, the executive's chat gets the answer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from adapters.teams.conversations import save_reference
from bot.chat.compose import pulse_message
from bot.chat.events import ActionEvent, Actor
from bot.people.org import import_rows
from bot.people.tenancy import default_tenant
from bot.store.models import ConversationMessage, ConversationRef, Delivery, Person, Round
from scheduler.jobs import tick
from tests.adapters.teams.test_teams_app import TeamsWorld, _world, payload
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import SECRET, link, parse_org

SENT = datetime(2026, 11, 3, 11, 0, tzinfo=UTC)
DIGEST = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
LATER = DIGEST + timedelta(hours=1)
HANDOFFS = "Handoffs with Sales keep breaking."
BOSS, AUTHOR = "aad-boss", "aad-e03"


@pytest.fixture
async def teams(database_url: str) -> AsyncIterator[TeamsWorld]:
    async for world in _world(database_url, crosspulse_dev=True):
        yield world


def _chat(aad: str) -> str:
    return f"a:chat-{aad}"


async def _say(world: TeamsWorld, aad: str, **fields: object) -> None:
    """An activity from `aad` in their own 1:1 chat with the bot."""
    activity = payload(
        "teams_message_activity_personal.json",
        world.connector,
        **{"from": {"id": f"29:{aad}", "aadObjectId": aad, "name": aad}},
        conversation={"conversationType": "personal", "id": _chat(aad)},
        attachments=[],
        **fields,
    )
    assert await world.post(activity) in (200, 201)


async def _tick(world: TeamsWorld, at: datetime):  # type: ignore[no-untyped-def]
    world.runtime.bot.clock.at = at  # type: ignore[attr-defined]
    return await tick(world.runtime.db, now=at, ports=world.runtime.ports, secret=SECRET)


def _cards_in(world: TeamsWorld, chat: str) -> list[dict]:
    return [
        a["content"]
        for s in world.connector.sent
        if s.conversation == chat
        for a in s.body.get("attachments") or []
        if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
    ]


def _actions(card: dict) -> list[dict]:
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def _digest(world: TeamsWorld) -> dict:
    async with world.runtime.db.session() as session:
        tenant = await default_tenant(session, today=SENT.date())
        rows = "email,name,department,timezone,role\n"
        rows += "boss@example.com,Boss,Board,Europe/London,executive\n"
        rows += "".join(f"x{i}@example.com,X {i},Ops,Europe/London,member\n" for i in range(12))
        await import_rows(session, tenant_id=tenant.id, rows=parse_org(rows), actor="test")
        await session.commit()
    await link(world.runtime.db, "boss@example.com", "teams", BOSS)
    for i in range(12):
        await link(world.runtime.db, f"x{i}@example.com", "teams", f"aad-e{i:02d}")
    for aad in (BOSS, AUTHOR):
        await _say(world, aad, text="status")  # stores their 1:1 chat
    await _tick(world, SENT)
    async with world.runtime.db.session() as session:
        round_ = await session.get(Round, 1)
        person = (await session.exec(select(Person).where(Person.email == "x0@example.com"))).one()
        delivery = (
            await session.exec(select(Delivery).where(Delivery.person_id == person.id))
        ).one()
        pulse = await pulse_message(session, person=person, round_=round_, delivery=delivery)
    for i in range(12):
        answers = good_answers(pulse)
        if i == 3:
            answers["comment"] = HANDOFFS
        elif i in (5, 8):
            answers["comment"] = f"More focus time ({i})."
        await world.runtime.bot.handle(
            ActionEvent(Actor("teams", f"aad-e{i:02d}"), "checkin", "1", answers)
        )
    await _tick(world, DIGEST)
    return next(c for c in _cards_in(world, _chat(BOSS)) if "digest" in json.dumps(c).lower())


async def test_reply_and_answer_through_teams(teams: TeamsWorld) -> None:
    digest = await _digest(teams)
    reply = next(
        a
        for a in _actions(digest)
        if a["data"].get("action") == "action:convo_reply" and "Handoffs" in a["title"]
    )
    await _say(teams, BOSS, text=None, value=reply["data"])
    form = _cards_in(teams, _chat(BOSS))[-1]
    assert HANDOFFS in json.dumps(form, ensure_ascii=False)
    assert any(e.get("type") == "Input.Text" and e.get("id") == "text" for e in form["body"])
    send = next(a for a in _actions(form) if a["data"].get("action") == "submit:convo_send")
    await _say(
        teams, BOSS, text=None, value={**send["data"], "text": "Which handoffs?"}, replyToId="f-1"
    )
    update = teams.connector.sent[-1]
    assert (update.method, update.activity_id) == ("update", "f-1")
    assert "Reply sent" in json.dumps(update.body)
    before = {chat for chat in (s.conversation for s in teams.connector.sent)}

    report = await _tick(teams, LATER)
    assert report.sent == 1
    (dm,) = [c for c in _cards_in(teams, _chat(AUTHOR)) if "A leader replied" in json.dumps(c)]
    shown = json.dumps(dm, ensure_ascii=False)
    assert "week 45" in shown and HANDOFFS in shown and "Which handoffs?" in shown
    new_chats = {s.conversation for s in teams.connector.sent} - before
    assert new_chats <= {_chat(AUTHOR)}, "only the author's chat got it"

    answer = next(a for a in _actions(dm) if a["data"].get("action") == "submit:convo_answer")
    await _say(
        teams,
        AUTHOR,
        text=None,
        value={**answer["data"], "text": "The quotes X 4 sends back."},
        replyToId="d-1",
    )
    await _tick(teams, LATER + timedelta(minutes=1))
    back = _cards_in(teams, _chat(BOSS))[-1]
    text = json.dumps(back, ensure_ascii=False)
    assert "answered you" in text and "Author: The quotes" in text
    assert "aad-e03" not in text and "x3@example.com" not in text


async def test_a_member_or_a_forged_value_cannot_reply(teams: TeamsWorld) -> None:
    digest = await _digest(teams)
    reply = next(a for a in _actions(digest) if a["data"].get("action") == "action:convo_reply")
    send = {"action": "submit:convo_send", "text": "hello"}
    await _say(teams, AUTHOR, text=None, value={**send, "value": reply["data"]["value"]})
    assert "Replies are for leaders" in json.dumps(teams.connector.sent[-1].body)
    await _say(teams, BOSS, text=None, value={**send, "value": "424242"})
    assert "doesn't exist" in json.dumps(teams.connector.sent[-1].body)
    async with teams.runtime.db.session() as session:
        assert (
            await session.exec(select(func.count()).select_from(ConversationMessage))
        ).one() == 0


async def test_an_authors_turn_keeps_no_time_under_their_chat(teams: TeamsWorld) -> None:
    """A turn whose 1:1 chat is already stored writes nothing (even in a fresh process), so
    the author's answer leaves no time beside their account to line up with the thread."""
    reference = {"conversation": {"id": _chat(AUTHOR)}, "serviceUrl": teams.connector.url}
    await save_reference(teams.runtime.db, platform="teams", user_id=AUTHOR, reference=reference)
    async with teams.runtime.db.session() as session:
        before = (await session.exec(select(ConversationRef.updated_at))).all()
    await save_reference(teams.runtime.db, platform="teams", user_id=AUTHOR, reference=reference)
    async with teams.runtime.db.session() as session:
        assert (await session.exec(select(ConversationRef.updated_at))).all() == before
