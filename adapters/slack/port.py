"""The Slack side of the core's chat port: DMs by user id, updates by channel and ts."""

from __future__ import annotations

import logging

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import Pacer
from adapters.slack import PLATFORM
from adapters.slack.directory import fetch_everyone
from adapters.slack.render import render_message
from bot.messages import Message
from bot.people.directory import DirectoryMember
from bot.ports import MessageRef, OutcomeUnknown, Recipient, SendError

log = logging.getLogger("crosspulse.slack")


class SlackPort:
    platform = PLATFORM

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        installations: object | None = None,
        send_rate: float = 8.0,
    ) -> None:
        """`installations`: the OAuth installation store; the bot token is then looked up
        (and rotated when it is about to expire) for every send. `send_rate`: DMs per second
        per workspace."""
        self.client = client
        self.installations = installations
        self.pacer = Pacer(rate=send_rate)

    async def directory(self) -> list[DirectoryMember]:
        """The whole Slack directory, for the scheduled sync (`DirectorySource`)."""
        return await fetch_everyone(self.client, installations=self.installations)

    async def open_view(self, *, trigger_id: str, view: dict, workspace: str | None) -> None:
        """A modal for the person whose click or command carried `trigger_id` (valid 3 s)."""
        await self.client.views_open(
            trigger_id=trigger_id, view=view, **await self._token(workspace or None)
        )

    def can_reach(self, recipient: Recipient) -> bool:
        return recipient.on(PLATFORM) is not None

    def rate_scope(self, recipient: Recipient) -> str:
        account = recipient.on(PLATFORM)
        return account.workspace if account else ""

    async def send(self, *, recipient: Recipient, message: Message) -> MessageRef:
        """Post into the app's DM with the person (a user id is a valid channel for that)."""
        account = recipient.on(PLATFORM)
        if account is None:
            raise SendError("no Slack account known for this person")
        payload = render_message(message)
        workspace = account.workspace or None
        auth = await self._token(workspace)
        await self.pacer.wait_turn(workspace or "")
        response = await self._call(
            self.client.chat_postMessage, channel=account.external_id, **payload, **auth
        )
        ref = MessageRef(
            platform=self.platform,
            channel=response["channel"],
            id=response["ts"],
            workspace=workspace,
        )
        if message.image is not None:
            await self._upload_chart(ref, message)
        return ref

    async def introduce(
        self, *, recipients: tuple[Recipient, Recipient], message: Message
    ) -> MessageRef:
        """A group DM with both people and the bot (conversations.open with both users),
        then the introduction posted in it."""
        accounts = [r.on(PLATFORM) for r in recipients]
        if any(a is None for a in accounts):
            raise SendError("no Slack account known for one of the two")
        workspaces = {a.workspace for a in accounts if a and a.workspace}
        if len(workspaces) > 1:
            raise SendError("the two are in different Slack workspaces: no group DM can hold both")
        workspace = next(iter(workspaces), None)
        auth = await self._token(workspace)
        await self.pacer.wait_turn(workspace or "")
        users = ",".join(a.external_id for a in accounts if a)
        opened = await self._call(self.client.conversations_open, users=users, **auth)
        channel = opened["channel"]["id"]
        response = await self._call(
            self.client.chat_postMessage, channel=channel, **render_message(message), **auth
        )
        return MessageRef(
            platform=self.platform,
            channel=response["channel"],
            id=response["ts"],
            workspace=workspace,
        )

    async def update(self, *, ref: MessageRef, message: Message) -> None:
        await self._call(
            self.client.chat_update,
            channel=ref.channel,
            ts=ref.id,
            **render_message(message),
            **await self._token(ref.workspace),
        )

    async def _upload_chart(self, ref: MessageRef, message: Message) -> None:
        """The chart goes in the same DM, threaded under the digest; a failed upload loses
        only the picture, never the digest."""
        image = message.image
        assert image is not None
        try:
            await self.client.files_upload_v2(
                channel=ref.channel,
                thread_ts=ref.id,
                content=image.png,
                filename="crosspulse-digest.png",
                title=image.title or image.alt,
                alt_txt=image.alt,
                **await self._token(ref.workspace),
            )
        except (TimeoutError, SlackApiError, ClientError) as exc:
            log.warning("chart upload failed: %s", exc)

    async def _token(self, workspace: str | None) -> dict:
        """The bot token of the person's own workspace: each installed workspace has its
        own, and a token of another workspace cannot reach them."""
        if self.installations is None:
            return {}
        token = await self.installations.bot_token(team_id=workspace)  # type: ignore[attr-defined]
        if token is None:
            raise SendError(
                f"Slack app not installed in workspace {workspace or '(unknown)'}: install it "
                "at /slack/install, or run `crosspulse org sync-slack` to learn who is where"
            )
        return {"token": token}

    @staticmethod
    async def _call(method, **kwargs):  # type: ignore[no-untyped-def]
        """Slack's refusals become SendError (with Retry-After on 429); a timeout or a
        dropped connection after the request left becomes OutcomeUnknown: never resend."""
        try:
            return await method(**kwargs)
        except SlackApiError as exc:
            status = exc.response.status_code
            error = exc.response.get("error", "unknown_error")
            if status == 429:
                retry = float(exc.response.headers.get("Retry-After", 30))
                raise SendError(f"rate limited ({error})", retry_after=retry) from None
            raise SendError(f"slack refused: {error}") from None
        except (TimeoutError, ClientError) as exc:
            raise OutcomeUnknown(f"no answer from Slack: {type(exc).__name__}") from None
