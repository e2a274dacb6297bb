"""Introductions through Teams end to end: the executive's "Introduce them" click is an
Activity posted to /api/messages; bots cannot create group chats, so each of the two gets
a 1:1 card naming the other with a button that opens a chat with them (Teams' deep link);
a week later each answers "Did you meet?" on a card."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import select

from adapters.ports import configured_ports
from adapters.runtime import build
from adapters.server import make_app, make_runner
from adapters.settings import load_settings
from adapters.teams.render import render_activity
from bot.chat.templates import digest as digest_template
from bot.insights.digest import build_digest
from bot.people.org import import_rows
from bot.people.tenancy import active_survey, default_tenant
from bot.ports import FixedClock
from bot.store.models import Introduction, IntroductionAnswer
from scheduler.jobs import tick
from tests.adapters.teams.test_teams_app import TeamsWorld, _validate
from tests.conftest import link, parse_org
from tests.fakes.teams_connector import FakeConnector
from tests.introductions_world import ORG, plant_week

CLICK = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
PEOPLE = {"boss": "boss@example.com", "data0": "data0@example.com", "eng0": "eng0@example.com"}
PEOPLE |= {"memb": "member@example.com"}


@pytest.fixture
async def teams(database_url: str) -> AsyncIterator[TeamsWorld]:
    connector = await FakeConnector().start()
    settings = load_settings(database_url=database_url, crosspulse_dev=True)
    clock = FixedClock(CLICK)
    runtime = await build(settings, clock=clock)
    runtime.ports = configured_ports(settings, db=runtime.db, clock=clock)
    async with runtime.db.session() as session:
        tenant = await default_tenant(session, today=clock.at.date())
        await import_rows(session, tenant_id=tenant.id, rows=parse_org(ORG), actor="test")
        await session.commit()
    runner = make_runner(make_app(runtime))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http:
        yield TeamsWorld(runtime, connector, f"http://127.0.0.1:{port}/api/messages", http)
    await runner.cleanup()
    await runtime.db.dispose()
    await connector.stop()


def _activity(world: TeamsWorld, who: str, **fields: object) -> dict:
    return {
        "type": "message",
        "id": f"m-{who}-{len(world.connector.sent)}",
        "channelId": "msteams",
        "serviceUrl": world.connector.url,
        "from": {"id": f"29:{who}", "name": who, "aadObjectId": f"aad-{who}"},
        "recipient": {"id": "28:bot", "name": "Crosspulse"},
        "conversation": {"conversationType": "personal", "id": f"a:{who}"},
        "channelData": {"tenant": {"id": TENANT}},
        **fields,
    }


async def _everyone_in_their_chat(world: TeamsWorld) -> None:
    for who, email in PEOPLE.items():
        await link(world.runtime.db, email, "teams", f"aad-{who}")
        assert await world.post(_activity(world, who, text="status")) in (200, 201)


async def _button(world: TeamsWorld) -> dict:
    for week in ("2026-W45", "2026-W46", "2026-W47", "2026-W48"):
        await plant_week(world.runtime.db, week=week)
    async with world.runtime.db.session() as session:
        survey = await active_survey(session, tenant_id=1)
        digest = await build_digest(session, survey=survey, week="2026-W48")
    card = render_activity(digest_template.render(digest_template.DigestMessageData(digest)))
    actions = card["attachments"][0]["content"]["actions"]
    return next(a["data"] for a in actions if "Introduce Data" in a.get("title", ""))


def _text(world: TeamsWorld) -> str:
    return json.dumps(world.connector.sent[-1].body)


async def test_each_gets_a_card_naming_the_other_with_a_chat_link(teams: TeamsWorld) -> None:
    await _everyone_in_their_chat(teams)
    data = await _button(teams)
    assert await teams.post(_activity(teams, "boss", text=None, value=data)) in (200, 201)
    assert "Introduction on its way" in _text(teams)
    await teams.post(_activity(teams, "boss", text=None, value=data))
    assert "Already introduced" in _text(teams)

    before = len(teams.connector.sent)
    await tick(teams.runtime.db, now=CLICK.replace(minute=1), ports=teams.runtime.ports)
    cards = {s.conversation: s.body for s in teams.connector.sent[before:]}
    assert set(cards) == {"a:data0", "a:eng0"}
    for mine, other_email in (("a:data0", "eng0@example.com"), ("a:eng0", "data0@example.com")):
        content = cards[mine]["attachments"][0]["content"]
        assert "Data Person 0 (Data), meet Eng Person 0 (Eng)" in json.dumps(content)
        (link_button,) = [a for a in content["actions"] if a["type"] == "Action.OpenUrl"]
        url = urlparse(link_button["url"])
        assert (url.netloc, url.path) == ("teams.microsoft.com", "/l/chat/0/0")
        assert parse_qs(url.query) == {"users": [other_email]}
        _validate(content)
    await tick(teams.runtime.db, now=CLICK.replace(minute=2), ports=teams.runtime.ports)
    assert len(teams.connector.sent) == before + 2  # exactly once

    before = len(teams.connector.sent)
    week_later = datetime(2026, 12, 7, 9, 5, tzinfo=UTC)
    await tick(teams.runtime.db, now=week_later, ports=teams.runtime.ports)
    asks = {s.conversation: s.body for s in teams.connector.sent[before:]}
    assert set(asks) == {"a:data0", "a:eng0"}
    ask = asks["a:eng0"]["attachments"][0]["content"]
    assert "Did you meet?" in json.dumps(ask)
    not_yet = next(
        a["data"] for a in ask["actions"] if a["data"].get("value", "").endswith("not_yet")
    )
    teams.runtime.bot.clock.at = week_later
    await teams.post(_activity(teams, "eng0", text=None, value=not_yet, replyToId="act-9"))
    async with teams.runtime.db.session() as session:
        (answer,) = (await session.exec(select(IntroductionAnswer))).all()
    assert answer.answer == "not_yet"

    # Two later weeks with more ties between the two teams: the digest reports the effect.
    for week in ("2026-W50", "2026-W51"):
        await plant_week(teams.runtime.db, week=week, data_eng=8, smooth=4.0)
    async with teams.runtime.db.session() as session:
        survey = await active_survey(session, tenant_id=1)
        digest = await build_digest(session, survey=survey, week="2026-W51")
    card = render_activity(digest_template.render(digest_template.DigestMessageData(digest)))
    shown = json.dumps(card)
    assert "Data and Eng (introduced 2026-W49)" in shown and "more ties than before" in shown


async def test_a_member_and_a_forged_value_introduce_no_one(teams: TeamsWorld) -> None:
    await _everyone_in_their_chat(teams)
    data = await _button(teams)
    await teams.post(_activity(teams, "memb", text=None, value=data))
    assert "Only leaders introduce teams" in _text(teams)
    forged = {**data, "value": json.dumps({"w": "2026-W48", "k": "island", "a": "Eng", "b": "Ops"})}
    await teams.post(_activity(teams, "boss", text=None, value=forged))
    assert "No longer suggested" in _text(teams)
    async with teams.runtime.db.session() as session:
        assert (await session.exec(select(Introduction))).all() == []
