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
from bot.store.models import ListeningSheet, ListeningTour, Person, Survey
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


async def test_the_summary_reaches_the_executive_with_the_map_in_slack(slack: SlackWorld) -> None:
    """A tour to Engineering and Sales with the comment threshold at 2 (Ada and Bob answer;
    each department alone is under it, so they are pooled): at the close the summary reaches
    Ada's DM, the dependency map uploaded in its thread, no answer quoted."""
    await make_executive(slack)
    async with slack.runtime.db.session() as session:
        survey = (await session.exec(select(Survey))).one()
        survey.k_comments = 2
        session.add(survey)
        await session.commit()
    await slack.command("U0ADA", "listen")
    (dm,) = await slack.api.wait_for("chat.postMessage")
    form = {"ts": "1.000100", "blocks": dm["blocks"]}
    good = {"departments": ["Engineering", "Sales"], "until": "2026-11-05"}
    await submit(slack, "U0ADA", "DADA", form, "listen_start", good, "1.1")
    await slack.api.wait_for("chat.update")
    await tick(
        slack.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=slack.runtime.ports
    )
    posts = slack.api.of("chat.postMessage")
    for user, channel, words in (
        ("U0ADA", "DADA", "Engineering, mostly for bug fixes"),
        ("U0BOB", "DBOB", "engineers for bug fixes please"),
    ):
        intake = next(
            p for p in posts if p["channel"] == user and "A leader is listening" in json.dumps(p)
        )
        message = {"ts": f"9.{user}", "blocks": intake["blocks"]}
        await submit(slack, user, channel, message, "tour_answer", {"depends": words}, user)
    await slack.api.wait_for("chat.update", 3)
    before = len(slack.api.of("chat.postMessage"))
    await tick(
        slack.runtime.db, now=datetime(2026, 11, 6, 12, 0, tzinfo=UTC), ports=slack.runtime.ports
    )
    (summary,) = [
        p
        for p in slack.api.of("chat.postMessage")[before:]
        if "What the listening tour heard" in json.dumps(p)
    ]
    assert summary["channel"] == "U0ADA" and check_blocks(summary) == []
    shown = json.dumps(summary, ensure_ascii=False)
    assert "Other departments (pooled) → Engineering: 2 people" in shown
    assert "bug fixes (2 people)" in shown and "mostly" not in shown and "please" not in shown
    (complete,) = await slack.api.wait_for("files.completeUploadExternal")
    assert complete.get("thread_ts"), "the map goes in the summary's thread"
    (png,) = slack.api.uploads.values()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
