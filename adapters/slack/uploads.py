"""An admin's organisation CSV sent to the bot in its DM: the `file_shared` event names the
file; `files.info` gives its `url_private`, downloaded with the bot token (scope files:read)
and handed to the core as a `FileEvent`. The answer (the report, or the summary with its
Confirm button) goes to the DM. The file's content is never logged."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.effects import carry_out
from adapters.http_guard import read_capped
from adapters.slack import PLATFORM
from adapters.slack.listeners import Backlog, Deliver, SlackEffects, fresh
from adapters.slack.port import SlackPort
from bot.chat.events import Actor, Effect, FileEvent, Reply
from bot.chat.handlers import Bot
from bot.chat.templates import notice
from bot.i18n import N_, _, use_locale

log = logging.getLogger("crosspulse.slack")
MAX_BYTES = 2_000_000
FILE_HOSTS = {"files.slack.com"}  # where Slack serves url_private; the bot token goes nowhere else


class NotForUs(Exception):
    """Not a CSV sent to the bot in a DM: ignored without an answer."""


class Unreadable(Exception):
    """The file could not be fetched; the message says why, in words (in the current
    language when read: `str()` translates the message and fills in its values)."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.values = values

    def __str__(self) -> str:
        return _(self.args[0]).format(**self.values)


def register_uploads(
    app: AsyncApp, *, bot: Bot, port: SlackPort, backlog: Backlog, api_url: str
) -> None:
    hosts = FILE_HOSTS | {urlsplit(api_url).netloc}

    @app.event("file_shared")
    async def file_shared(event, body, client, context, request) -> None:  # type: ignore[no-untyped-def]
        async def work() -> Deliver | None:
            if not await fresh(bot, request, body):
                return None
            user = str(event.get("user_id") or "")
            if not str(event.get("channel_id", "")).startswith("D") or not user:
                return None
            if user == context.get("bot_user_id"):
                return None  # the bot's own uploads (digest charts)
            actor = Actor(PLATFORM, user, workspace=body.get("team_id"))
            try:
                name, content = await fetch(client, str(event.get("file_id", "")), hosts)
            except NotForUs:
                return None
            except Unreadable as exc:
                with use_locale(await bot.language(actor)):
                    unreadable = notice.NoticeData(_("I couldn't read that file"), str(exc))
                    effects: list[Effect] = [Reply(notice.render(unreadable))]
            else:
                effects = await bot.handle(FileEvent(actor, name, content))
            target = SlackEffects(
                bot=bot, port=port, body={"user_id": user}, respond=None, ref=None
            )
            target.from_home = True  # no response_url: every answer goes to the DM

            async def deliver() -> None:
                await carry_out(effects, target)

            return deliver

        await backlog.submit(work)


async def fetch(client, file_id: str, hosts: set[str]) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    """(name, bytes) of a CSV file, or NotForUs / Unreadable."""
    try:
        info = (await client.files_info(file=file_id))["file"]
    except SlackApiError as exc:
        raise Unreadable(
            N_("Slack refused to describe it ({error}); send it again."),
            error=exc.response.get("error"),
        ) from None
    name = str(info.get("name") or "")
    if info.get("filetype") != "csv" and not name.lower().endswith(".csv"):
        raise NotForUs
    if int(info.get("size") or 0) > MAX_BYTES:
        raise Unreadable(N_("An organisation CSV is at most {size} KB."), size=MAX_BYTES // 1000)
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    if urlsplit(url).netloc not in hosts:
        raise Unreadable(N_("Slack gave no download address for it; send it again."))
    headers = {"Authorization": f"Bearer {client.token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http,
            http.get(url, headers=headers, allow_redirects=False) as response,
        ):
            if response.status != 200:
                raise Unreadable(
                    N_("Slack answered {status} to the download; try again."),
                    status=response.status,
                )
            content = await read_capped(response.content, limit=MAX_BYTES)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise Unreadable(
            N_("The download failed ({error}); try again."), error=type(exc).__name__
        ) from None
    if len(content) > MAX_BYTES:
        raise Unreadable(N_("An organisation CSV is at most {size} KB."), size=MAX_BYTES // 1000)
    return name, content
