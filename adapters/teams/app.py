"""botbuilder's CloudAdapter and our bot at POST /api/messages on the shared aiohttp app."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from adapters.http_guard import (
    Refused,
    decode,
    parse_json,
    quiet_client_faults,
    read_body,
    single_header,
)
from adapters.teams import PLATFORM
from adapters.teams.bot import CrosspulseTeamsBot
from adapters.teams.clients import ReusingAuthentication
from adapters.teams.hardening import check_activity
from adapters.teams.port import TeamsPort
from adapters.teams.settings import TeamsSettings
from bot.chat.handlers import Bot
from bot.ports import Identity, OutcomeUnknown, Recipient

log = logging.getLogger("crosspulse.teams")
MAX_BODY = 256 * 1024


def make_adapter(settings: TeamsSettings) -> CloudAdapter:
    password = settings.microsoft_app_password
    config = SimpleNamespace(
        APP_ID=settings.microsoft_app_id or "",
        APP_PASSWORD=password.get_secret_value() if password else "",
        APP_TYPE=settings.microsoft_app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id or "",
    )
    adapter = CloudAdapter(ReusingAuthentication(config))

    async def on_error(context, error: Exception) -> None:  # type: ignore[no-untyped-def]
        log.error("teams turn failed: %s", type(error).__name__, exc_info=error)
        try:
            await context.send_activity(
                "Sorry, something went wrong on our side; nothing was changed. Please try again."
            )
        except Exception:
            log.warning("could not tell the user about the failure")

    adapter.on_turn_error = on_error
    return adapter


def messages_handler(  # type: ignore[no-untyped-def]
    adapter: CloudAdapter,
    bot: Bot,
    port: TeamsPort,
    *,
    tenants: frozenset[str] | None = None,
    dev: bool = False,
):
    async def notify(person_id: int, message) -> None:  # type: ignore[no-untyped-def]
        recipient = await bot.recipient(person_id)
        if recipient and port.can_reach(recipient):
            try:  # inside a turn: no retries (the caller bounds the time)
                await port.send(recipient=recipient, message=message, retries=0)
            except Exception as exc:
                log.warning("teams notify failed: %s", exc)

    async def whisper(user_id: str, message) -> str:  # type: ignore[no-untyped-def]
        """A private answer to someone who asked in a channel, in their 1:1 chat; inside
        the turn, so no retries (the caller bounds the time)."""
        recipient = Recipient(
            person_id=0, email="", name="", identities=(Identity(PLATFORM, user_id),)
        )
        try:
            await port.send(recipient=recipient, message=message, retries=0)
            return "sent"
        except OutcomeUnknown:  # it may still arrive
            return "unknown"
        except Exception as exc:
            log.warning("teams private answer failed: %s", exc)
            return "failed"

    quiet_client_faults()
    teams_bot = CrosspulseTeamsBot(
        bot, notify=notify, whisper=whisper, tenants=tenants, allow_no_tenant=dev
    )

    async def api_messages(request: web.Request) -> web.Response:
        """Bad input gets 4xx, never 500: the body is read whole (however it was split),
        decoded, depth-checked and shape-checked here, then handed to botbuilder as the
        Activity its `CloudAdapter.process` would have built from it."""
        try:
            content_type = single_header(request, "Content-Type") or ""
            if "application/json" not in content_type:
                raise Refused(415, "expected application/json")
            body = check_activity(parse_json(decode(await read_body(request, limit=MAX_BODY))))
            try:
                activity = Activity().deserialize(body)
            except ValueError:  # msrest's DeserializationError: a field of the wrong type
                raise Refused(400, "body is not a valid Activity") from None
            auth_header = single_header(request, "Authorization") or ""
        except Refused as refused:
            return refused.response(log, "teams")
        try:
            invoke = await adapter.process_activity(auth_header, activity, teams_bot.on_turn)
        except PermissionError:
            return Refused(401, "unauthorized").response(log, "teams")
        except Exception as exc:  # botbuilder's token checks raise several kinds
            return Refused(401, f"unauthorized ({type(exc).__name__})").response(log, "teams")
        if invoke:
            return web.json_response(data=serializer_helper(invoke.body), status=invoke.status)
        return web.Response(status=201)

    return api_messages
