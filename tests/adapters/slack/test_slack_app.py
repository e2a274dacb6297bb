"""Slack end to end over loopback: signed requests into /slack/events, the real Bolt app and
slack_sdk client, and a stand-in Slack Web API that records what we send."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.store.models import Participation
from scheduler.jobs import tick
from tests.adapters.slack.conftest import SlackWorld
from tests.conftest import SHARED


def _state_for(blocks: list[dict], answers: dict[str, str | list[str]]) -> dict:
    """state.values as Slack sends it for the selects and the text input we rendered."""
    values: dict = {}
    for block in blocks:
        key = block.get("block_id")
        if key not in answers:
            continue
        element = block["elements"][0] if block["type"] == "actions" else block["element"]
        answer = answers[key]
        if element["type"] == "multi_static_select":
            state = {
                "type": element["type"],
                "selected_options": [o for o in element["options"] if o["value"] in answer],
            }
        elif element["type"] == "static_select":
            state = {
                "type": element["type"],
                "selected_option": next(o for o in element["options"] if o["value"] == answer),
            }
        else:
            state = {"type": element["type"], "value": answer}
        values[key] = {element["action_id"]: state}
    return values


async def test_tick_sends_pulses_as_dms_through_slack(slack: SlackWorld) -> None:
    report = await tick(
        slack.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=slack.runtime.ports
    )
    assert (report.sent, report.unreachable) == (2, 1), "Cy has no Slack id"
    posts = slack.api.of("chat.postMessage")
    assert sorted(p["channel"] for p in posts) == ["U0ADA", "U0BOB"]
    assert all(p["blocks"][0]["type"] == "header" for p in posts)
    assert all(c.headers.get("Authorization") == "Bearer xoxb-test" for c in slack.api.calls)


async def test_pulse_command_answer_and_confirmation(slack: SlackWorld) -> None:
    await tick(slack.runtime.db, now=slack.clock.at, ports=slack.runtime.ports)  # opens
    response = await slack.command("U0ADA", "")
    assert response.status == 200
    (dm,) = await slack.api.wait_for("chat.postMessage")
    assert dm["channel"] == "U0ADA"
    (note,) = await slack.api.wait_for("response_url")
    assert note["response_type"] == "ephemeral" and "direct message" in note["text"]
    blocks = dm["blocks"]
    submit = next(
        e
        for b in blocks
        if b["type"] == "actions" and b["block_id"] == "buttons"
        for e in b["elements"]
        if e["action_id"] == "submit:checkin"
    )
    sales = next(
        o["value"]
        for b in blocks
        if b.get("block_id") == "worked_with"
        for o in b["elements"][0]["options"]
        if o["text"]["text"] == "Sales"
    )
    answers = {"enps": "9", "energy": "4", "worked_with": [sales], "comment": "all good"}
    for block in blocks:
        if block["type"] == "actions" and block["block_id"].startswith("bank."):
            answers[block["block_id"]] = "4"
    state = _state_for(blocks, answers)
    response = await slack.click(
        "U0ADA", submit["action_id"], submit["value"], channel="D0ADA", ts="1.000100", state=state
    )
    assert response.status == 200
    (update,) = await slack.api.wait_for("chat.update")
    assert (update["channel"], update["ts"]) == ("D0ADA", "1.000100")
    assert update["blocks"][0]["text"]["text"] == "How smooth was it?"
    smooth = next(b for b in update["blocks"] if b.get("block_id", "").startswith("smooth."))
    follow_submit = next(
        e for b in update["blocks"] if b.get("block_id") == "buttons" for e in b["elements"]
    )
    state = _state_for(update["blocks"], {smooth["block_id"]: "2"})
    await slack.click(
        "U0ADA",
        follow_submit["action_id"],
        follow_submit["value"],
        channel="D0ADA",
        ts="1.000100",
        state=state,
    )
    updates = await slack.api.wait_for("chat.update", 2)
    confirmation = json.dumps(updates[1]["blocks"])
    assert "Check-in received" in confirmation
    assert "all good" not in confirmation and "Sales" not in confirmation
    async with slack.runtime.db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Participation))).one() == 1
    # A double click after the answer records nothing and says so, privately.
    await slack.click(
        "U0ADA",
        submit["action_id"],
        submit["value"],
        channel="D0ADA",
        ts="1.000100",
        state=_state_for(blocks, answers),
        action_ts="1.3",  # a second click is a new request, not a replay
    )
    replies = await slack.api.wait_for("response_url", 2)
    assert replies[-1]["response_type"] == "ephemeral"
    assert "Already answered" in replies[-1]["text"]


async def test_unknown_command_gets_help_privately(slack: SlackWorld) -> None:
    await slack.command("U0BOB", "dance")
    (reply,) = await slack.api.wait_for("response_url")
    assert reply["response_type"] == "ephemeral"
    assert "I didn't recognise “dance”" in reply["text"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"secret": "wrong"}, 401),
        ({"timestamp": str(int(time.time()) - 3600)}, 401),
        ({"timestamp": "soon"}, 401),
        ({"signature": "v0=00000000"}, 401),
    ],
)
async def test_forged_or_stale_requests_are_refused(
    slack: SlackWorld, kwargs: dict, status: int
) -> None:
    body = urlencode(
        {
            "command": "/pulse",
            "text": "optout",
            "user_id": "U0ADA",
            "response_url": slack.api.response_url(),
        }
    )
    response = await slack.post(body, **kwargs)
    assert response.status == status
    assert slack.api.calls == [] and slack.api.responses == []


async def test_malformed_bodies_get_4xx_never_500(slack: SlackWorld) -> None:
    async with slack.http.post(slack.url, data=b"command=%2Fpulse") as unsigned:
        assert unsigned.status == 401
    assert (await slack.post("[1, 2]", content_type="application/json")).status == 400
    assert (await slack.post("payload=%5B1%5D")).status == 400
    assert (await slack.post("payload=not-json")).status == 400
    big = "text=" + "x" * (300 * 1024)
    assert (await slack.post(big)).status == 413


@pytest.mark.parametrize(
    "body",
    [
        '{"type": "event_callback", "authorizations": "x", "event": {"type": "app_home_opened"}}',
        '{"type": "event_callback", "event": "not-an-object"}',
        '{"type": "event_callback", "team_id": ["T1"], "event": {"user": "U1"}}',
        '{"type": "block_actions", "user": 7, "actions": []}',
    ],
)
async def test_malformed_json_fields_get_401_unsigned_and_4xx_signed(
    slack: SlackWorld, body: str
) -> None:
    """Bolt parses a body before checking its signature; a field of the wrong type must
    neither crash the endpoint (500) nor be looked at before the signature is checked."""
    forged = await slack.post(body, content_type="application/json", secret="wrong")
    assert forged.status == 401
    assert slack.api.calls == []
    signed = await slack.post(body, content_type="application/json")
    assert signed.status == 400
    assert not [c for c in slack.api.calls if c.method.startswith(("chat.", "views."))]


async def test_rate_limited_workspace_pauses_without_a_hot_loop(slack: SlackWorld) -> None:
    slack.api.rate_limited["chat.postMessage"] = 30
    at = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    report = await tick(slack.runtime.db, now=at, ports=slack.runtime.ports)
    assert report.sent == 0 and report.deferred == 2
    assert len(slack.api.of("chat.postMessage")) <= 2, "a 429, then the rest wait"
    del slack.api.rate_limited["chat.postMessage"]
    early = await tick(slack.runtime.db, now=at.replace(second=10), ports=slack.runtime.ports)
    assert early.sent == 0, "Retry-After: 30 is honoured"
    later = await tick(slack.runtime.db, now=at.replace(second=31), ports=slack.runtime.ports)
    assert later.sent == 2


@pytest.mark.parametrize("slack", [True], indirect=True)
async def test_replayed_command_and_retried_event_change_nothing(slack: SlackWorld) -> None:
    body = urlencode(
        {
            "command": "/pulse",
            "text": "thanks <@U0BOB|bob> for the demo",
            "user_id": "U0ADA",
            "channel_id": "C1",
            "response_url": slack.api.response_url("thanks"),
        }
    )
    ts = str(int(time.time()))
    assert (await slack.post(body, timestamp=ts)).status == 200
    assert (await slack.post(body, timestamp=ts)).status == 200  # the same request again
    kudos = await slack.api.wait_for("chat.postMessage")
    await slack.api.wait_for("response_url")
    assert len(kudos) == 1 and kudos[0]["channel"] == "U0BOB"
    assert "Ada L (Engineering) says thank you" in kudos[0]["text"]
    event = {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event_id": "Ev01",
        "event_time": 1,
        "token": "x",
        "event": {"type": "app_uninstalled"},
    }
    first = await slack.post(json.dumps(event), content_type="application/json")
    event["event_time"] = 2  # Slack's retry: same event_id, new delivery
    retry = await slack.post(json.dumps(event), content_type="application/json")
    assert (first.status, retry.status) == (200, 200)
    async with slack.runtime.db.session() as session:
        from bot.store.models import SeenRequest

        keys = (await session.exec(select(SeenRequest.key))).all()
    assert "slack:event:Ev01" in keys and len(keys) == 2


def _home_event(user: str, event_id: str, tab: str = "home") -> str:
    payload = json.loads(
        (
            SHARED / "payloads" / "slack_event_callback_app_home_opened.bolt-python-test.json"
        ).read_text()
    )
    payload["event"].update({"user": user, "tab": tab})
    payload["event_id"] = event_id
    return json.dumps(payload)


@pytest.fixture
def home_payload_available() -> None:
    if not (SHARED / "payloads").exists():
        pytest.skip("../shared/payloads is absent")


async def test_app_home_shows_status_and_its_buttons_work(
    slack: SlackWorld, home_payload_available: None
) -> None:
    response = await slack.post(
        _home_event("U0ADA", "EvH1", tab="messages"), content_type="application/json"
    )
    assert response.status == 200
    assert slack.api.of("views.publish") == [], "the Messages tab needs no home view"
    await slack.post(_home_event("U0ADA", "EvH2"), content_type="application/json")
    (published,) = await slack.api.wait_for("views.publish")
    assert published["user_id"] == "U0ADA" and published["view"]["type"] == "home"
    text = json.dumps(published["view"]["blocks"])
    assert "Hi Ada" in text and "Next pulse" in text and "Organisation (admin)" not in text
    buttons = [
        e for b in published["view"]["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert [b["action_id"] for b in buttons] == [
        "action:checkin_now",
        "action:optout",
        "action:forget_me",
    ]
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ADA"},
        "team": {"id": "T111"},
        "api_app_id": "A111",
        "token": "x",
        "trigger_id": "1",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home", "blocks": []},
        "actions": [
            {
                "action_id": "action:optout",
                "block_id": "buttons",
                "value": "-",
                "type": "button",
                "action_ts": "9.9",
            }
        ],
    }
    await slack.post("payload=" + quote(json.dumps(payload)))
    (dm,) = await slack.api.wait_for("chat.postMessage")
    assert dm["channel"] == "U0ADA" and "Opted out" in dm["text"]
    republished = await slack.api.wait_for("views.publish", 2)
    assert "action:optin" in json.dumps(republished[1]["view"]["blocks"])
