"""One aiohttp application: /healthz now; /slack/events and /api/messages join it."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy import text

from adapters.ports import configured_ports, platform_summary
from adapters.runtime import Runtime, build
from bot.config import Settings
from scheduler.service import start_scheduler

log = logging.getLogger("crosspulse.server")
RUNTIME = web.AppKey("runtime", Runtime)


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        async with runtime.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        return web.json_response({"status": "unhealthy", "database": "unreachable"}, status=503)
    return web.json_response(
        {
            "status": "ok",
            "database": "ok",
            "platforms": platform_summary(runtime.settings),
        }
    )


def make_app(runtime: Runtime) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    slack = runtime.ports.get("slack")
    if slack is not None and runtime.settings.slack_signing_secret is not None:
        from adapters.slack.app import events_handler, make_slack_app

        bolt = make_slack_app(runtime.settings, runtime.bot, slack.client)  # type: ignore[attr-defined]
        secret = runtime.settings.slack_signing_secret.get_secret_value()
        app.router.add_post(
            "/slack/events",
            events_handler(bolt, db=runtime.db, signing_secret=secret, clock=runtime.bot.clock),
        )
    return app


async def run_server(settings: Settings) -> None:
    runtime = await build(settings, ports=configured_ports(settings))
    await runtime.tenant_and_survey()
    scheduler = start_scheduler(runtime.db, ports=runtime.ports)
    runner = web.AppRunner(make_app(runtime))
    await runner.setup()
    site = web.TCPSite(runner, "0.0.0.0", settings.port)
    await site.start()
    log.info("crosspulse serving on :%s; platforms: %s", settings.port, platform_summary(settings))
    try:
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)
        await runner.cleanup()
        await runtime.db.dispose()
