"""The listening tour in Slack, end to end over loopback: an executive's `/pulse listen` puts
the form in their DM (within Block Kit's limits), submitting it with a bad date is refused and
starts nothing, a good submit starts the tour and updates the form; the intake reaches a person
as a DM through the outbox, and their answers are sealed (the DM becomes a thank-you that
echoes nothing); a member asking is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

from sqlmodel import select

from adapters.slack.limits import check_blocks
from bot.enums import Role
from bot.store.models import ListeningSheet, ListeningTour, Person
from scheduler.jobs import tick
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_admin import state_of


async def make_executive(slack: SlackWorld, email: str = "ada@example.com") -> None:
    async with slack.runtime.db.session() as session:
        person = (await session.exec(select(Person).where(Person.email == email))).one()
        person.role = Role.EXECUTIVE
        session.add(person)
        await session.commit()


async def submit(
    slack: SlackWorld,
    user: str,
    channel: str,
    message: dict,
    action: str,
    changes: dict,
    action_ts: str,
):  # type: ignore[no-untyped-def]
    button = next(
        e
        for b in message["blocks"]
        if b["type"] == "actions" and b["block_id"] == "buttons"
        for e in b["elements"]
        if e["action_id"] == f"submit:{action}"
    )
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": "T111"},
        "team": {"id": "T111"},
        "api_app_id": "A111",
        "token": "x",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
        "channel": {"id": channel},
        "trigger_id": "1.2.3",
        "response_url": slack.api.response_url(f"{user}-{action_ts}"),
        "state": {"values": state_of(message["blocks"], changes)},
        "actions": [
            {
                "action_id": button["action_id"],
                "block_id": "buttons",
                "value": button.get("value", "-"),
                "type": "button",
                "action_ts": action_ts,
            }
        ],
    }
    return await slack.post("payload=" + quote(json.dumps(payload)))


async def test_an_executive_starts_a_tour_and_a_person_answers_it_in_slack(
    slack: SlackWorld,
) -> None:
    await make_executive(slack)
    assert (await slack.command("U0ADA", "listen")).status == 200
    (dm,) = await slack.api.wait_for("chat.postMessage")
    (note,) = await slack.api.wait_for("response_url")
    assert dm["channel"] == "U0ADA" and "listening tour form" in note["text"]
    assert check_blocks(dm) == []
    shown = json.dumps(dm["blocks"])
    assert "Start a listening tour" in shown and "What is your team measured on?" in shown
    form = {"ts": "1.000100", "blocks": dm["blocks"]}

    bad = {"departments": ["Sales"], "until": "next friday"}
    assert (await submit(slack, "U0ADA", "DADA", form, "listen_start", bad, "1.1")).status == 200
    (_, refusal) = await slack.api.wait_for("response_url", 2)
    assert "Nothing started" in json.dumps(refusal["blocks"]) and "next friday" in json.dumps(
        refusal["blocks"]
    )
    async with slack.runtime.db.session() as session:
        assert (await session.exec(select(ListeningTour))).all() == []

    good = {"departments": ["Sales"], "until": "2026-11-10"}
    await submit(slack, "U0ADA", "DADA", form, "listen_start", good, "1.2")
    (update,) = await slack.api.wait_for("chat.update")
    assert update["channel"] == "DADA" and update["ts"] == "1.000100"
    assert "Listening tour started" in json.dumps(update["blocks"])

    await tick(
        slack.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=slack.runtime.ports
    )
    intakes = [
        p for p in slack.api.of("chat.postMessage") if "A leader is listening" in json.dumps(p)
    ]
    assert [p["channel"] for p in intakes] == ["U0BOB"], "Sales only; Cy has no Slack id"
    assert check_blocks(intakes[0]) == []
    intake = {"ts": "9.000100", "blocks": intakes[0]["blocks"]}
    answers = {"depends": "Engineering for bug fixes", "easier": "a shared roadmap"}
    await submit(slack, "U0BOB", "DBOB", intake, "tour_answer", answers, "2.1")
    updates = await slack.api.wait_for("chat.update", 2)
    thanks = json.dumps(updates[1]["blocks"])
    assert updates[1]["ts"] == "9.000100" and "Answers received" in thanks
    assert "bug fixes" not in thanks
    async with slack.runtime.db.session() as session:
        assert len((await session.exec(select(ListeningSheet))).all()) == 1


async def test_a_member_gets_no_listening_form_in_slack(slack: SlackWorld) -> None:
    await slack.command("U0BOB", "listen")
    (reply,) = await slack.api.wait_for("response_url")
    assert "Executives only" in json.dumps(reply["blocks"])
    assert slack.api.of("chat.postMessage") == []
