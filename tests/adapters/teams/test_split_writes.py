"""Teams Activities whose body arrives in several TCP writes (pauses between them) or in
chunked transfer encoding: each is accepted and the card submit recorded once. Asserted on
what Megan sees (the stand-in connector) and on participation, never on stored answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.store.models import Participation
from scheduler.jobs import tick
from tests.adapters.fuzzing import send_in_pieces
from tests.adapters.teams.test_teams_app import TeamsWorld, _link_megan, _world, payload


@pytest.fixture
async def teams(database_url: str) -> AsyncIterator[TeamsWorld]:
    async for world in _world(database_url, crosspulse_dev=True):
        yield world


async def _send(world: TeamsWorld, activity: dict, *, chunked: bool) -> int:
    body = json.dumps(activity).encode()
    cuts = [100, len(body) // 2, len(body) - 10]
    status, _ = await asyncio.to_thread(
        send_in_pieces,
        world.url,
        body,
        {"Content-Type": "application/json"},
        cuts=cuts,
        chunked=chunked,
    )
    return status


def _message(world: TeamsWorld, **changes: object) -> dict:
    activity = payload("teams_message_activity_personal.json", world.connector, **changes)
    activity["attachments"] = []
    return activity


@pytest.mark.parametrize("chunked", [False, True], ids=["segments", "chunked"])
async def test_split_message_and_card_submit_are_answered_once(
    teams: TeamsWorld, chunked: bool
) -> None:
    await _link_megan(teams)
    await tick(teams.runtime.db, now=teams.runtime.bot.clock.now(), ports={})  # opens
    assert await _send(teams, _message(teams, text="status"), chunked=chunked) in (200, 201)
    assert "none yet" in json.dumps(teams.connector.cards()[-1])

    assert await _send(teams, _message(teams, text=""), chunked=chunked) in (200, 201)
    card = teams.connector.cards()[-1]  # "check in now": the pulse card
    submit = next(a for a in card["actions"] if a["data"]["action"] == "submit:checkin")
    answers = {
        e["id"]: "4"
        for e in card["body"]
        if e.get("id") == "energy" or e.get("id", "").startswith("bank.")
    }
    value = {**submit["data"], **answers, "enps": "9", "comment": "sent in pieces"}
    click = _message(teams, text=None, value=value, replyToId="act-1")
    assert await _send(teams, click, chunked=chunked) in (200, 201)

    update = teams.connector.sent[-1]
    assert (update.method, update.activity_id) == ("update", "act-1")
    assert "Check-in received" in json.dumps(update.body)
    async with teams.runtime.db.session() as session:
        assert len((await session.exec(select(Participation))).all()) == 1
    assert await _send(teams, _message(teams, text="status"), chunked=chunked) in (200, 201)
    assert "2026-W45" in json.dumps(teams.connector.cards()[-1])
