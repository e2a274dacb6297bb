"""The Bolt AsyncApp, its Web API client and the /slack/events endpoint on our aiohttp app."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.installations import DbInstallationStore, DbStateStore
from adapters.slack.listeners import register
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.port import SlackPort
from bot.config import Settings
from bot.crypto import CredentialCipher
from bot.db import Database
from bot.handlers import Bot
from bot.ports import Clock

log = logging.getLogger("crosspulse.slack")
MAX_BODY = 256 * 1024  # Slack's own payloads stay far below this


def make_client(settings: Settings) -> AsyncWebClient:
    """No automatic retries: a retried chat.postMessage can DM someone twice."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token, base_url=settings.slack_api_url, retry_handlers=[], timeout=10
    )


def make_slack_app(
    settings: Settings, bot: Bot, port: SlackPort, *, process_before_response: bool = False
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
    register(app, bot=bot, port=port)
    return app


def make_installations(settings: Settings, *, db: Database, clock: Clock) -> DbInstallationStore:
    assert settings.slack_client_id and settings.slack_client_secret
    rotator = AsyncTokenRotator(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        client=AsyncWebClient(base_url=settings.slack_api_url, retry_handlers=[]),
    )
    return DbInstallationStore(
        db=db, cipher=CredentialCipher(settings.secrets), clock=clock, rotator=rotator
    )


def make_oauth_flow(settings: Settings, installations: DbInstallationStore) -> AsyncOAuthFlow:
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
    """GET /slack/install and /slack/oauth_redirect: Bolt renders the page or the result."""

    async def slack_oauth(request: web.Request) -> web.Response:
        flow = app.oauth_flow
        assert flow is not None
        bolt_request = await to_bolt_request(request)
        if request.path == flow.install_path:
            return await to_aiohttp_response(await flow.handle_installation(bolt_request))
        return await to_aiohttp_response(await flow.handle_callback(bolt_request))

    return slack_oauth


def _malformed(request: web.Request, body: bytes) -> str | None:
    """What Bolt would answer 500 to: refuse it with a 4xx first, saying why."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    if not timestamp.isdigit() or not request.headers.get("X-Slack-Signature"):
        return "unauthorized"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if request.content_type == "application/json":
        try:
            parsed = json.loads(text or "null")
        except ValueError:
            return "body is not JSON"
        if not isinstance(parsed, dict):
            return "body must be a JSON object"
        return _bad_shape(parsed)
    form = parse_qs(text)
    if "payload" in form:
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            return "payload is not JSON"
        if not isinstance(payload, dict):
            return "payload must be a JSON object"
        return _bad_shape(payload)
    return None


_OBJECTS = ("event", "user", "team", "channel", "view", "container", "state", "enterprise")
_STRINGS = ("type", "team_id", "api_app_id", "enterprise_id", "user_id", "event_id")


def _bad_shape(payload: dict) -> str | None:
    """Fields Bolt reads before any listener runs, of the wrong type: refuse them (400)
    rather than let Bolt fail on them (500). Slack itself never sends these."""
    for name in _OBJECTS:
        if payload.get(name) is not None and not isinstance(payload[name], dict | str):
            return f"{name} has the wrong type"
    if isinstance(payload.get("event"), str):
        return "event must be an object"
    for name in _STRINGS:
        if payload.get(name) is not None and not isinstance(payload[name], str):
            return f"{name} must be a string"
    authorizations = payload.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)
    ):
        return "authorizations must be a list of objects"
    return None


def events_handler(app: AsyncApp, signing_secret: str | None = None):  # type: ignore[no-untyped-def]
    """Checks the signature before anything parses the body: Bolt builds its request (and
    can fail on a malformed field) before it verifies, so a forged body must stop here."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def slack_events(request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413, text="request body too large")
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="request body too large")
        problem = _malformed(request, body)
        if problem == "unauthorized" or (
            verifier is not None
            and not verifier.is_valid_request(body, dict(request.headers.items()))
        ):
            log.warning("slack request without a valid signature from %s", request.remote)
            return web.Response(status=401, text="unauthorized")
        if problem:
            log.warning("malformed slack request: %s", problem)
            return web.Response(status=400, text=problem)
        try:
            bolt_request = await to_bolt_request(_with_body(request, body))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("malformed slack request: %s", type(exc).__name__)
            return web.Response(status=400, text="malformed request")
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    return slack_events


class _Buffered:
    """to_bolt_request reads `await request.text()`; we already hold the capped body."""

    def __init__(self, request: web.Request, body: bytes) -> None:
        self.query_string = request.query_string
        self.headers = request.headers
        self._body = body

    async def text(self) -> str:
        return self._body.decode("utf-8")


def _with_body(request: web.Request, body: bytes) -> web.Request:
    return _Buffered(request, body)  # type: ignore[return-value]


async def start_socket_mode(app: AsyncApp, settings: Settings) -> AsyncSocketModeHandler:
    """Slack over a WebSocket the app opens itself: no public URL needed."""
    assert settings.slack_app_token is not None
    handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
    await handler.connect_async()
    log.info("Slack Socket Mode connected")
    return handler
