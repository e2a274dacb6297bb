"""One aiohttp application: the platforms' endpoints (/slack/events, /api/messages), /healthz,
/readyz and, when switched on, /metrics; and `run_server`, which runs it with the scheduler."""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from adapters.health import LEADER, RUNTIME, healthz, readyz
from adapters.observe import PathAccessLogger, metrics_handler, observe
from adapters.ports import configured_ports, platform_summary
from adapters.runtime import Runtime, build
from adapters.settings import AppSettings
from scheduler.leader import Leader
from scheduler.service import start_scheduler

log = logging.getLogger("crosspulse.server")
SLACK_BOLT = web.AppKey("slack_bolt", object)


def make_app(
    runtime: Runtime,
    *,
    slack_process_before_response: bool = False,
    leader: Leader | None = None,
) -> web.Application:
    """`leader`: the scheduler's, when this process runs one (`/healthz` then reports the
    leadership of the whole deployment)."""
    app = web.Application(client_max_size=1024 * 1024, middlewares=[observe])
    app[RUNTIME] = runtime
    if leader is not None:
        app[LEADER] = leader
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    settings = runtime.settings
    if settings.metrics:
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        app.router.add_get("/metrics", metrics_handler(runtime.db, token=token))
    slack = runtime.ports.get("slack")
    if slack is not None:
        from adapters.slack.app import events_handler, make_slack_app, oauth_handler

        bolt = make_slack_app(
            runtime.settings,
            runtime.bot,
            slack,  # type: ignore[arg-type]
            process_before_response=slack_process_before_response,
        )
        if slack.installations is not None:  # type: ignore[attr-defined]
            app.router.add_get("/slack/install", oauth_handler(bolt))
            app.router.add_get("/slack/oauth_redirect", oauth_handler(bolt))
        app[SLACK_BOLT] = bolt
        signing_secret = runtime.settings.slack_signing_secret
        if signing_secret is not None:
            app.router.add_post(
                "/slack/events", events_handler(bolt, signing_secret.get_secret_value())
            )
    teams = runtime.ports.get("teams")
    if teams is not None:
        from adapters.teams.app import messages_handler

        if not runtime.settings.microsoft_app_id:
            log.warning(
                "TEAMS ENDPOINT WITHOUT AUTHENTICATION: MICROSOFT_APP_ID is not set and "
                "CROSSPULSE_DEV=1 allows it for the Bot Framework Emulator only. Never "
                "run like this in production."
            )
        tenants = runtime.settings.teams_allowed_tenants
        if tenants is None and runtime.settings.microsoft_app_id:
            log.warning(
                "Teams accepts every Microsoft 365 organisation: anyone who installs the app "
                "can be linked to a person by the e-mail their roster gives. Set "
                "TEAMS_TENANT_IDS to your tenant id (a GUID; MICROSOFT_APP_TENANT_ID serves "
                "when it is one)."
            )
        handler = messages_handler(
            teams.adapter,  # type: ignore[attr-defined]
            runtime.bot,
            teams,  # type: ignore[arg-type]
            tenants=tenants,
            dev=runtime.settings.crosspulse_dev,
        )
        app.router.add_post("/api/messages", handler)
    return app


def make_runner(app: web.Application) -> web.AppRunner:
    """The runner `serve` uses: its access log names paths, never query strings."""
    return web.AppRunner(app, access_log_class=PathAccessLogger)


async def run_server(settings: AppSettings) -> None:
    # msrest sends every Teams request with `requests` on the default executor, which has
    # min(32, cores + 4) threads (6 on two cores); the sender keeps 8 in flight, and turns
    # reply through the same pool.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=32, thread_name_prefix="io")
    )
    runtime = await build(settings)
    runtime.ports = configured_ports(settings, db=runtime.db, clock=runtime.bot.clock)
    await runtime.tenant_and_survey()
    leader = Leader(runtime.db)
    await leader.acquire()  # on SQLite, refuses a second process right here
    scheduler = start_scheduler(
        runtime.db, ports=runtime.ports, leader=leader, secret=runtime.settings.secret_bytes
    )
    app = make_app(runtime, leader=leader)
    if settings.metrics and settings.metrics_token is None:
        log.warning(
            "/metrics is served without a token: anyone who reaches this port can read the "
            "counts. Set METRICS_TOKEN, or keep the port private."
        )
    socket_mode = None
    if settings.slack_app_token is not None and SLACK_BOLT in app:
        from adapters.slack.app import start_socket_mode

        socket_mode = await start_socket_mode(app[SLACK_BOLT], settings)  # type: ignore[arg-type]
    runner = make_runner(app)
    await runner.setup()
    site = web.TCPSite(runner, "0.0.0.0", settings.port)
    await site.start()
    log.info("crosspulse serving on :%s; platforms: %s", settings.port, platform_summary(settings))
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
        log.info("stopping: no new requests; finishing work in flight")
    finally:
        scheduler.shutdown(wait=False)
        await site.stop()
        if socket_mode is not None:
            await socket_mode.close_async()
        if "slack" in runtime.ports:
            from adapters.slack.listeners import drain

            await drain()
        await runner.cleanup()
        await leader.release()
        await runtime.db.dispose()
