"""The listening tour in Teams, end to end over loopback (Activities posted to /api/messages,
the real CloudAdapter, a stand-in connector): an executive's `/pulse listen` answers with an
Adaptive Card form (valid 1.5), its submit starts the tour and updates the card; the intake
reaches a person proactively in their 1:1 chat and their submit is recorded once, the card
replaced by a thank-you that echoes nothing; a member is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import select

from bot.enums import Role
from bot.store.models import ListeningSheet, ListeningTour, Person
from scheduler.jobs import tick
from tests.adapters.teams.test_teams_app import (  # noqa: F401  (the fixture)
    MEGAN,
    TeamsWorld,
    _link,
    _validate,
    payload,
    teams,
)


async def _role(world: TeamsWorld, email: str, role: Role) -> None:
    async with world.runtime.db.session() as session:
        person = (await session.exec(select(Person).where(Person.email == email))).one()
        person.role = role
        session.add(person)
        await session.commit()


def _from_e0(world: TeamsWorld, **changes: object) -> dict:
    """A message from e0 (Eng) in their own 1:1 chat."""
    activity = payload("teams_message_activity_personal.json", world.connector, **changes)
    activity["from"] = {"id": "29:e0", "name": "E 0", "aadObjectId": "aad-e0"}
    activity["conversation"] = {"conversationType": "personal", "id": "a:e0"}
    activity["attachments"] = []
    return activity


def _submitted(card: dict, action: str, changes: dict) -> dict:
    (submit,) = [a for a in card["actions"] if a["data"]["action"] == f"submit:{action}"]
    inputs = {e["id"]: e.get("value", "") for e in card["body"] if e["type"].startswith("Input.")}
    return {**submit["data"], **inputs, **changes}


async def test_an_executive_starts_a_tour_and_a_person_answers_it_in_teams(
    teams: TeamsWorld,  # noqa: F811
) -> None:
    await _link(teams, "megan@example.com", MEGAN)
    await _role(teams, "megan@example.com", Role.EXECUTIVE)
    ask = payload("teams_message_activity_personal.json", teams.connector, text="listen")
    ask["attachments"] = []
    assert await teams.post(ask) in (200, 201)
    form = teams.connector.cards()[-1]
    _validate(form)
    assert "Start a listening tour" in json.dumps(form)

    value = _submitted(form, "listen_start", {"departments": "Eng", "until": "2026-11-31"})
    click = payload("teams_message_activity_personal.json", teams.connector, text=None)
    click.update(value=value, replyToId="form-1", attachments=[])
    assert await teams.post(click) in (200, 201)
    assert "Nothing started" in json.dumps(teams.connector.sent[-1].body)
    async with teams.runtime.db.session() as session:
        assert (await session.exec(select(ListeningTour))).all() == []

    value = _submitted(form, "listen_start", {"departments": "Eng", "until": "2026-11-10"})
    click.update(value=value)
    assert await teams.post(click) in (200, 201)
    update = teams.connector.sent[-1]
    assert (update.method, update.activity_id) == ("update", "form-1")
    assert "Listening tour started" in json.dumps(update.body)
    assert "3 people in Eng" in json.dumps(update.body)

    await teams.post(_from_e0(teams, text="status"))  # stores e0's 1:1 reference
    await _link(teams, "e0@example.com", "aad-e0")
    before = len(teams.connector.sent)
    await tick(
        teams.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=teams.runtime.ports
    )
    intakes = [
        s for s in teams.connector.sent[before:] if "A leader is listening" in json.dumps(s.body)
    ]
    assert [s.conversation for s in intakes] == ["a:e0"], "Megan is in Sales; e1, e2 unreachable"
    card = intakes[0].body["attachments"][0]["content"]
    _validate(card)
    answer = _submitted(card, "tour_answer", {"depends": "Sales for qualified leads"})
    reply = _from_e0(teams, text=None, value=answer, replyToId="intake-1")
    assert await teams.post(reply) in (200, 201)
    thanks = teams.connector.sent[-1]
    assert (thanks.method, thanks.activity_id) == ("update", "intake-1")
    assert "Answers received" in json.dumps(thanks.body)
    assert "qualified leads" not in json.dumps(thanks.body)
    await teams.post(reply)  # a double submit
    assert "Already answered" in json.dumps(teams.connector.sent[-1].body)
    async with teams.runtime.db.session() as session:
        assert len((await session.exec(select(ListeningSheet))).all()) == 1


async def test_a_member_gets_no_listening_form_in_teams(teams: TeamsWorld) -> None:  # noqa: F811
    await _link(teams, "megan@example.com", MEGAN)
    ask = payload("teams_message_activity_personal.json", teams.connector, text="listen")
    ask["attachments"] = []
    await teams.post(ask)
    assert "Executives only" in json.dumps(teams.connector.cards()[-1])
