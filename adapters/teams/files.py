"""An admin's organisation CSV sent to the bot in its 1:1 chat. Teams delivers a file there as
an attachment of content type `application/vnd.microsoft.teams.file.download.info` whose
`content.downloadUrl` is a short-lived, pre-authenticated SharePoint address (fetched without
any credential); some clients send a plain `contentUrl` instead, which the bot's token opens
when it is on the connector's own host. Either way the file is fetched here, at most
`MAX_BYTES`, only from an allowed host, and handed to the core as a `FileEvent`. Its content
is never logged."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, Attachment

from adapters.http_guard import read_capped
from bot.i18n import N_, _

log = logging.getLogger("crosspulse.teams")
DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
MAX_BYTES = 2_000_000  # as Slack's: a 20,000-person file is well under this
# Where Teams keeps files sent in a 1:1 chat (the user's OneDrive): https only.
FILE_HOST_SUFFIXES = (".sharepoint.com", ".sharepoint.us", ".sharepoint.de", ".sharepoint.cn")
TIMEOUT = 8.0  # seconds: Teams waits 15 s for the turn, which still has the import check to do


class Unreadable(Exception):
    """The file could not be fetched; the message says why, in words (in the current
    language when read: `str()` translates the message and fills in its values)."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.values = values

    def __str__(self) -> str:
        return _(self.args[0]).format(**self.values)


@dataclass(frozen=True)
class Offered:
    """A CSV file the activity carries: its name, where to fetch it, and whether that
    address takes the bot's token (the connector's host) or none (a pre-authenticated URL)."""

    name: str
    url: str
    with_token: bool


def _origin(address: str) -> tuple[str, str]:
    parts = urlsplit(address)
    return parts.scheme.lower(), parts.netloc.lower()


def _allowed(address: str, service_url: str) -> bool:
    """https on Microsoft's file hosts, or the very origin the activity's (authenticated)
    `serviceUrl` names, where the bot already sends its token: in tests, the stand-in."""
    scheme, host = _origin(address)
    if service_url and (scheme, host) == _origin(service_url):
        return True
    name = urlsplit(address).hostname or ""
    return scheme == "https" and name.endswith(FILE_HOST_SUFFIXES)


def _is_csv(name: str, file_type: object) -> bool:
    return name.lower().endswith(".csv") or str(file_type or "").lower() == "csv"


def offered_file(activity: Activity) -> Offered | None:
    """The first CSV attachment of a message, or None (a message with no file, a picture,
    the HTML copy of the text Teams attaches)."""
    for attachment in activity.attachments or []:
        if not isinstance(attachment, Attachment):
            continue
        name = str(attachment.name or "")
        content = attachment.content if isinstance(attachment.content, dict) else {}
        if attachment.content_type == DOWNLOAD_INFO:
            url = content.get("downloadUrl")
            if isinstance(url, str) and _is_csv(name, content.get("fileType")):
                return Offered(name, url, with_token=False)
        elif isinstance(attachment.content_url, str) and _is_csv(name, None):
            return Offered(name, attachment.content_url, with_token=True)
    return None


async def _bot_token(turn_context: TurnContext) -> str | None:
    """The token botbuilder sends to the connector, when app credentials are set."""
    client = turn_context.turn_state.get(turn_context.adapter.BOT_CONNECTOR_CLIENT_KEY)
    credentials = getattr(getattr(client, "config", None), "credentials", None)
    getter = getattr(credentials, "get_access_token", None)
    if getter is None:
        return None
    try:
        token = await asyncio.to_thread(getter)  # msal asks over HTTP, blocking
        return token if isinstance(token, str) and token else None
    except Exception as exc:
        log.warning("no token for the file download: %s", type(exc).__name__)
        return None


async def download(turn_context: TurnContext, offered: Offered) -> bytes:
    """The file's bytes, or Unreadable. Redirects are not followed: an allowed host must
    not hand the request (and a token) on to another."""
    service_url = turn_context.activity.service_url or ""
    if not _allowed(offered.url, service_url):
        raise Unreadable(
            N_("Teams gave an address I don't download from; send the file again.")
        )
    headers = {}
    if offered.with_token and _origin(offered.url) == _origin(service_url):
        token = await _bot_token(turn_context)
        if token:
            headers["Authorization"] = f"Bearer {token}"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http,
            http.get(offered.url, headers=headers, allow_redirects=False) as response,
        ):
            if response.status != 200:
                raise Unreadable(
                    N_("Teams answered {status} to the download; try again."),
                    status=response.status,
                )
            if (response.content_length or 0) > MAX_BYTES:
                raise Unreadable(
                    N_("An organisation CSV is at most {size} KB."), size=MAX_BYTES // 1000
                )
            content = await read_capped(response.content, limit=MAX_BYTES)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise Unreadable(
            N_("The download failed ({error}); try again."), error=type(exc).__name__
        ) from None
    if len(content) > MAX_BYTES:
        raise Unreadable(N_("An organisation CSV is at most {size} KB."), size=MAX_BYTES // 1000)
    return content
