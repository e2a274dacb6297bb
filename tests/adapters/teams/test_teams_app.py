"""Teams end to end over loopback: Activities posted to /api/messages, the real botbuilder
CloudAdapter, replies and proactive sends recorded by a stand-in connector."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import jsonschema
import pytest
from aiohttp import web
from sqlmodel import select

from adapters.ports import configured_ports
from adapters.runtime import Runtime, build
from adapters.server import make_app
from bot.config import load_settings
from bot.models import ConversationRef, Participation, Person
from bot.org import import_rows, parse_csv
from bot.ports import FixedClock
from bot.tenancy import default_tenant
from scheduler.jobs import tick
from tests.conftest import SHARED
from tests.fakes.bot_openid import BotOpenId
from tests.fakes.teams_connector import FakeConnector

PAYLOADS = SHARED / "payloads"
SCHEMA = SHARED / "schemas" / "adaptive-cards" / "adaptive-card.1.5.0.json"
MEGAN = "7faf8ab2-3d56-4244-b585-20c8a42ed2b8"
MEGAN_CHANNEL_ID = (
    "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw"
)
ORG = (
    "email,name,department,timezone\nmegan@example.com,Megan Bowen,Sales,Europe/London\n"
    + "".join(f"e{i}@example.com,E {i},Eng,Europe/London\n" for i in range(3))
)


@dataclass
class TeamsWorld:
    runtime: Runtime
    connector: FakeConnector
    url: str
    http: aiohttp.ClientSession

    async def post(self, activity: dict | str, headers: dict | None = None) -> int:
        data = activity if isinstance(activity, str) else json.dumps(activity)
        async with self.http.post(
            self.url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
        ) as response:
            await response.read()
            return response.status


def payload(name: str, connector: FakeConnector, **changes: object) -> dict:
    if not PAYLOADS.exists():
        pytest.skip("../shared/payloads is absent")
    activity = json.loads((PAYLOADS / name).read_text())
    activity["serviceUrl"] = connector.url
    activity.update(changes)
    return activity


async def _world(database_url: str, **settings_kw: object) -> AsyncIterator[TeamsWorld]:
    connector = await FakeConnector().start()
    settings = load_settings(database_url=database_url, **settings_kw)
    clock = FixedClock(datetime(2026, 11, 3, 6, 0, tzinfo=UTC))
    runtime = await build(settings, clock=clock)
    runtime.ports = configured_ports(settings, db=runtime.db, clock=clock)
    async with runtime.db.session() as session:
        tenant = await default_tenant(session, today=clock.at.date())
        await import_rows(session, tenant_id=tenant.id, rows=parse_csv(ORG), actor="test")
        await session.commit()
    runner = web.AppRunner(make_app(runtime))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http:
        yield TeamsWorld(runtime, connector, f"http://127.0.0.1:{port}/api/messages", http)
    await runner.cleanup()
    await runtime.db.dispose()
    await connector.stop()


@pytest.fixture
async def teams(database_url: str) -> AsyncIterator[TeamsWorld]:
    async for world in _world(database_url, crosspulse_dev=True):
        yield world


@pytest.fixture
async def secured(database_url: str) -> AsyncIterator[TeamsWorld]:
    async for world in _world(
        database_url, microsoft_app_id="11111111-2222-3333-4444-5555", microsoft_app_password="pw"
    ):
        yield world


APP_ID = "11111111-2222-3333-4444-5555"


@pytest.fixture
def openid(monkeypatch: pytest.MonkeyPatch) -> Iterator[BotOpenId]:
    """The Bot Framework's signing keys on loopback: botbuilder's own channel validation
    (the production code path) fetches them from here instead of the internet."""
    from botframework.connector.auth import ChannelValidation

    keys = BotOpenId()
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", keys.metadata_url)
    yield keys
    keys.stop()


@pytest.fixture
async def signed(database_url: str, openid: BotOpenId) -> AsyncIterator[TeamsWorld]:
    async for world in _world(database_url, microsoft_app_id=APP_ID, microsoft_app_password="pw"):
        yield world


def _validate(card: dict) -> None:
    if not SCHEMA.exists():
        pytest.skip("../shared/schemas is absent")
    jsonschema.Draft6Validator(json.loads(SCHEMA.read_text())).validate(card)


async def test_install_welcomes_links_by_roster_and_stores_the_reference(
    teams: TeamsWorld,
) -> None:
    teams.connector.members["29:megan"] = {
        "id": "29:megan",
        "aadObjectId": MEGAN,
        "email": "megan@example.com",
        "name": "Megan",
    }
    install = payload("teams_conversationUpdate_bot_installed_personal.json", teams.connector)
    install["from"] = {"id": "29:megan", "aadObjectId": MEGAN}
    install["conversation"] = {"conversationType": "personal", "id": "a:megan"}
    install["membersAdded"] = [{"id": install["recipient"]["id"]}]
    assert await teams.post(install) in (200, 201)
    (welcome,) = teams.connector.cards()
    _validate(welcome)
    assert "Welcome to Crosspulse" in json.dumps(welcome)
    async with teams.runtime.db.session() as session:
        megan = (
            await session.exec(select(Person).where(Person.email == "megan@example.com"))
        ).one()
        ref = (await session.exec(select(ConversationRef))).one()
    assert megan.teams_user_id == MEGAN and ref.user_id == MEGAN
    assert ref.reference["conversation"]["id"] == "a:megan"
    # The weekly pulse then reaches her proactively, as an Adaptive Card 1.5.
    report = await tick(
        teams.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=teams.runtime.ports
    )
    assert report.sent == 1 and report.unreachable == 3
    pulse = teams.connector.sent[-1]
    assert pulse.conversation == "a:megan" and pulse.method == "post"
    card = teams.connector.cards()[-1]
    _validate(card)
    assert any(e.get("id") == "worked_with" and e.get("isMultiSelect") for e in card["body"])


async def test_help_in_a_personal_chat(teams: TeamsWorld) -> None:
    stranger = payload("teams_message_activity_personal.json", teams.connector, text="help")
    stranger["attachments"] = []
    await teams.post(stranger)
    assert "I don't know you yet" in json.dumps(teams.connector.cards()[-1])
    # Her first message links her through the roster's e-mail.
    teams.connector.members[MEGAN_CHANNEL_ID] = {
        "id": MEGAN_CHANNEL_ID,
        "aadObjectId": MEGAN,
        "email": "megan@example.com",
    }
    message = payload("teams_message_activity_personal.json", teams.connector, text="help")
    message["attachments"] = []
    assert await teams.post(message) in (200, 201)
    reply = teams.connector.sent[-1]
    assert reply.conversation == message["conversation"]["id"]
    assert "/pulse status" in json.dumps(teams.connector.cards()[-1])


async def test_card_submit_records_once_and_replaces_the_card(teams: TeamsWorld) -> None:
    async with teams.runtime.db.session() as session:
        megan = (
            await session.exec(select(Person).where(Person.email == "megan@example.com"))
        ).one()
        megan.teams_user_id = MEGAN
        session.add(megan)
        await session.commit()
    await tick(teams.runtime.db, now=teams.runtime.bot.clock.now(), ports={})  # opens
    hello = payload("teams_message_activity_personal.json", teams.connector, text="")
    hello["attachments"] = []
    await teams.post(hello)  # "check in now": the pulse card comes back
    pulse_card = teams.connector.cards()[-1]
    keys = [e["id"] for e in pulse_card["body"] if "id" in e]
    submit = next(a for a in pulse_card["actions"] if a["data"]["action"] == "submit:checkin")
    from bot.messages import Choice, Input, InputKind

    fake_inputs = [
        Input(k, k, InputKind.SCALE, (Choice("1", "1"), Choice("5", "5")))
        for k in keys
        if k in ("energy",) or k.startswith("bank.")
    ]
    answers = {**{i.key: "4" for i in fake_inputs}, "enps": "9", "comment": "fine"}
    value = {**submit["data"], **answers}
    click = payload(
        "teams_message_activity_personal.json",
        teams.connector,
        text=None,
        value=value,
        replyToId="act-1",
    )
    click["attachments"] = []
    assert await teams.post(click) in (200, 201)
    update = teams.connector.sent[-1]
    assert (update.method, update.activity_id) == ("update", "act-1")
    confirmation = json.dumps(update.body)
    assert "Check-in received" in confirmation and "fine" not in confirmation
    await teams.post(click)  # a double submit
    assert "Already answered" in json.dumps(teams.connector.sent[-1].body)
    async with teams.runtime.db.session() as session:
        assert len((await session.exec(select(Participation))).all()) == 1


async def test_blocked_bot_marks_the_person_unreachable(teams: TeamsWorld) -> None:
    message = payload("teams_message_activity_personal.json", teams.connector, text="status")
    message["attachments"] = []
    await teams.post(message)  # stores her reference
    async with teams.runtime.db.session() as session:
        megan = (
            await session.exec(select(Person).where(Person.email == "megan@example.com"))
        ).one()
        megan.teams_user_id = MEGAN
        session.add(megan)
        await session.commit()
    teams.connector.refuse = 403
    report = await tick(
        teams.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=teams.runtime.ports
    )
    assert report.failed == 1
    after_close = datetime(2026, 11, 7, 0, 0, tzinfo=UTC)
    await tick(teams.runtime.db, now=after_close, ports=teams.runtime.ports)
    async with teams.runtime.db.session() as session:
        ref = (await session.exec(select(ConversationRef))).one()
        from bot.digest import build_digest
        from bot.models import Survey

        survey = (await session.exec(select(Survey))).one()
        digest = await build_digest(session, survey=survey, week="2026-W45")
    assert ref.reachable is False
    assert digest.unreachable == 4, "Megan blocked the bot; three were never reachable"


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ("{}", {}, 400),
        ("[1, 2]", {}, 400),
        ("not json", {}, 400),
    ],
)
async def test_malformed_requests_get_4xx(
    teams: TeamsWorld, body: str, headers: dict, status: int
) -> None:
    assert await teams.post(body, headers) == status


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-jwt", "Basic abc"])
async def test_with_an_app_id_unauthenticated_requests_get_401(
    secured: TeamsWorld, authorization: str | None
) -> None:
    message = payload("teams_message_activity_personal.json", secured.connector, text="help")
    headers = {"Authorization": authorization} if authorization else {}
    assert await secured.post(message, headers) == 401
    assert secured.connector.sent == []


async def test_transient_errors_are_retried_with_backoff(teams: TeamsWorld) -> None:
    message = payload("teams_message_activity_personal.json", teams.connector, text="status")
    message["attachments"] = []
    await teams.post(message)
    async with teams.runtime.db.session() as session:
        megan = (
            await session.exec(select(Person).where(Person.email == "megan@example.com"))
        ).one()
        megan.teams_user_id = MEGAN
        session.add(megan)
        await session.commit()
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    teams.runtime.ports["teams"].sleep = no_wait  # type: ignore[attr-defined]
    teams.connector.refuse, teams.connector.refuse_times = 503, 2
    before = len(teams.connector.sent)
    report = await tick(
        teams.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=teams.runtime.ports
    )
    assert report.sent == 1 and len(teams.connector.sent) == before + 1
    assert len(waits) == 2 and 0.5 <= waits[0] <= 1.5 and 1.0 <= waits[1] <= 3.0


def _other_key():  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    ("why", "changes"),
    [
        ("wrong audience", {"aud": "someone-elses-bot"}),
        ("wrong issuer", {"iss": "https://evil.example.com"}),
        ("expired", {"exp": 1_000_000_000, "nbf": 999_000_000}),
        ("another service url", {"serviceurl": "https://elsewhere.example.com/"}),
        ("signed with another key", {"key": "OTHER"}),
        ("unknown key id", {"kid": "nobody"}),
        ("alg none", {"alg": "none", "key": None}),
        ("HMAC with the public key as secret", {"alg": "HS256", "key": "public-as-secret"}),
    ],
)
async def test_a_token_that_fails_any_check_gets_401_and_changes_nothing(
    signed: TeamsWorld, openid: BotOpenId, why: str, changes: dict
) -> None:
    """Tokens signed as the Bot Framework signs them, against keys on loopback: each one
    wrong in one way is refused with 401 (never 500), nothing is sent or stored."""
    typing = payload("teams_message_activity_personal.json", signed.connector, text="help")
    typing["type"] = "typing"
    if changes.get("key") == "OTHER":
        changes["key"] = _other_key()
    if changes.get("key") == "public-as-secret":
        changes["key"] = json.dumps(openid.keys["keys"][0])
    token = openid.token(audience=APP_ID, service_url=typing["serviceUrl"], **changes)
    assert await signed.post(typing, {"Authorization": f"Bearer {token}"}) == 401, why
    assert signed.connector.sent == []
    async with signed.runtime.db.session() as session:
        assert (await session.exec(select(ConversationRef))).all() == [], why


async def test_a_valid_channel_token_is_accepted(signed: TeamsWorld, openid: BotOpenId) -> None:
    """The control: the same request with a correct token passes authentication (the turn
    runs and stores the person's conversation reference; a typing activity sends nothing)."""
    typing = payload("teams_message_activity_personal.json", signed.connector, text="help")
    typing["type"] = "typing"
    token = openid.token(audience=APP_ID, service_url=typing["serviceUrl"])
    assert await signed.post(typing, {"Authorization": f"Bearer {token}"}) in (200, 201, 202)
    async with signed.runtime.db.session() as session:
        assert len((await session.exec(select(ConversationRef))).all()) == 1


async def test_sends_keep_within_a_conversations_limit_and_others_go_on(
    teams: TeamsWorld,
) -> None:
    """Microsoft allows a bot 7 messages a second in one conversation: the eighth waits,
    while another conversation of the tenant still has its own allowance."""
    from botbuilder.schema import ConversationAccount, ConversationReference

    port = teams.runtime.ports["teams"]
    one = ConversationReference(conversation=ConversationAccount(id="a:one", tenant_id="t1"))
    for _ in range(7):
        await port._wait_turn(one)  # type: ignore[attr-defined]
    per_second = port.conversation_pacers[0]  # type: ignore[attr-defined]
    assert not per_second.has_capacity("a:one"), "an eighth message would wait"
    assert per_second.has_capacity("a:two")
