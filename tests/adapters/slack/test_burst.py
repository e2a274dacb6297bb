"""A burst of signed requests over loopback, all at once: every one is acked, every answer
is recorded once and every reply reaches the stand-in Slack API exactly once, while the
work behind the acks runs on the backlog's few workers. Synchronised on what arrives at
the stand-in and on the backlog draining, never on sleeps."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from sqlalchemy import func
from sqlmodel import select

from adapters.slack.listeners import BACKLOGS, BUSY, CAPACITY, drain
from bot.people.org import import_rows
from bot.people.tenancy import default_tenant
from bot.store.models import Participation
from scheduler.jobs import tick
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_slack_app import _state_for
from tests.conftest import parse_org

PEOPLE = 30  # besides Ada and Bob
HELPS = 40  # an unknown command each: help, opening with the command's own text
REPLAYED = 5  # of the helps, sent twice with the same signature


def _command(world: SlackWorld, user: str, text: str, name: str) -> str:
    return urlencode(
        {
            "token": "x",
            "team_id": "T111",
            "channel_id": "C0GENERAL",
            "user_id": user,
            "command": "/pulse",
            "text": text,
            "response_url": world.api.response_url(name),
            "trigger_id": "1.2.3",
        }
    )


def _submit(world: SlackWorld, dm: dict, ts: str) -> str:
    """The pulse's submit button clicked in the person's own DM, every scale answered."""
    user = dm["channel"]
    submit = next(
        e
        for b in dm["blocks"]
        if b["type"] == "actions" and b["block_id"] == "buttons"
        for e in b["elements"]
        if e["action_id"] == "submit:checkin"
    )
    answers: dict = {"enps": "9", "energy": "4"}
    for block in dm["blocks"]:
        if block["type"] == "actions" and block["block_id"].startswith("bank."):
            answers[block["block_id"]] = "4"
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": "T111"},
        "team": {"id": "T111"},
        "api_app_id": "A111",
        "token": "x",
        "container": {"type": "message", "message_ts": ts, "channel_id": "D" + user[1:]},
        "channel": {"id": "D" + user[1:]},
        "trigger_id": "1.2.3",
        "response_url": world.api.response_url(f"click-{user}"),
        "state": {"values": _state_for(dm["blocks"], answers)},
        "actions": [
            {
                "action_id": submit["action_id"],
                "block_id": "buttons",
                "value": submit["value"],
                "type": "button",
                "action_ts": "1.2",
            }
        ],
    }
    return "payload=" + quote(json.dumps(payload))


async def test_burst_is_acked_and_every_reply_arrives_once(slack: SlackWorld) -> None:
    rows = "email,name,department,timezone,slack_user_id\n" + "".join(
        f"p{i}@example.com,Person {i},Dept {i % 3},Europe/London,U1{i:04d}\n" for i in range(PEOPLE)
    )
    async with slack.runtime.db.session() as session:
        tenant = await default_tenant(session, today=slack.clock.at.date())
        await import_rows(session, tenant_id=tenant.id, rows=parse_org(rows), actor="test")
        await session.commit()
    report = await tick(
        slack.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=slack.runtime.ports
    )
    assert report.sent == PEOPLE + 2
    dms = slack.api.of("chat.postMessage")
    clicks = {f"{n + 1}.000100": _submit(slack, dm, f"{n + 1}.000100") for n, dm in enumerate(dms)}
    ts = str(int(time.time()))
    helps = {
        f"burst{n}": _command(slack, ("U0ADA", "U0BOB")[n % 2], f"burst{n}", f"help-{n}")
        for n in range(HELPS)
    }
    replays = list(helps.values())[:REPLAYED]

    statuses = await asyncio.gather(
        *(slack.post(body, timestamp=ts) for body in [*helps.values(), *replays]),
        *(slack.post(body) for body in clicks.values()),
    )
    assert [s.status for s in statuses] == [200] * len(statuses), "every request acked"

    await slack.api.wait_for("response_url", HELPS, timeout=60)
    await slack.api.wait_for("chat.update", len(clicks), timeout=60)
    await drain()  # nothing more is on its way
    replied = Counter(
        next(word for word in helps if f"“{word}”" in c.body["text"]) for c in slack.api.responses
    )
    assert replied == Counter(list(helps)), "one reply per help; the replays are dropped"
    updates = Counter(u["ts"] for u in slack.api.of("chat.update"))
    assert updates == Counter(list(clicks)), "one confirmation per click, in its own DM"
    assert all("Check-in received" in json.dumps(u["blocks"]) for u in slack.api.of("chat.update"))
    async with slack.runtime.db.session() as session:
        count = select(func.count()).select_from(Participation)
        assert (await session.exec(count)).one() == len(clicks)


async def test_full_backlog_says_busy_in_the_ack(slack: SlackWorld) -> None:
    """Past CAPACITY queued jobs a command is not queued: its ack says so, privately."""
    backlogs = list(BACKLOGS.values())
    for backlog in backlogs:
        backlog.capacity = 0
    try:
        response = await slack.command("U0ADA", "help")
    finally:
        for backlog in backlogs:
            backlog.capacity = CAPACITY
    assert response.status == 200
    assert BUSY in (await response.text())
    await drain()
    assert slack.api.responses == []
