"""Multi-workspace install over OAuth: /slack/install, /slack/oauth_redirect, tokens
encrypted at rest, scheduled sends with the installed token, purge on uninstall, key
rotation."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import select

from adapters.pacing import Pacer
from adapters.ports import configured_ports
from adapters.runtime import Runtime, build
from adapters.server import make_app, make_runner
from adapters.settings import load_settings
from adapters.slack.crypto import CredentialCipher
from bot.people.org import import_rows
from bot.people.tenancy import default_tenant
from bot.ports import FixedClock
from bot.store.models import Workspace
from scheduler.jobs import tick
from scheduler.sender import WORKERS_PER_SCOPE
from tests.adapters.slack.conftest import SIGNING_SECRET, SlackWorld
from tests.conftest import link, parse_org
from tests.fakes.slack_api import FakeSlackApi


@pytest.fixture
async def oauth(database_url: str) -> AsyncIterator[SlackWorld]:
    api = await FakeSlackApi().start()
    settings = load_settings(
        database_url=database_url,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=api.api_url,
    )
    clock = FixedClock(datetime(2026, 11, 3, 6, 0, tzinfo=UTC))
    runtime: Runtime = await build(settings, clock=clock)
    runtime.ports = configured_ports(settings, db=runtime.db, clock=clock)
    async with runtime.db.session() as session:
        tenant = await default_tenant(session, today=clock.at.date())
        await import_rows(
            session,
            tenant_id=tenant.id,
            actor="test",
            rows=parse_org(
                "email,name,department,timezone,slack_user_id\nada@example.com,Ada,Eng,UTC,U0ADA\n"
            ),
        )
        await session.commit()
    runner = make_runner(make_app(runtime, slack_process_before_response=True))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies for 127.0.0.1, as a browser would
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        yield SlackWorld(runtime, api, f"http://127.0.0.1:{port}", http, clock)
    await runner.cleanup()
    await runtime.db.dispose()
    await api.stop()


async def _install(world: SlackWorld) -> str:
    async with world.http.get(f"{world.url}/slack/install") as response:
        assert response.status == 200
        page = await response.text()
        cookie = response.cookies["slack-app-oauth-state"]
    # The cookie is Secure (production is HTTPS); over loopback HTTP we hand it back
    # ourselves, as the browser would over HTTPS.
    world.http.headers["Cookie"] = f"{cookie.key}={cookie.value}"
    link = re.search(r'href="(https://slack.com/oauth/v2/authorize[^"]+)"', page).group(1)
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query["client_id"] == ["111.222"] and "chat:write" in query["scope"][0]
    return query["state"][0]


async def test_install_stores_encrypted_tokens_and_sends_with_them(oauth: SlackWorld) -> None:
    state = await _install(oauth)
    async with oauth.http.get(
        f"{oauth.url}/slack/oauth_redirect", params={"code": "code-1", "state": state}
    ) as response:
        assert response.status == 200, await response.text()
    (exchange,) = oauth.api.of("oauth.v2.access")
    assert exchange["code"] == "code-1"
    async with oauth.runtime.db.session() as session:
        (row,) = (await session.exec(select(Workspace))).all()
    assert row.external_id == "-:T111" and row.active
    assert "xoxb-installed" not in row.credentials, "tokens are encrypted at rest"
    cipher = CredentialCipher(oauth.runtime.settings.secrets)
    assert json.loads(cipher.decrypt(row.credentials))["bot_token"] == "xoxb-installed"
    report = await tick(
        oauth.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=oauth.runtime.ports
    )
    assert report.sent == 1
    sends = [c for c in oauth.api.calls if c.method == "chat.postMessage"]
    assert sends[0].headers["Authorization"] == "Bearer xoxb-installed"
    # The state was single-use: replaying the redirect installs nothing more.
    async with oauth.http.get(
        f"{oauth.url}/slack/oauth_redirect", params={"code": "code-2", "state": state}
    ) as response:
        assert response.status >= 400
    assert len(oauth.api.of("oauth.v2.access")) == 1


async def test_uninstall_purges_tokens(oauth: SlackWorld) -> None:
    state = await _install(oauth)
    async with oauth.http.get(
        f"{oauth.url}/slack/oauth_redirect", params={"code": "c", "state": state}
    ):
        pass
    event = {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event_id": "EvU1",
        "event_time": 1,
        "token": "x",
        "authorizations": [{"team_id": "T111", "user_id": "UBOT", "is_bot": True}],
        "event": {"type": "app_uninstalled"},
    }
    oauth.url += "/slack/events"
    assert (await oauth.post(json.dumps(event), content_type="application/json")).status == 200
    async with oauth.runtime.db.session() as session:
        (row,) = (await session.exec(select(Workspace))).all()
    assert row.credentials is None and row.active is False
    report = await tick(
        oauth.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=oauth.runtime.ports
    )
    assert report.sent == 0 and report.failed == 1
    assert oauth.api.of("chat.postMessage") == []


def test_key_rotation_keeps_old_ciphertexts_readable() -> None:
    old = CredentialCipher([b"old-secret"])
    token = old.encrypt("xoxb-1")
    rotated = CredentialCipher([b"new-secret", b"old-secret"])
    assert rotated.decrypt(token) == "xoxb-1"
    moved = rotated.reencrypt(token)
    assert CredentialCipher([b"new-secret"]).decrypt(moved) == "xoxb-1"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        CredentialCipher([b"new-secret"]).decrypt(token)


async def test_expiring_token_is_rotated_before_a_scheduled_send(oauth: SlackWorld) -> None:
    from slack_sdk.oauth.installation_store import Installation

    store = oauth.runtime.ports["slack"].installations  # type: ignore[attr-defined]
    await store.async_save(
        Installation(
            app_id="A111",
            team_id="T111",
            user_id="U0ADA",
            bot_token="xoxe.xoxb-old",
            bot_id="B1",
            bot_user_id="UBOT",
            bot_scopes="chat:write",
            bot_refresh_token="xoxe-1-refresh-1",
            bot_token_expires_at=int(datetime.now(UTC).timestamp()) + 60,  # a minute left
        )
    )
    report = await tick(
        oauth.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=oauth.runtime.ports
    )
    assert report.sent == 1
    (refresh,) = oauth.api.of("oauth.v2.access")
    assert refresh["grant_type"] == "refresh_token"
    assert refresh["refresh_token"] == "xoxe-1-refresh-1"
    send = next(c for c in oauth.api.calls if c.method == "chat.postMessage")
    assert send.headers["Authorization"] == "Bearer xoxe.xoxb-rotated"
    found = await store.async_find_bot(enterprise_id=None, team_id="T111")
    assert found.bot_token == "xoxe.xoxb-rotated"
    assert found.bot_refresh_token == "xoxe-1-refresh-2"


def _installation(team: str, token: str):  # type: ignore[no-untyped-def]
    from slack_sdk.oauth.installation_store import Installation

    return Installation(
        app_id="A111",
        team_id=team,
        user_id="U0INSTALLER",
        bot_token=token,
        bot_id=f"B{team}",
        bot_user_id=f"UBOT{team}",
        bot_scopes="chat:write,users:read,users:read.email",
    )


def _member(user_id: str, team: str, email: str) -> dict:
    return {"id": user_id, "team_id": team, "real_name": email, "profile": {"email": email}}


async def test_each_workspace_is_reached_with_its_own_token(
    oauth: SlackWorld, database_url: str
) -> None:
    """Two installed workspaces: `org sync-slack` lists each with its own token, and each
    person's pulse goes out with the token of their own workspace, never the other's."""
    from typer.testing import CliRunner

    from adapters.cli import app

    store = oauth.runtime.ports["slack"].installations  # type: ignore[attr-defined]
    await store.async_save(_installation("T111", "xoxb-one"))
    await store.async_save(_installation("T222", "xoxb-two"))
    async with oauth.runtime.db.session() as session:
        tenant = await default_tenant(session, today=oauth.clock.at.date())
        await import_rows(
            session,
            tenant_id=tenant.id,
            actor="test",
            rows=parse_org(
                "email,name,department,timezone\n"
                "ada@example.com,Ada,Eng,UTC\nzed@example.com,Zed,Sales,UTC\n"
            ),
        )
        await session.commit()
    oauth.api.users_by_token = {
        "xoxb-one": [_member("U0ADA", "T111", "ada@example.com")],
        "xoxb-two": [_member("U0ZED", "T222", "zed@example.com")],
    }
    settings = oauth.runtime.settings
    env = {
        "DATABASE_URL": database_url,
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": oauth.api.api_url,
        "CROSSPULSE_SECRET": ",".join(s.decode() for s in settings.secrets),
    }
    result = await asyncio.to_thread(CliRunner().invoke, app, ["org", "sync-slack"], env=env)
    assert result.exit_code == 0, result.output
    assert "2 linked" in result.output
    report = await tick(
        oauth.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=oauth.runtime.ports
    )
    assert report.sent == 2, report
    sent_with = {
        c.body["channel"]: c.headers["Authorization"]
        for c in oauth.api.calls
        if c.method == "chat.postMessage"
    }
    assert sent_with == {"U0ADA": "Bearer xoxb-one", "U0ZED": "Bearer xoxb-two"}


async def test_a_429_storm_pauses_only_its_own_workspace(oauth: SlackWorld) -> None:
    """Workspace one answers every post with 429 Retry-After: 30. Its sends stop after the
    first refusals (no hot loop) and wait out the 30 s; workspace two is served meanwhile."""
    store = oauth.runtime.ports["slack"].installations  # type: ignore[attr-defined]
    await store.async_save(_installation("T111", "xoxb-one"))
    await store.async_save(_installation("T222", "xoxb-two"))
    rows = "email,name,department,timezone,slack_user_id\n" + "".join(
        f"w{w}p{i}@example.com,P {i},Dept {i % 3},UTC,U{w}{i:03d}\n"
        for w in (1, 2)
        for i in range(30)
    )
    async with oauth.runtime.db.session() as session:
        tenant = await default_tenant(session, today=oauth.clock.at.date())
        await import_rows(session, tenant_id=tenant.id, actor="test", rows=parse_org(rows))
        await session.commit()
    for w in (1, 2):
        for i in range(30):
            await link(oauth.runtime.db, f"w{w}p{i}@example.com", "slack", f"U{w}{i:03d}",
                       workspace=f"T{w}{w}{w}")
    await link(oauth.runtime.db, "ada@example.com", "slack", "U0ADA", workspace="T111")
    oauth.runtime.ports["slack"].pacer = Pacer(rate=1000)  # type: ignore[attr-defined]
    oauth.api.rate_limited_tokens["xoxb-one"] = 30
    at = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    report = await tick(oauth.runtime.db, now=at, ports=oauth.runtime.ports)

    def posts(token: str) -> list:
        return [
            c
            for c in oauth.api.calls
            if c.method == "chat.postMessage" and c.headers["Authorization"] == f"Bearer {token}"
        ]

    assert len(posts("xoxb-two")) == 30 and report.sent == 30, "the other workspace goes on"
    assert len(posts("xoxb-one")) <= WORKERS_PER_SCOPE, "no hot loop on the paused workspace"
    assert report.deferred == 31  # the 30 of workspace one, and Ada (also there)
    del oauth.api.rate_limited_tokens["xoxb-one"]
    early = await tick(oauth.runtime.db, now=at.replace(second=20), ports=oauth.runtime.ports)
    assert early.sent == 0, "Retry-After: 30 is honoured"
    later = await tick(oauth.runtime.db, now=at.replace(second=31), ports=oauth.runtime.ports)
    assert later.sent == 31
    channels = [c.body["channel"] for c in oauth.api.calls if c.method == "chat.postMessage"]
    delivered = {c.body["channel"] for c in posts("xoxb-one")[-later.sent :]}
    assert len(delivered) == later.sent and not delivered & {
        c.body["channel"] for c in posts("xoxb-two")
    }
    assert len(channels) - len(set(channels)) <= WORKERS_PER_SCOPE, "only refused posts repeat"
