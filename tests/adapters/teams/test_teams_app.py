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
from adapters.server import make_app, make_runner
from adapters.settings import load_settings
from bot.people.org import import_rows
from bot.people.tenancy import default_tenant
from bot.ports import FixedClock
from bot.store.models import ConversationRef, Participation, Person
from scheduler.jobs import tick
from tests.conftest import SHARED, accounts, link, parse_org
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
    assert (await accounts(teams.runtime.db, "teams"))[megan.email] == MEGAN
    assert ref.user_id == MEGAN
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
    await _link_megan(teams)
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
    await _megan_in_her_chat(teams)
    teams.connector.refuse = 403
    report = await tick(
        teams.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=teams.runtime.ports
    )
    assert report.failed == 1
    after_close = datetime(2026, 11, 7, 0, 0, tzinfo=UTC)
    await tick(teams.runtime.db, now=after_close, ports=teams.runtime.ports)
    async with teams.runtime.db.session() as session:
        ref = (await session.exec(select(ConversationRef))).one()
        from bot.insights.digest import build_digest
        from bot.store.models import Survey

        survey = (await session.exec(select(Survey))).one()
        digest = await build_digest(session, survey=survey, week="2026-W45")
    assert ref.reachable is False
    assert digest.unreachable == 4, "Megan blocked the bot; three were never reachable"


async def test_a_blocked_conversation_author_is_not_marked_nor_named(teams: TeamsWorld) -> None:
    """A 403 on an anonymous conversation's message: nothing marks the author's account
    unreachable (two dumps would tie it to the thread's delivery) and the refusal is the
    generic one the leader's row keeps."""
    from bot.messages import Message, MessageKind
    from bot.people.identity import recipient
    from bot.ports import NOT_DELIVERED, SendError

    await _megan_in_her_chat(teams)
    teams.connector.refuse = 403
    async with teams.runtime.db.session() as session:
        megan = (await session.exec(select(Person).where(Person.email.like("megan%")))).one()
        to = await recipient(session, person=megan)
    message = Message(kind=MessageKind.CONVERSATION, title="A leader replied", fallback_text="x")
    with pytest.raises(SendError) as refused:
        await teams.runtime.ports["teams"].send(recipient=to, message=message)
    assert refused.value.reason == NOT_DELIVERED
    assert all(ref.reachable for ref in (await _references(teams)).values())


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
    await _megan_in_her_chat(teams)
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
    port = teams.runtime.ports["teams"]
    for _ in range(7):
        await port._wait_conversation_turn("a:one")  # type: ignore[attr-defined]
    per_second = port.conversation_pacers[0]  # type: ignore[attr-defined]
    assert not per_second.has_capacity("a:one"), "an eighth message would wait"
    assert per_second.has_capacity("a:two")


TEAM_CHANNEL = "19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2"
ROSTER = {
    f"29:{who}": {
        "id": f"29:{who}",
        "aadObjectId": f"aad-{who}",
        "email": f"{who}@example.com",
        "userPrincipalName": f"{who}@example.com",
        "name": who,
    }
    for who in ("e0", "e1", "e2", "stranger")
}


def _team_install(connector: FakeConnector) -> dict:
    return payload("teams_conversationUpdate_bot_added_to_team.json", connector)


async def _references(world: TeamsWorld) -> dict[str, ConversationRef]:
    async with world.runtime.db.session() as session:
        return {r.user_id: r for r in (await session.exec(select(ConversationRef))).all()}


async def test_a_team_install_reaches_every_member_through_a_new_1_1_chat(
    teams: TeamsWorld,
) -> None:
    """Installed in a team only: the roster (read page by page) links people by e-mail,
    the first pulse opens each one's 1:1 chat, later sends reuse it; a 1:1 chat Megan
    opened herself is kept and used as it is."""
    megan = {"id": "29:megan", "aadObjectId": MEGAN, "email": "megan@example.com"}
    teams.connector.members = {**ROSTER, "29:megan": megan}
    personal = payload("teams_conversationUpdate_bot_installed_personal.json", teams.connector)
    personal["from"] = {"id": "29:megan", "aadObjectId": MEGAN}
    personal["conversation"] = {"conversationType": "personal", "id": "a:megan-own"}
    personal["membersAdded"] = [{"id": personal["recipient"]["id"]}]
    assert await teams.post(personal) in (200, 201)

    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    welcome = teams.connector.sent[-1]
    assert welcome.conversation == TEAM_CHANNEL, "the team is welcomed in its channel"
    assert "Welcome to Crosspulse" in json.dumps(welcome.body)
    linked = await accounts(teams.runtime.db, "teams")
    assert linked == {
        "megan@example.com": MEGAN,
        **{f"e{i}@example.com": f"aad-e{i}" for i in range(3)},
    }
    references = await _references(teams)
    assert references[MEGAN].reference["conversation"]["id"] == "a:megan-own"

    report = await tick(
        teams.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=teams.runtime.ports
    )
    assert report.sent == 4 and report.unreachable == 0
    assert sorted(m["id"] for c in teams.connector.created for m in c["members"]) == [
        "29:e0",
        "29:e1",
        "29:e2",
    ]
    created = teams.connector.created[0]
    tenant = "b28fdbfd-2b78-4f93-b0f8-8881793f0f8f"  # Teams needs it to open a 1:1 chat
    assert created["isGroup"] is False and created["channelData"]["tenant"]["id"] == tenant
    pulses = {s.conversation for s in teams.connector.sent[-4:]}
    assert pulses == {"a:megan-own", "a:29:e0", "a:29:e1", "a:29:e2"}
    for card in teams.connector.cards()[-4:]:
        _validate(card)
    references = await _references(teams)
    assert references["aad-e0"].reference["conversation"]["id"] == "a:29:e0"

    await tick(  # next week's pulse: the chats exist now
        teams.runtime.db, now=datetime(2026, 11, 10, 10, 0, tzinfo=UTC), ports=teams.runtime.ports
    )
    assert len(teams.connector.created) == 3, "no chat is opened twice"
    assert {s.conversation for s in teams.connector.sent[-4:]} == pulses


async def test_someone_joining_the_team_is_reached_too(teams: TeamsWorld) -> None:
    teams.connector.members = {"29:e0": ROSTER["29:e0"]}
    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    teams.connector.members["29:e1"] = ROSTER["29:e1"]
    joined = _team_install(teams.connector)
    joined["membersAdded"] = [{"id": "29:e1"}]
    assert await teams.post(joined) in (200, 201)
    assert set(await _references(teams)) == {"aad-e0", "aad-e1"}
    report = await tick(
        teams.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=teams.runtime.ports
    )
    assert report.sent == 2
    assert {s.conversation for s in teams.connector.sent[-2:]} == {"a:29:e0", "a:29:e1"}


@pytest.mark.parametrize("how", ["installationUpdate", "bot removed from the team"])
async def test_removing_the_app_from_a_team_stops_sends_through_it(
    teams: TeamsWorld, how: str
) -> None:
    """People reachable only through the team become unreachable (the digest counts them);
    someone with their own 1:1 chat is still written to."""
    teams.connector.members = {"29:e0": ROSTER["29:e0"], "29:e1": ROSTER["29:e1"]}
    own = payload("teams_message_activity_personal.json", teams.connector, text="status")
    own["attachments"] = []
    own["from"] = {"id": "29:e1", "aadObjectId": "aad-e1"}
    own["conversation"] = {"conversationType": "personal", "id": "a:e1-own"}
    await teams.post(own)
    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    removal = _team_install(teams.connector)
    if how == "installationUpdate":
        removal.update(type="installationUpdate", action="remove")
        del removal["membersAdded"]
    else:
        removal["membersRemoved"] = removal.pop("membersAdded")
        removal["channelData"]["eventType"] = "teamMemberRemoved"
    assert await teams.post(removal) in (200, 201)
    reachable = {u: r.reachable for u, r in (await _references(teams)).items()}
    assert reachable == {"aad-e0": False, "aad-e1": True}
    sent_before = len(teams.connector.sent)
    report = await tick(
        teams.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=teams.runtime.ports
    )
    assert report.sent == 1 and teams.connector.created == []
    assert [s.conversation for s in teams.connector.sent[sent_before:]] == ["a:e1-own"]


def _mention(connector: FakeConnector, who: str, text: str) -> dict:
    """A channel message as Teams sends it: the bot's name inside <at> tags, with a
    mention entity, the thread id in the conversation id."""
    install = _team_install(connector)
    bot = install["recipient"]
    return {
        **install,
        "type": "message",
        "id": "1667",
        "text": f"<at>{bot['name']}</at> {text}",
        "entities": [{"type": "mention", "text": f"<at>{bot['name']}</at>", "mentioned": bot}],
        "from": {"id": f"29:{who}", "aadObjectId": f"aad-{who}", "name": who},
        "conversation": {**install["conversation"], "id": f"{TEAM_CHANNEL};messageid=1667"},
        "channelData": {**install["channelData"], "eventType": None},
        "membersAdded": None,
    }


async def test_a_command_with_an_at_mention_in_a_channel_is_answered_privately(
    teams: TeamsWorld,
) -> None:
    """The mention is stripped and the command understood; what Slack would show only
    the asker (their status) goes to their 1:1 chat, the channel sees only that it did."""
    teams.connector.members = {"29:e0": ROSTER["29:e0"]}
    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    await tick(teams.runtime.db, now=datetime(2026, 11, 3, 6, 0, tzinfo=UTC), ports={})
    before = len(teams.connector.sent)
    assert await teams.post(_mention(teams.connector, "e0", "status")) in (200, 201)
    private, notice = teams.connector.sent[before:]
    assert private.conversation == "a:29:e0"
    assert "Your pulse status" in json.dumps(private.body)
    assert notice.conversation.startswith(TEAM_CHANNEL)
    assert notice.body["text"] == "I've sent you my answer in our 1:1 chat."
    assert "attachments" not in notice.body or not notice.body["attachments"]

    before = len(teams.connector.sent)
    assert await teams.post(_mention(teams.connector, "e0", "make me a sandwich")) in (200, 201)
    private, notice = teams.connector.sent[before:]
    assert private.conversation == "a:29:e0"
    assert "recognise “make me a sandwich”" in json.dumps(private.body, ensure_ascii=False)
    assert notice.conversation.startswith(TEAM_CHANNEL)


async def test_someone_the_bot_cannot_reach_is_told_so_in_the_channel(teams: TeamsWorld) -> None:
    teams.connector.members = {"29:e0": ROSTER["29:e0"]}
    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    before = len(teams.connector.sent)
    teams.connector.refuse_create = 403  # e.g. they blocked the bot: no 1:1 chat
    assert await teams.post(_mention(teams.connector, "e0", "status")) in (200, 201)
    (notice,) = teams.connector.sent[before:]
    assert notice.conversation.startswith(TEAM_CHANNEL)
    assert "couldn't write to you privately" in notice.body["text"]
    assert "Your pulse status" not in json.dumps(notice.body)


async def test_a_stranger_in_a_channel_is_answered_there(teams: TeamsWorld) -> None:
    """Nobody Crosspulse knows: nothing about them is stored, and "I don't know you yet"
    (which says nothing about anyone) is the answer in the channel."""
    teams.connector.members = {"29:stranger": ROSTER["29:stranger"]}
    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    assert await _references(teams) == {}, "no reference for someone not in the organisation"
    before = len(teams.connector.sent)
    assert await teams.post(_mention(teams.connector, "stranger", "status")) in (200, 201)
    (answer,) = teams.connector.sent[before:]
    assert answer.conversation.startswith(TEAM_CHANNEL)
    assert "I don't know you yet" in json.dumps(answer.body)


async def test_a_check_in_asked_for_in_a_channel_happens_in_the_1_1_chat(
    teams: TeamsWorld,
) -> None:
    """The pulse card, and so who answers and how, never appears in the channel."""
    teams.connector.members = {"29:e0": ROSTER["29:e0"]}
    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    await tick(teams.runtime.db, now=datetime(2026, 11, 3, 6, 0, tzinfo=UTC), ports={})
    before = len(teams.connector.sent)
    assert await teams.post(_mention(teams.connector, "e0", "checkin")) in (200, 201)
    card, notice = teams.connector.sent[before:]
    assert card.conversation == "a:29:e0"
    assert any(e.get("id") == "worked_with" for e in card.body["attachments"][0]["content"]["body"])
    assert notice.conversation.startswith(TEAM_CHANNEL) and "attachments" not in notice.body


async def test_activities_from_another_organisation_are_ignored(database_url: str) -> None:
    """A MultiTenant bot is reachable from any Microsoft 365 organisation that uploads the
    package; with TEAMS_TENANT_IDS set, another one's install links nobody, stores nothing
    and sends nothing."""
    async for world in _world(
        database_url, crosspulse_dev=True, teams_tenant_ids="B28FDBFD-2b78-4f93-b0f8-8881793f0f8f"
    ):
        world.connector.members = {"29:e0": ROSTER["29:e0"]}
        foreign = _team_install(world.connector)
        foreign["channelData"]["tenant"]["id"] = "00000000-0000-0000-0000-00000000beef"
        foreign["conversation"]["tenantId"] = "00000000-0000-0000-0000-00000000beef"
        assert await world.post(foreign) in (200, 201)
        hello = payload("teams_message_activity_personal.json", world.connector, text="help")
        hello["attachments"] = []
        hello["channelData"] = {"tenant": {"id": "00000000-0000-0000-0000-00000000beef"}}
        assert await world.post(hello) in (200, 201)
        assert await _references(world) == {} and world.connector.sent == []
        assert await accounts(world.runtime.db, "teams") == {}
        assert await world.post(_team_install(world.connector)) in (200, 201)  # our tenant
        assert set(await _references(world)) == {"aad-e0"}


async def test_with_a_tenant_list_a_forged_request_is_still_a_401(database_url: str) -> None:
    """The tenant is read only after botbuilder authenticated the request."""
    async for world in _world(
        database_url,
        microsoft_app_id=APP_ID,
        microsoft_app_password="pw",
        teams_tenant_ids="b28fdbfd-2b78-4f93-b0f8-8881793f0f8f",
    ):
        foreign = _team_install(world.connector)
        foreign["channelData"]["tenant"]["id"] = "00000000-0000-0000-0000-00000000beef"
        assert await world.post(foreign) == 401
        assert await world.post(_team_install(world.connector)) == 401


def test_tenant_ids_must_be_guids() -> None:
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match=r"TEAMS_TENANT_IDS.*contoso\.onmicrosoft\.com"):
        load_settings(teams_tenant_ids="contoso.onmicrosoft.com")
    domain = load_settings(microsoft_app_tenant_id="contoso.onmicrosoft.com")
    assert domain.teams_allowed_tenants is None, "a domain cannot be matched: not used"
    guid = load_settings(microsoft_app_tenant_id="B28FDBFD-2b78-4f93-b0f8-8881793f0f8f")
    assert guid.teams_allowed_tenants == {"b28fdbfd-2b78-4f93-b0f8-8881793f0f8f"}


async def test_a_service_that_cannot_be_reached_defers_the_pulse(teams: TeamsWorld) -> None:
    """Nothing left this machine (connection refused): tried again with backoff, then
    deferred by the outbox rather than failed; sent once the service is back."""
    import socket

    await _megan_in_her_chat(teams)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    async with teams.runtime.db.session() as session:
        ref = (
            await session.exec(select(ConversationRef).where(ConversationRef.user_id == MEGAN))
        ).one()
        ref.reference = {**ref.reference, "serviceUrl": dead}
        session.add(ref)
        await session.commit()
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    teams.runtime.ports["teams"].sleep = no_wait  # type: ignore[attr-defined]
    own = payload("teams_message_activity_personal.json", teams.connector, text="status")
    own.update(attachments=[], conversation={"conversationType": "personal", "id": "a:e0"})
    own["from"] = {"id": "29:e0", "aadObjectId": "aad-e0"}
    await teams.post(own)  # e0, reachable, in the same tenant and scope
    await _link(teams, "e0@example.com", "aad-e0")
    ten = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    before = len(teams.connector.sent)
    report = await tick(teams.runtime.db, now=ten, ports=teams.runtime.ports)
    assert (report.sent, report.failed, report.unknown, report.deferred) == (1, 0, 0, 1)
    assert [s.conversation for s in teams.connector.sent[before:]] == ["a:e0"], "not held up"
    assert len(waits) == 3, "three retries with backoff before deferring"
    async with teams.runtime.db.session() as session:
        ref = (
            await session.exec(select(ConversationRef).where(ConversationRef.user_id == MEGAN))
        ).one()
        ref.reference = {**ref.reference, "serviceUrl": teams.connector.url}
        session.add(ref)
        await session.commit()
    before = len(teams.connector.sent)
    later = await tick(teams.runtime.db, now=ten.replace(minute=2), ports=teams.runtime.ports)
    assert later.sent == 1 and len(teams.connector.sent) == before + 1


async def test_an_unconfirmed_private_answer_is_said_so_in_the_channel(teams: TeamsWorld) -> None:
    import asyncio

    teams.connector.members = {"29:e0": ROSTER["29:e0"]}
    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    port = teams.runtime.ports["teams"]
    port.adapter.bot_framework_authentication.timeout = 0.2  # type: ignore[attr-defined]
    teams.connector.hang = asyncio.Event()  # the private answer arrives, no reply comes
    teams.connector.hang_only = "a:29:e0"
    before = len(teams.connector.sent)
    assert await teams.post(_mention(teams.connector, "e0", "status")) in (200, 201)
    teams.connector.hang.set()
    teams.connector.hang = None
    (answer,) = teams.connector.received_while_hanging
    assert "Your pulse status" in json.dumps(answer)
    (notice,) = teams.connector.sent[before:]
    assert notice.conversation.startswith(TEAM_CHANNEL)
    assert "did not confirm" in notice.body["text"]


async def test_a_roster_cannot_re_point_someone_already_linked(teams: TeamsWorld) -> None:
    """A roster e-mail is whatever that directory says: it links people nobody has linked
    yet, and never moves an existing link to another account."""
    await _link_megan(teams)
    impostor = {"id": "29:impostor", "aadObjectId": "aad-impostor", "email": "megan@example.com"}
    teams.connector.members = {"29:impostor": impostor}
    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    async with teams.runtime.db.session() as session:
        megan = (
            await session.exec(select(Person).where(Person.email == "megan@example.com"))
        ).one()
    assert (await accounts(teams.runtime.db, "teams"))[megan.email] == MEGAN
    assert "aad-impostor" not in await _references(teams)


async def test_an_account_already_linked_is_not_given_a_second_person(teams: TeamsWorld) -> None:
    # set by the CSV: e0's account is Megan's
    await link(teams.runtime.db, "megan@example.com", "teams", "aad-e0")
    teams.connector.members = {"29:e0": ROSTER["29:e0"]}
    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    holders = [e for e, a in (await accounts(teams.runtime.db, "teams")).items() if a == "aad-e0"]
    assert holders == ["megan@example.com"]


async def test_adding_the_app_to_a_team_again_restores_people(teams: TeamsWorld) -> None:
    teams.connector.members = {"29:e0": ROSTER["29:e0"]}
    install = _team_install(teams.connector)
    assert await teams.post(install) in (200, 201)
    removal = {**install, "type": "installationUpdate", "action": "remove"}
    del removal["membersAdded"]
    assert await teams.post(removal) in (200, 201)
    assert (await _references(teams))["aad-e0"].reachable is False
    assert await teams.post(install) in (200, 201)
    assert (await _references(teams))["aad-e0"].reachable is True


async def test_someone_leaving_the_team_is_no_longer_written_through_it(teams: TeamsWorld) -> None:
    teams.connector.members = {"29:e0": ROSTER["29:e0"], "29:e1": ROSTER["29:e1"]}
    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    left = _team_install(teams.connector)
    left["membersRemoved"] = [left.pop("membersAdded")[0] | {"id": "29:e0"}]
    left["channelData"]["eventType"] = "teamMemberRemoved"
    left["conversation"]["id"] = "19:another-channel@thread.tacv2"  # any channel of the team
    assert await teams.post(left) in (200, 201)
    reachable = {u: r.reachable for u, r in (await _references(teams)).items()}
    assert reachable == {"aad-e0": False, "aad-e1": True}


async def test_removing_the_bot_from_a_group_chat_keeps_the_removers_own_chat(
    teams: TeamsWorld,
) -> None:
    await _megan_in_her_chat(teams)
    removal = payload("teams_message_activity_personal.json", teams.connector)
    removal.update(type="installationUpdate", action="remove", text=None, attachments=[])
    removal["conversation"] = {"conversationType": "groupChat", "id": "19:group", "isGroup": True}
    assert await teams.post(removal) in (200, 201)
    assert (await _references(teams))[MEGAN].reachable is True


async def _link(world: TeamsWorld, email: str, teams_user_id: str) -> None:
    await link(world.runtime.db, email, "teams", teams_user_id)


async def _link_megan(world: TeamsWorld) -> None:
    await _link(world, "megan@example.com", MEGAN)


async def _megan_in_her_chat(world: TeamsWorld) -> None:
    message = payload("teams_message_activity_personal.json", world.connector, text="status")
    message["attachments"] = []
    await world.post(message)  # stores her 1:1 reference
    await _link_megan(world)


async def test_uninstalling_the_personal_app_makes_her_unreachable(teams: TeamsWorld) -> None:
    await _megan_in_her_chat(teams)
    removal = payload("teams_message_activity_personal.json", teams.connector)
    removal.update(type="installationUpdate", action="remove", text=None, attachments=[])
    assert await teams.post(removal) in (200, 201)
    before = len(teams.connector.sent)
    report = await tick(
        teams.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=teams.runtime.ports
    )
    assert report.sent == 0 and len(teams.connector.sent) == before
    (ref,) = (await _references(teams)).values()
    assert ref.reachable is False


async def test_a_429_defers_the_pulse_until_retry_after(teams: TeamsWorld) -> None:
    await _megan_in_her_chat(teams)
    teams.connector.refuse, teams.connector.refuse_times = 429, 1  # Retry-After: 30
    ten = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    before = len(teams.connector.sent)
    report = await tick(teams.runtime.db, now=ten, ports=teams.runtime.ports)
    assert report.sent == 0 and report.deferred == 1
    later = await tick(teams.runtime.db, now=ten.replace(second=31), ports=teams.runtime.ports)
    assert later.sent == 1
    assert len(teams.connector.sent) == before + 1, "sent once, after the pause"


async def test_a_send_that_times_out_is_unknown_and_never_resent(teams: TeamsWorld) -> None:
    """The request reached Teams but no answer came: it may have been delivered, so it is
    marked unknown and a later tick does not send it again."""
    import asyncio

    await _megan_in_her_chat(teams)
    port = teams.runtime.ports["teams"]
    port.adapter.bot_framework_authentication.timeout = 0.2  # type: ignore[attr-defined]
    teams.connector.hang = asyncio.Event()
    ten = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    report = await tick(teams.runtime.db, now=ten, ports=teams.runtime.ports)
    assert report.unknown == 1 and len(teams.connector.received_while_hanging) == 1
    teams.connector.hang.set()
    teams.connector.hang = None
    before = len(teams.connector.sent)
    again = await tick(teams.runtime.db, now=ten.replace(minute=30), ports=teams.runtime.ports)
    assert again.sent == 0
    assert teams.connector.sent[before:] == [] and len(teams.connector.received_while_hanging) == 1


async def test_replies_reuse_one_connection_to_the_connector(teams: TeamsWorld) -> None:
    """botbuilder alone opens a new HTTP session, so a new TLS connection to Teams, for
    every reply; ours keep the connector client per service URL and app."""
    for _ in range(3):
        message = payload("teams_message_activity_personal.json", teams.connector, text="help")
        message["attachments"] = []
        assert await teams.post(message) in (200, 201)
    assert len(teams.connector.peers) == 3 and len(set(teams.connector.peers)) == 1
    other = await FakeConnector().start()  # another region's service URL: its own client
    try:
        message = payload("teams_message_activity_personal.json", other, text="help")
        message["attachments"] = []
        assert await teams.post(message) in (200, 201)
        assert len(other.sent) == 1, "the reply went to the service URL it came from"
    finally:
        await other.stop()


async def test_a_turn_never_waits_past_its_budget_for_a_private_answer(
    teams: TeamsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Teams redelivers a turn it has not had an answer to within 15 s: a private answer
    that Teams takes long to accept is given up on (as not confirmed) at the turn's budget,
    whatever the connector client's own timeout."""
    import asyncio

    import adapters.teams.bot as teams_bot

    monkeypatch.setattr(teams_bot, "TURN_BUDGET", 0.3)
    teams.connector.members = {"29:e0": ROSTER["29:e0"]}
    assert await teams.post(_team_install(teams.connector)) in (200, 201)
    port = teams.runtime.ports["teams"]
    port.adapter.bot_framework_authentication.timeout = 60  # type: ignore[attr-defined]
    teams.connector.hang, teams.connector.hang_only = asyncio.Event(), "a:29:e0"
    before = len(teams.connector.sent)
    async with teams.http.post(  # fails the test if the turn outlives its budget by far
        teams.url,
        data=json.dumps(_mention(teams.connector, "e0", "status")),
        headers={"Content-Type": "application/json"},
        timeout=aiohttp.ClientTimeout(total=10),
    ) as response:
        assert response.status in (200, 201)
    teams.connector.hang.set()
    teams.connector.hang = None
    (notice,) = teams.connector.sent[before:]
    assert "did not confirm" in notice.body["text"]


@pytest.mark.parametrize(
    ("fields", "tenant"),
    [
        ({"channelData": {"tenant": {"id": "ABC"}}}, "abc"),
        ({"conversation": {"id": "a:1", "tenantId": "Def"}}, "def"),
        ({"channelData": "not an object", "conversation": {"id": "a:1"}}, None),
        ({"channelData": {"tenant": "not an object"}}, None),
        ({}, None),
    ],
)
def test_the_tenant_is_found_where_teams_puts_it(fields: dict, tenant: str | None) -> None:
    from botbuilder.schema import Activity

    from adapters.teams.bot import tenant_of

    assert tenant_of(Activity().deserialize({"type": "message", **fields})) == tenant
