"""The Bolt AsyncApp, its Web API client and the /slack/events endpoint on our aiohttp app."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.http_guard import Refused, decode, quiet_client_faults, read_body
from adapters.slack.crypto import CredentialCipher
from adapters.slack.hardening import check_headers, check_query, check_shape, payload_of
from adapters.slack.installations import DbInstallationStore, DbStateStore
from adapters.slack.listeners import backlog_of, register
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.port import SlackPort
from adapters.slack.settings import SlackSettings
from adapters.slack.uploads import register_uploads
from bot.chat.handlers import Bot
from bot.logcontext import workspace
from bot.ports import Clock
from bot.store.db import Database

log = logging.getLogger("crosspulse.slack")
MAX_BODY = 256 * 1024  # Slack's own payloads stay far below this


def make_client(settings: SlackSettings) -> AsyncWebClient:
    """No automatic retries: a retried chat.postMessage can DM someone twice."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token, base_url=settings.slack_api_url, retry_handlers=[], timeout=10
    )


def make_slack_app(
    settings: SlackSettings, bot: Bot, port: SlackPort, *, process_before_response: bool = False
) -> AsyncApp:
    """`process_before_response` answers Slack only after the listener finished (for FaaS
    hosts that freeze after the response, and for tests that need the work done)."""
    if settings.slack_signing_secret is None and settings.slack_app_token is None:
        raise ValueError("SLACK_SIGNING_SECRET is required for Slack over HTTP")
    secret = settings.slack_signing_secret
    oauth = {}
    if port.installations is not None:
        oauth["oauth_flow"] = make_oauth_flow(settings, port.installations)
    app = AsyncApp(
        client=port.client,
        # Socket Mode requests carry no signature; the app token authenticates the socket.
        signing_secret=secret.get_secret_value() if secret else "",
        process_before_response=process_before_response,
        **oauth,
    )
    backlog = register(app, bot=bot, port=port)
    register_uploads(app, bot=bot, port=port, backlog=backlog, api_url=settings.slack_api_url)
    return app


def make_installations(
    settings: SlackSettings, *, db: Database, clock: Clock
) -> DbInstallationStore:
    assert settings.slack_client_id and settings.slack_client_secret
    rotator = AsyncTokenRotator(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        client=AsyncWebClient(base_url=settings.slack_api_url, retry_handlers=[]),
    )
    return DbInstallationStore(
        db=db, cipher=CredentialCipher(settings.secrets), clock=clock, rotator=rotator
    )


def make_oauth_flow(settings: SlackSettings, installations: DbInstallationStore) -> AsyncOAuthFlow:
    """Multi-workspace install: /slack/install and /slack/oauth_redirect, state in our DB."""
    assert settings.slack_client_id and settings.slack_client_secret
    return AsyncOAuthFlow(
        client=AsyncWebClient(base_url=settings.slack_api_url, retry_handlers=[]),
        settings=AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            scopes=BOT_SCOPES,
            installation_store=installations,
            installation_store_bot_only=True,
            state_store=DbStateStore(db=installations.db, clock=installations.clock),
        ),
    )


def oauth_handler(app: AsyncApp):  # type: ignore[no-untyped-def]
    """GET /slack/install and /slack/oauth_redirect: Bolt renders the page or the result.
    The body (none is expected) is read whole and decoded here, and the query must be
    plain text: Bolt would answer 500 to a body that is not UTF-8, PostgreSQL to a NUL."""

    async def slack_oauth(request: web.Request) -> web.Response:
        flow = app.oauth_flow
        assert flow is not None
        try:
            body = decode(await read_body(request, limit=MAX_BODY))
            check_query(request.query_string)
        except Refused as refused:
            return refused.response(log, "slack oauth")
        bolt_request = await to_bolt_request(_with_body(request, body))
        if request.path == flow.install_path:
            return await to_aiohttp_response(await flow.handle_installation(bolt_request))
        return await to_aiohttp_response(await flow.handle_callback(bolt_request))

    return slack_oauth


def events_handler(app: AsyncApp, signing_secret: str | None = None):  # type: ignore[no-untyped-def]
    """Checks the signature before anything parses the body: Bolt builds its request (and
    can fail on a malformed field) before it verifies, so a forged body must stop here.
    The body is read whole first: a signed request split over several TCP segments (or
    chunks) is as valid as one that came in one. Every request is counted while it is
    being acked, so the backlog's workers can let it go first."""
    quiet_client_faults()
    verifier = SignatureVerifier(signing_secret) if signing_secret else None
    backlog = backlog_of(app)

    async def slack_events(request: web.Request) -> web.Response:
        # Work behind earlier acks waits while this request is being acked.
        if backlog is not None:
            backlog.ack_started()
        try:
            return await _events(request)
        finally:
            if backlog is not None:
                backlog.ack_done()

    async def _events(request: web.Request) -> web.Response:
        try:
            check_headers(request)
            text = decode(await read_body(request, limit=MAX_BODY))
            if verifier is not None and not verifier.is_valid_request(
                text, dict(request.headers.items())
            ):
                raise Refused(401, "invalid or expired signature")
            payload = payload_of(text, request.headers.get("Content-Type"))
            check_shape(payload)
        except Refused as refused:
            return refused.response(log, "slack")
        bolt_request = _parsed(request, text, payload)
        # Signed, so the team id is Slack's: this request's log lines name the workspace.
        context = bolt_request.context
        workspace.set(context.team_id or context.enterprise_id)
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    return slack_events


class _Buffered:
    """to_bolt_request reads `await request.text()`; we already hold the whole body."""

    def __init__(self, request: web.Request, body: str) -> None:
        self.query_string = request.query_string
        self.headers = request.headers
        self._body = body

    async def text(self) -> str:
        return self._body


def _with_body(request: web.Request, body: str) -> web.Request:
    return _Buffered(request, body)  # type: ignore[return-value]


def _parsed(request: web.Request, text: str, payload: dict) -> AsyncBoltRequest:
    """Bolt's request with the body we already parsed: `payload_of` takes the same branches
    as Bolt's own parser, and parsing a button's payload twice was a third of the ack's CPU.
    The raw body stays, so Bolt still verifies the signature itself."""
    bolt_request = AsyncBoltRequest(body="", query=request.query_string, headers=request.headers)
    bolt_request.raw_body = text
    bolt_request.body = payload
    bolt_request.context = build_async_context(AsyncBoltContext({}), payload)
    return bolt_request


async def start_socket_mode(app: AsyncApp, settings: SlackSettings) -> AsyncSocketModeHandler:
    """Slack over a WebSocket the app opens itself: no public URL needed."""
    assert settings.slack_app_token is not None
    handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
    await handler.connect_async()
    log.info("Slack Socket Mode connected")
    return handler
