"""Anonymous conversations through Slack end to end: signed block_actions into /slack/events,
the Slack Web API stand-in recording what reaches whom. The executive replies under a digest
comment, the author (and only the author) gets it in their DM and answers, the executive gets
the answer; a forged value and a member's click change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from bot.chat.compose import pulse_message
from bot.chat.events import ActionEvent, Actor
from bot.people.org import import_rows
from bot.people.tenancy import default_tenant
from bot.store.models import ConversationMessage, Delivery, Person, Round
from scheduler.jobs import tick
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_slack_app import _state_for
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import SECRET, parse_org

SENT = datetime(2026, 11, 3, 11, 0, tzinfo=UTC)
DIGEST = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
LATER = DIGEST + timedelta(hours=1)
HANDOFFS = "Handoffs with Sales keep breaking."
AUTHOR = "U0E03"


async def _digest_with_comments(slack: SlackWorld) -> dict:
    """Twelve engineers answer W45 (three comment), it closes, the boss gets the digest."""
    async with slack.runtime.db.session() as session:
        tenant = await default_tenant(session, today=slack.clock.at.date())
        rows = "email,name,department,timezone,role,slack_user_id\n"
        rows += "boss@example.com,Boss,Board,Europe/London,executive,U0BOSS\n"
        rows += "".join(
            f"e{i}@example.com,E {i},Eng,Europe/London,member,U0E{i:02d}\n" for i in range(12)
        )
        await import_rows(session, tenant_id=tenant.id, rows=parse_org(rows), actor="test")
        await session.commit()
    await _tick(slack, SENT)
    async with slack.runtime.db.session() as session:
        round_ = await session.get(Round, 1)
        person = (await session.exec(select(Person).where(Person.email == "e0@example.com"))).one()
        delivery = (
            await session.exec(select(Delivery).where(Delivery.person_id == person.id))
        ).one()
        pulse = await pulse_message(session, person=person, round_=round_, delivery=delivery)
    comments = {3: HANDOFFS, 5: "More time for deep work.", 8: "Fewer status meetings."}
    for i in range(12):
        answers = good_answers(pulse) | ({"comment": comments[i]} if i in comments else {})
        await slack.runtime.bot.handle(
            ActionEvent(Actor("slack", f"U0E{i:02d}"), "checkin", "1", answers)
        )
    await _tick(slack, DIGEST)
    return next(
        p
        for p in slack.api.of("chat.postMessage")
        if p["channel"] == "U0BOSS" and "digest" in p["text"].lower()
    )


async def _tick(slack: SlackWorld, at: datetime):  # type: ignore[no-untyped-def]
    slack.clock.at = at
    return await tick(slack.runtime.db, now=at, ports=slack.runtime.ports, secret=SECRET)


def _buttons(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def _conversations_to(slack: SlackWorld, channel: str) -> list[dict]:
    return [
        p
        for p in slack.api.of("chat.postMessage")
        if p["channel"] == channel and "conversation" in p["text"].lower()
    ]


async def test_reply_and_answer_through_slack(slack: SlackWorld) -> None:
    digest = await _digest_with_comments(slack)
    reply = next(
        e
        for e in _buttons(digest["blocks"])
        if e["action_id"] == "action:convo_reply" and "Handoffs" in e["text"]["text"]
    )
    posted = len(slack.api.of("chat.postMessage"))
    response = await slack.click(
        "U0BOSS", reply["action_id"], reply["value"], channel="D0BOSS", ts="1.000100"
    )
    assert response.status == 200
    form = (await slack.api.wait_for("chat.postMessage", posted + 1))[-1]
    assert form["channel"] == "U0BOSS" and HANDOFFS in json.dumps(form["blocks"])
    send = next(e for e in _buttons(form["blocks"]) if e["action_id"] == "submit:convo_send")
    state = _state_for(form["blocks"], {"text": "Which handoffs, and what breaks?"})
    await slack.click(
        "U0BOSS", send["action_id"], send["value"], channel="D0BOSS", ts="9.000100", state=state
    )
    (update,) = await slack.api.wait_for("chat.update")
    assert (update["channel"], update["ts"]) == ("D0BOSS", "9.000100")
    assert "Reply sent" in json.dumps(update["blocks"])

    report = await _tick(slack, LATER)
    assert report.sent == 1
    (dm,) = _conversations_to(slack, AUTHOR)
    shown = json.dumps(dm["blocks"], ensure_ascii=False)
    assert "A leader replied to what you wrote in week 45." in shown
    assert HANDOFFS in shown and "Which handoffs, and what breaks?" in shown
    told = {
        p["channel"]
        for p in slack.api.of("chat.postMessage")
        if "conversation" in p["text"].lower()
    }
    assert told == {"U0BOSS", AUTHOR}, "no one else heard of it"

    answer = next(e for e in _buttons(dm["blocks"]) if e["action_id"] == "submit:convo_answer")
    state = _state_for(dm["blocks"], {"text": "The quotes E 4 sends back, every week."})
    await slack.click(
        AUTHOR, answer["action_id"], answer["value"], channel="D0E03", ts="10.000100", state=state
    )
    await slack.api.wait_for("chat.update", 2)
    await _tick(slack, LATER + timedelta(minutes=1))
    back = _conversations_to(slack, "U0BOSS")[-1]
    text = json.dumps(back["blocks"], ensure_ascii=False)
    assert "answered you" in text and "Author: The quotes" in text
    assert "U0E03" not in json.dumps(back) and "e3@example.com" not in json.dumps(back)
    async with slack.runtime.db.session() as session:
        refs = (
            await session.exec(select(Delivery.message_ref).where(Delivery.kind == "convo"))
        ).all()
    assert refs == [None, None], "where a conversation went is not kept"


async def test_forged_and_member_clicks_change_nothing(slack: SlackWorld) -> None:
    digest = await _digest_with_comments(slack)
    reply = next(e for e in _buttons(digest["blocks"]) if e["action_id"] == "action:convo_reply")
    state = {"text": {"input:text": {"type": "plain_text_input", "value": "hello"}}}
    for user, value in (("U0BOSS", "99999"), ("U0BOSS", "x1"), ("U0E04", reply["value"])):
        await slack.click(
            user, "submit:convo_send", value, channel="D0X", ts="1.000100", state=state
        )
    replies = await slack.api.wait_for("response_url", 3)
    titles = [r["text"] for r in replies]
    assert any("doesn't exist" in t for t in titles)
    assert any("Replies are for leaders" in t for t in titles)
    async with slack.runtime.db.session() as session:
        assert (
            await session.exec(select(func.count()).select_from(ConversationMessage))
        ).one() == 0
