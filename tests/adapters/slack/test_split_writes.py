"""Signed Slack requests whose body arrives in several TCP writes (pauses between them) or
in chunked transfer encoding, as requests from across the internet do: each is accepted
and each answer is recorded once. Asserted on what the person sees (the stand-in Slack
API) and on participation, never on the stored answers (sealed until a round closes)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.store.models import Participation
from scheduler.jobs import tick
from tests.adapters.fuzzing import send_in_pieces, slack_signature
from tests.adapters.slack.conftest import SIGNING_SECRET, SlackWorld
from tests.adapters.slack.test_slack_app import _state_for


def _headers(body: bytes, content_type: str = "application/x-www-form-urlencoded") -> dict:
    ts = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": slack_signature(SIGNING_SECRET, ts, body),
    }


async def _send(world: SlackWorld, body: bytes, *, cuts: list[int], chunked: bool) -> int:
    status, _ = await asyncio.to_thread(
        send_in_pieces, world.url, body, _headers(body), cuts=cuts, chunked=chunked
    )
    return status


async def _status_text(world: SlackWorld, name: str, *, chunked: bool) -> str:
    """`/pulse status` sent in three writes (100 bytes, then 20, then the rest)."""
    body = urlencode(
        {
            "token": "x",
            "team_id": "T111",
            "channel_id": "C0GENERAL",
            "user_id": "U0ADA",
            "command": "/pulse",
            "text": "status",
            "response_url": world.api.response_url(name),
            "trigger_id": "1.2.3",
        }
    ).encode()
    seen = len(world.api.responses)
    assert await _send(world, body, cuts=[100, 120], chunked=chunked) == 200
    # process_before_response: the answer was posted before our response came back.
    return json.dumps([r.body for r in world.api.responses[seen:]])


def _submit_payload(dm: dict, state: dict, submit: dict) -> dict:
    """As Slack sends a click in a DM: with the whole message, so about 10 KB or more."""
    return {
        "type": "block_actions",
        "user": {"id": "U0ADA", "team_id": "T111"},
        "team": {"id": "T111"},
        "api_app_id": "A111",
        "token": "x",
        "container": {"type": "message", "message_ts": "1.000100", "channel_id": "D0ADA"},
        "channel": {"id": "D0ADA"},
        "trigger_id": "1.2.3",
        "response_url": "http://127.0.0.1:9/never-used",
        "message": {
            "type": "message",
            "ts": "1.000100",
            "text": dm["text"],
            "blocks": dm["blocks"],
        },
        "state": {"values": state},
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


@pytest.mark.parametrize("slack", [True], indirect=True)
@pytest.mark.parametrize("chunked", [False, True], ids=["segments", "chunked"])
async def test_split_command_and_pulse_submit_are_answered_once(
    slack: SlackWorld, chunked: bool
) -> None:
    await tick(
        slack.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=slack.runtime.ports
    )
    (dm,) = [p for p in slack.api.of("chat.postMessage") if p["channel"] == "U0ADA"]

    # A slash command: /pulse status, answered privately through its response_url.
    before = await _status_text(slack, "before", chunked=chunked)
    assert "Last check-in" in before and "none yet" in before

    # The pulse submitted from the DM: a 10 KB+ body cut at 100 bytes, 8,192 and near the end.
    submit = next(
        e
        for b in dm["blocks"]
        if b["type"] == "actions" and b["block_id"] == "buttons"
        for e in b["elements"]
        if e["action_id"] == "submit:checkin"
    )
    answers: dict = {"enps": "9", "energy": "4", "comment": "sent in pieces"}
    for block in dm["blocks"]:
        if block["type"] == "actions" and block["block_id"].startswith("bank."):
            answers[block["block_id"]] = "4"
    payload = _submit_payload(dm, _state_for(dm["blocks"], answers), submit)
    body = ("payload=" + quote(json.dumps(payload))).encode()
    assert len(body) > 8192 + 100
    assert await _send(slack, body, cuts=[100, 8192, len(body) - 10], chunked=chunked) == 200

    (update,) = slack.api.of("chat.update")
    assert (update["channel"], update["ts"]) == ("D0ADA", "1.000100")
    assert "Check-in received" in json.dumps(update["blocks"])
    async with slack.runtime.db.session() as session:
        count = select(func.count()).select_from(Participation)
        assert (await session.exec(count)).one() == 1
    after = await _status_text(slack, "after", chunked=chunked)
    assert "2026-W45" in after, after
