"""Socket Mode: with SLACK_APP_TOKEN the app opens a WebSocket itself (here to the stand-in)
and answers /pulse over it, with no HTTP endpoint involved."""

from __future__ import annotations

from adapters.ports import configured_ports
from adapters.runtime import build
from adapters.server import SLACK_BOLT, make_app
from adapters.settings import load_settings
from adapters.slack.app import start_socket_mode
from bot.people.org import import_rows
from bot.people.tenancy import default_tenant
from tests.conftest import parse_org
from tests.fakes.slack_api import FakeSlackApi


async def test_pulse_over_socket_mode(database_url: str) -> None:
    api = await FakeSlackApi().start()
    settings = load_settings(
        database_url=database_url,
        slack_bot_token="xoxb-test",
        slack_app_token="xapp-test",
        slack_api_url=api.api_url,
    )
    runtime = await build(settings, ports=configured_ports(settings))
    async with runtime.db.session() as session:
        tenant = await default_tenant(session, today=runtime.bot.clock.now().date())
        await import_rows(
            session,
            tenant_id=tenant.id,
            actor="test",
            rows=parse_org(
                "email,name,department,timezone,slack_user_id\nada@example.com,Ada,Eng,UTC,U0ADA\n"
            ),
        )
        await session.commit()
    app = make_app(runtime)
    assert not any(
        r.resource and r.resource.canonical == "/slack/events" for r in app.router.routes()
    ), "no signing secret: no HTTP endpoint"
    handler = await start_socket_mode(app[SLACK_BOLT], settings)  # type: ignore[arg-type]
    try:
        opened = api.of("apps.connections.open")
        assert opened and api.calls[0].headers["Authorization"] == "Bearer xapp-test"
        await api.socket_send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "command": "/pulse",
                    "text": "help",
                    "user_id": "U0ADA",
                    "team_id": "T111",
                    "channel_id": "C1",
                    "trigger_id": "9.9.9",
                    "response_url": api.response_url("sock"),
                },
            }
        )
        ack = await api.wait_for_ack("env-1")
        assert ack["envelope_id"] == "env-1"
        (reply,) = await api.wait_for("response_url")
        assert reply["response_type"] == "ephemeral" and "/pulse status" in reply["text"]
    finally:
        await handler.close_async()
        await runtime.db.dispose()
        await api.stop()
