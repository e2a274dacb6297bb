"""Slack test fixtures: the real Bolt app behind our aiohttp server on loopback, with the
Web API client pointed at a stand-in Slack API."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import aiohttp
import pytest
from aiohttp import web

from adapters.ports import configured_ports
from adapters.runtime import Runtime, build
from adapters.server import make_app, make_runner
from adapters.settings import load_settings
from bot.people.org import import_rows
from bot.people.tenancy import default_tenant
from bot.ports import FixedClock
from tests.conftest import parse_org
from tests.fakes.slack_api import FakeSlackApi

SIGNING_SECRET = "test-signing-secret"
ORG = """email,name,department,timezone,slack_user_id
ada@example.com,Ada L,Engineering,Europe/London,U0ADA
bob@example.com,Bob B,Sales,Europe/London,U0BOB
cy@example.com,Cy C,Sales,Europe/London,
"""


@dataclass
class SlackWorld:
    runtime: Runtime
    api: FakeSlackApi
    url: str
    http: aiohttp.ClientSession
    clock: FixedClock

    async def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: str | None = None,
        secret: str = SIGNING_SECRET,
        signature: str | None = None,
    ) -> aiohttp.ClientResponse:
        ts = timestamp or str(int(time.time()))
        mac = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        headers = {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or f"v0={mac}",
            "Content-Type": content_type,
        }
        async with self.http.post(self.url, data=body.encode(), headers=headers) as response:
            await response.read()
            return response

    async def command(self, user: str, text: str, channel: str = "C0GENERAL"):  # type: ignore[no-untyped-def]
        return await self.post(
            urlencode(
                {
                    "token": "x",
                    "team_id": "T111",
                    "channel_id": channel,
                    "user_id": user,
                    "command": "/pulse",
                    "text": text,
                    "response_url": self.api.response_url(user),
                    "trigger_id": "1.2.3",
                }
            )
        )

    async def click(
        self,
        user: str,
        action_id: str,
        value: str,
        *,
        channel: str,
        ts: str,
        state: dict | None = None,
        action_ts: str = "1.2",
    ):  # type: ignore[no-untyped-def]
        payload = {
            "type": "block_actions",
            "user": {"id": user, "team_id": "T111"},
            "team": {"id": "T111"},
            "api_app_id": "A111",
            "token": "x",
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "channel": {"id": channel},
            "trigger_id": "1.2.3",
            "response_url": self.api.response_url(f"act-{user}"),
            "state": {"values": state or {}},
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "buttons",
                    "value": value,
                    "type": "button",
                    "action_ts": action_ts,
                }
            ],
        }
        return await self.post("payload=" + quote(json.dumps(payload)))


@pytest.fixture(params=[False])
async def slack(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[SlackWorld]:
    """`request.param`: process_before_response (answer after the work is done)."""
    api = await FakeSlackApi().start()
    settings = load_settings(
        database_url=database_url,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=api.api_url,
    )
    clock = FixedClock(datetime(2026, 11, 3, 6, 0, tzinfo=UTC))
    runtime = await build(settings, clock=clock, ports=configured_ports(settings))
    async with runtime.db.session() as session:
        tenant = await default_tenant(session, today=clock.at.date())
        await import_rows(session, tenant_id=tenant.id, rows=parse_org(ORG), actor="test")
        await session.commit()
    runner = make_runner(make_app(runtime, slack_process_before_response=request.param))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http:
        yield SlackWorld(runtime, api, f"http://127.0.0.1:{port}/slack/events", http, clock)
    await runner.cleanup()
    await runtime.db.dispose()
    await api.stop()
