"""Property-based fuzzing of Teams' /api/messages over loopback: the real aiohttp server,
botbuilder's CloudAdapter and the database, replies going to a stand-in connector. Bodies
that are not Activities get a 4xx and change nothing; Activities of the right shape with
odd values get an answer below 500 and no failed turn; without a valid token, 401."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.teams.app import MAX_BODY
from scheduler.jobs import tick
from tests.adapters.fuzzing import FUZZ, JSON, RawClient, deep, snapshot
from tests.adapters.teams.test_teams_app import (
    APP_ID,
    TeamsWorld,
    _link_megan,
    _world,
    payload,
)
from tests.fakes.bot_openid import BotOpenId

FREE = st.text(st.characters(codec="utf-8"), max_size=60)  # NUL included: people's text is cleaned
JSON_TYPE = [("Content-Type", "application/json")]


@pytest.fixture
async def teams(database_url: str) -> AsyncIterator[TeamsWorld]:
    """Without an app id (CROSSPULSE_DEV=1): every Activity reaches the turn."""
    async for world in _world(database_url, crosspulse_dev=True):
        yield world


@pytest.fixture
def openid(monkeypatch: pytest.MonkeyPatch) -> Iterator[BotOpenId]:
    """The Bot Framework's signing keys on loopback (as in test_teams_app)."""
    from botframework.connector.auth import ChannelValidation

    keys = BotOpenId()
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", keys.metadata_url)
    yield keys
    keys.stop()


@pytest.fixture
async def signed(database_url: str, openid: BotOpenId) -> AsyncIterator[TeamsWorld]:
    async for world in _world(database_url, microsoft_app_id=APP_ID, microsoft_app_password="pw"):
        yield world


def _message(world: TeamsWorld) -> dict:
    activity = payload("teams_message_activity_personal.json", world.connector, text="status")
    activity["attachments"] = []
    return activity


BAD_FIELDS: list[tuple[str, list]] = [
    ("from", ["x", 5, [], None, {}, {"id": 5}, {"id": None}, {"id": "a\x00"}]),
    ("conversation", ["x", 5, [], None, {}, {"id": 5}, {"id": []}]),
    ("recipient", ["x", 5, []]),
    ("serviceUrl", [5, None, "", "x", "ftp://x", [], "javascript:alert(1)"]),
    ("type", [5, None, "", [], {}]),
    ("channelData", ["x", 5, [], {"tenant": "x"}, {"tenant": {"id": 5}}, {"team": 5}]),
    ("membersAdded", ["x", 5, [5], ["x"], [{"id": 5}]]),
    ("membersRemoved", ["x", [5], [{}]]),
    ("attachments", ["x", 5, [5]]),
    ("entities", ["x", [5], 5]),
    ("text", [5, [], {}, True]),
    ("replyToId", [5, [], {}]),
    ("timestamp", ["not a time", "2026-13-45T99:99:99Z"]),
]


@st.composite
def refused(draw: st.DrawFn, world: TeamsWorld) -> tuple[bytes, list, bool]:
    """Bodies that are not an Activity we can take: wrong fields, JSON too deep, bytes
    that are not UTF-8, lone surrogates, random JSON, the wrong content type, too big."""
    how = draw(st.sampled_from(["field", "field", "field", "deep", "utf8", "json", "type", "big"]))
    activity = _message(world)
    headers = JSON_TYPE
    if how == "field":
        key, values = draw(st.sampled_from(BAD_FIELDS))
        activity[key] = draw(st.sampled_from(values))
        body = json.dumps(activity).encode()
    elif how == "deep":
        nested = deep(draw(st.integers(min_value=40, max_value=20000)), objects=draw(st.booleans()))
        body = (json.dumps(activity)[:-1] + f', "value": {nested}}}').encode()
    elif how == "utf8":
        raw = json.dumps(activity, ensure_ascii=False).encode()
        at = draw(st.integers(min_value=0, max_value=len(raw)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80"]))
        body = raw[:at] + junk + raw[at:]
    elif how == "json":
        value = draw(JSON)
        body = json.dumps(value).encode()
        if isinstance(value, dict):  # an object, but never one with all of an Activity
            body = json.dumps({k: v for k, v in value.items() if k != "from"}).encode()
    elif how == "type":
        body = json.dumps(activity).encode()
        ctype = draw(st.sampled_from(["text/plain", "", "application/x-www-form-urlencoded"]))
        headers = [("Content-Type", ctype)]
    else:
        activity["text"] = "x" * draw(st.sampled_from([MAX_BODY, MAX_BODY * 3]))
        body = json.dumps(activity).encode()
    return body, headers, draw(st.booleans())


async def test_fuzz_bodies_that_are_not_activities_change_nothing(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """800 refused bodies: each a 4xx, no traceback, nothing sent, the database as before."""
    await _link_megan(teams)
    before = await snapshot(teams.runtime.db)
    client = RawClient(teams.url)

    @settings(FUZZ, max_examples=800)
    @given(case=refused(teams))
    def fuzz(case: tuple[bytes, list, bool]) -> None:
        body, headers, chunked = case
        status = client.post(body, headers, chunked=chunked)
        assert 400 <= status < 500, (status, body[:300])

    caplog.set_level(logging.WARNING)
    await asyncio.to_thread(fuzz)
    print(f"\nteams refused: {sum(client.statuses.values())} requests, {dict(client.statuses)}")
    assert sum(client.statuses.values()) >= 800
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert teams.connector.sent == []
    assert await snapshot(teams.runtime.db) == before


ACTIONS = st.sampled_from(
    ["submit:checkin", "submit:smoothness", "action:status", "action:optout", "action:optin"]
)
ROUND = st.sampled_from(["1", "2", "²", "9" * 5000, "9" * 19, "", "-1", 1, None]) | FREE
ANSWER = st.sampled_from(["1", "5", "9", "11", "²", "9" * 5000, "1,2,3", ""]) | FREE | st.integers()


@st.composite
def activities(draw: st.DrawFn, world: TeamsWorld) -> dict:
    """Activities Teams could send: commands with any text, card submits with any round
    and answers, from Megan (known) or a stranger."""
    activity = _message(world)
    activity["from"] = copy.deepcopy(activity["from"])
    if draw(st.booleans()):
        activity["from"]["aadObjectId"] = "00000000-0000-0000-0000-000000000000"
    if draw(st.booleans()):
        activity["text"] = draw(st.sampled_from(["status", "help", "optin", "", "digest"]) | FREE)
    else:
        activity["text"] = None
        value = {"action": draw(ACTIONS), "value": draw(ROUND)}
        value |= draw(
            st.dictionaries(
                st.sampled_from(["enps", "energy", "comment", "worked_with"]), ANSWER, max_size=4
            )
        )
        activity["value"] = value
        activity["replyToId"] = "act-1"
    return activity


async def test_fuzz_activities_with_odd_values_never_fail(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """400 Activities of the right shape with odd values: every answer below 500 and no
    failed turn (a failed turn logs an error and apologises to the person)."""
    await _link_megan(teams)
    await tick(teams.runtime.db, now=teams.runtime.bot.clock.now(), ports={})  # opens
    client = RawClient(teams.url)

    @settings(FUZZ, max_examples=400)
    @given(activity=activities(teams), chunked=st.booleans())
    def fuzz(activity: dict, chunked: bool) -> None:
        status = client.post(json.dumps(activity).encode(), JSON_TYPE, chunked=chunked)
        assert status < 500, (status, activity)

    caplog.set_level(logging.WARNING)
    await asyncio.to_thread(fuzz)
    print(f"\nteams activities: {sum(client.statuses.values())} requests, {dict(client.statuses)}")
    assert not [s for s in client.statuses if s >= 500]
    failed = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not failed, failed[0].getMessage()


async def test_fuzz_without_a_valid_token_everything_gets_401(
    signed: TeamsWorld, openid: BotOpenId, caplog: pytest.LogCaptureFixture
) -> None:
    """300 Activities of the right shape with no token, a junk one or one signed wrong:
    401, nothing sent or stored."""
    before = await snapshot(signed.runtime.db)
    client = RawClient(signed.url)
    activity = _message(signed)
    good = openid.token(audience=APP_ID, service_url=activity["serviceUrl"])
    tokens = st.sampled_from(
        [
            None,
            "",
            "Bearer",
            "Bearer not-a-jwt",
            "Basic abc",
            "Bearer " + good[:-5] + "AAAAA",  # the signature changed
            "Bearer " + openid.token(audience="someone-else", service_url=activity["serviceUrl"]),
        ]
    ) | st.text(st.characters(codec="ascii", min_codepoint=32, max_codepoint=126), max_size=60)

    @settings(FUZZ, max_examples=300)
    @given(authorization=tokens, text=FREE, chunked=st.booleans())
    def fuzz(authorization: str | None, text: str, chunked: bool) -> None:
        headers = list(JSON_TYPE)
        if authorization is not None:
            headers.append(("Authorization", authorization))
        body = json.dumps(activity | {"text": text}).encode()
        status = client.post(body, headers, chunked=chunked)
        assert status == 401, (status, authorization)

    caplog.set_level(logging.WARNING)
    await asyncio.to_thread(fuzz)
    print(f"\nteams unsigned: {sum(client.statuses.values())} requests, {dict(client.statuses)}")
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert signed.connector.sent == []
    assert await snapshot(signed.runtime.db) == before
