"""Introductions through Slack end to end: an executive clicks "Introduce them" (a signed
block_actions request into /slack/events), the scheduler opens a group DM with both people
(conversations.open with both users) and posts the introduction there; a week later each gets
"Did you meet?" in their DM and answers with a button."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import select

from adapters.slack.render import render_message
from bot.chat.templates import digest as digest_template
from bot.insights.digest import build_digest
from bot.people.org import import_rows
from bot.people.tenancy import active_survey, default_tenant
from bot.store.models import Introduction, IntroductionAnswer
from scheduler.jobs import tick
from tests.adapters.slack.conftest import SlackWorld
from tests.conftest import parse_org
from tests.introductions_world import ORG, plant_week

CLICK = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def _planted(slack: SlackWorld) -> dict:
    """The org and its four planted weeks; the digest's "Introduce them" button as rendered."""
    db = slack.runtime.db
    async with db.session() as session:
        tenant = await default_tenant(session, today=slack.clock.at.date())
        await import_rows(session, tenant_id=tenant.id, rows=parse_org(ORG), actor="test")
        await session.commit()
    for week in ("2026-W45", "2026-W46", "2026-W47", "2026-W48"):
        await plant_week(db, week=week)
    async with db.session() as session:
        survey = await active_survey(session, tenant_id=tenant.id)
        digest = await build_digest(session, survey=survey, week="2026-W48")
    blocks = render_message(digest_template.render(digest_template.DigestMessageData(digest)))
    return next(
        element
        for block in blocks["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].endswith(":introduce") and "Data" in element["text"]["text"]
    )


async def _digest_blocks(slack: SlackWorld, week: str) -> dict:
    async with slack.runtime.db.session() as session:
        survey = await active_survey(session, tenant_id=1)
        digest = await build_digest(session, survey=survey, week=week)
    return render_message(digest_template.render(digest_template.DigestMessageData(digest)))


async def _reply(slack: SlackWorld, user: str) -> str:
    return json.dumps(slack.api.responses[-1].body) if slack.api.responses else ""


async def test_an_introduction_is_a_group_dm_and_its_follow_up_a_button(
    slack: SlackWorld,
) -> None:
    button = await _planted(slack)
    slack.clock.at = CLICK
    response = await slack.click(
        "U0BOSS", button["action_id"], button["value"], channel="D0BOSS", ts="1.1"
    )
    assert response.status == 200
    await slack.api.wait_for("response_url")
    assert "Introduction on its way" in await _reply(slack, "U0BOSS")
    # A second click (another replica, a double click) introduces no one again.
    await slack.click(
        "U0BOSS", button["action_id"], button["value"], channel="D0BOSS", ts="1.1", action_ts="1.3"
    )
    await slack.api.wait_for("response_url", 2)
    assert "Already introduced" in await _reply(slack, "U0BOSS")

    await tick(slack.runtime.db, now=CLICK.replace(minute=1), ports=slack.runtime.ports)
    (opened,) = slack.api.of("conversations.open")
    assert sorted(opened["users"].split(",")) == ["U0DAT00", "U0ENG00"]
    (channel,) = slack.api.group_dms
    post = next(p for p in slack.api.of("chat.postMessage") if p["channel"] == channel)
    assert "Data Person 0 (Data), meet Eng Person 0 (Eng)" in post["text"]
    assert "show-and-tell" in post["text"]
    await tick(slack.runtime.db, now=CLICK.replace(minute=2), ports=slack.runtime.ports)
    assert len(slack.api.of("conversations.open")) == 1  # exactly once

    await tick(
        slack.runtime.db, now=datetime(2026, 12, 7, 9, 5, tzinfo=UTC), ports=slack.runtime.ports
    )
    asks = [p for p in slack.api.of("chat.postMessage") if "Did you meet?" in p["text"]]
    assert sorted(p["channel"] for p in asks) == ["U0DAT00", "U0ENG00"]
    ask = next(p for p in asks if p["channel"] == "U0DAT00")
    yes = next(
        e
        for b in ask["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["value"].endswith(":yes")
    )
    await slack.click("U0DAT00", yes["action_id"], yes["value"], channel="D0DAT00", ts="9.1")
    (thanks,) = await slack.api.wait_for("chat.update")
    assert (thanks["channel"], thanks["ts"]) == ("D0DAT00", "9.1")
    assert "Glad you met" in thanks["text"]
    async with slack.runtime.db.session() as session:
        (answer,) = (await session.exec(select(IntroductionAnswer))).all()
        intro = (await session.exec(select(Introduction))).one()
    assert answer.answer == "yes" and answer.introduction_id == intro.id

    # Two later weeks with more ties between the two teams: the digest reports the effect.
    for week in ("2026-W50", "2026-W51"):
        await plant_week(slack.runtime.db, week=week, data_eng=8, smooth=4.0)
    shown = json.dumps(await _digest_blocks(slack, "2026-W51"))
    assert "Data and Eng (introduced 2026-W49)" in shown and "more ties than before" in shown


async def test_a_forged_value_and_a_member_introduce_no_one(slack: SlackWorld) -> None:
    button = await _planted(slack)
    slack.clock.at = CLICK
    forged = json.dumps({"w": "2026-W48", "k": "island", "a": "Legal", "b": "Ops"})
    await slack.click("U0BOSS", button["action_id"], forged, channel="D0BOSS", ts="1.1")
    await slack.api.wait_for("response_url")
    assert "No longer suggested" in await _reply(slack, "U0BOSS")
    await slack.click(
        "U0MEMB", button["action_id"], button["value"], channel="D0MEMB", ts="1.1", action_ts="1.3"
    )
    await slack.api.wait_for("response_url", 2)
    assert "Only leaders introduce teams" in await _reply(slack, "U0MEMB")
    async with slack.runtime.db.session() as session:
        assert (await session.exec(select(Introduction))).all() == []
    await tick(slack.runtime.db, now=CLICK.replace(minute=1), ports=slack.runtime.ports)
    assert slack.api.of("conversations.open") == []
    for week in ("2026-W50", "2026-W51"):  # more ties, but no one was introduced
        await plant_week(slack.runtime.db, week=week, data_eng=8, smooth=4.0)
    assert "Introductions" not in json.dumps(await _digest_blocks(slack, "2026-W51"))
