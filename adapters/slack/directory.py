"""Slack's directory (users.list, team_join, user_change) -> neutral directory members."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.events import Actor
from bot.people.directory import DirectoryMember, DirectoryUnavailable

PAGE = 200


def member_from(user: dict) -> DirectoryMember | None:
    """None for bots and Slackbot: they take no pulse."""
    if user.get("is_bot") or user.get("id") == "USLACKBOT" or user.get("is_app_user"):
        return None
    profile = user.get("profile") or {}
    return DirectoryMember(
        platform_id=user["id"],
        email=profile.get("email"),
        name=user.get("real_name") or profile.get("real_name") or user.get("name", ""),
        timezone=user.get("tz"),
        locale=user.get("locale"),
        active=not user.get("deleted", False),
        workspace=user.get("team_id"),
    )


class Locales:
    """A Slack user's locale (`users.info` with `include_locale`), asked once per user and
    process, and only when the core holds no language for them (no CSV locale, no choice,
    no directory sync yet): their first command or click then tells us which language they
    read. A failed look-up is remembered as unknown, never retried in a loop; the directory
    sync brings it later."""

    MAX_KNOWN = 50_000  # a bound on memory, far above any workspace
    TIMEOUT = 2.0  # seconds: the language is worth a little wait, not a slow answer

    def __init__(self) -> None:
        self.known: dict[str, str | None] = {}

    def asked(self, actor: Actor, client: AsyncWebClient) -> Actor:
        """The actor with a way to ask Slack their locale, which the core uses only when it
        holds no language for them (no network call on the way otherwise)."""
        return replace(actor, ask_locale=lambda: self.of(client, actor.user_id))

    async def of(self, client: AsyncWebClient, user_id: str) -> str | None:
        if user_id in self.known:
            return self.known[user_id]
        try:
            response = await asyncio.wait_for(
                client.users_info(user=user_id, include_locale=True), self.TIMEOUT
            )
            locale = (response.get("user") or {}).get("locale")
        except (SlackApiError, aiohttp.ClientError, TimeoutError):
            locale = None
        if len(self.known) < self.MAX_KNOWN:
            self.known[user_id] = locale if isinstance(locale, str) else None
        return self.known.get(user_id, locale if isinstance(locale, str) else None)


async def fetch_members(
    client: AsyncWebClient, *, token: str | None = None
) -> list[DirectoryMember]:
    """Every member, page by page (users.list is Tier 2: a page of 200 at a time); `token`:
    the installation whose workspace to list (the client's own token when None)."""
    members: list[DirectoryMember] = []
    cursor = None
    auth = {"token": token} if token else {}
    while True:
        response = await client.users_list(limit=PAGE, cursor=cursor, include_locale=True, **auth)
        members += [m for m in map(member_from, response.get("members", [])) if m]
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return members


async def fetch_everyone(
    client: AsyncWebClient, *, installations: object | None
) -> list[DirectoryMember]:
    """Every member of every workspace the app is installed in (the client's own token
    without OAuth): the complete directory a scheduled sync needs, or DirectoryUnavailable,
    since a partial list would read as people having left."""
    tokens: list[str | None] = [None]
    if installations is not None:
        found = await installations.installations()  # type: ignore[attr-defined]
        tokens = [i.bot_token for i in found if i.bot_token]
        if not tokens:
            raise DirectoryUnavailable("no Slack workspace has installed the app yet")
    members: list[DirectoryMember] = []
    try:
        for token in tokens:
            members += await fetch_members(client, token=token)
    except SlackApiError as exc:
        raise DirectoryUnavailable(
            f"Slack refused users.list: {exc.response.get('error', 'error')}"
        ) from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise DirectoryUnavailable(f"Slack could not be reached ({type(exc).__name__})") from exc
    return members
