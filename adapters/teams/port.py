"""The Teams side of the core's chat port: proactive 1:1 messages through stored
conversation references (continue_conversation)."""

from __future__ import annotations

import logging

from aiohttp import ClientConnectorError
from botbuilder.core import TurnContext
from botbuilder.schema import ConversationReference
from botframework.connector.models import ErrorResponseException
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams.bot import activity_from
from bot.conversations import load_reference, mark_unreachable
from bot.db import Database
from bot.enums import Platform
from bot.messages import Message
from bot.ports import MessageRef, OutcomeUnknown, Recipient, SendError

log = logging.getLogger("crosspulse.teams")


class TeamsPort:
    platform = Platform.TEAMS

    def __init__(self, *, adapter, app_id: str, db: Database) -> None:  # type: ignore[no-untyped-def]
        self.adapter = adapter
        self.app_id = app_id
        self.db = db

    def can_reach(self, recipient: Recipient) -> bool:
        return bool(recipient.teams_user_id)

    async def send(self, *, recipient: Recipient, message: Message) -> MessageRef:
        assert recipient.teams_user_id
        stored = await load_reference(
            self.db, platform=self.platform, user_id=recipient.teams_user_id
        )
        if stored is None:
            raise SendError(
                "no Teams conversation yet: the person must install the app "
                "(or the admin pre-install it) before the bot can write"
            )
        reference = ConversationReference().deserialize(stored)
        sent: list[str] = []

        async def callback(turn_context: TurnContext) -> None:
            response = await turn_context.send_activity(activity_from(message))
            sent.append(response.id if response else "")

        await self._call(
            self.adapter.continue_conversation(reference, callback, self.app_id),
            recipient.teams_user_id,
        )
        return MessageRef(
            platform=self.platform, channel=reference.conversation.id, id=sent[0] if sent else ""
        )

    async def update(self, *, ref: MessageRef, message: Message) -> None:
        raise SendError("Teams cards are updated inside the turn that submitted them")

    async def _call(self, work, user_id: str) -> None:  # type: ignore[no-untyped-def]
        """403 (blocked or uninstalled) marks the person unreachable; 429 carries Retry-After;
        a timeout after the request left is an unknown outcome, never resent."""
        try:
            await work
        except (ErrorResponseException, HttpOperationError) as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status == 403:
                await mark_unreachable(self.db, platform=self.platform, user_id=user_id)
                raise SendError("Teams refused: the bot was blocked or removed") from None
            if status == 429:
                retry = float(exc.response.headers.get("Retry-After", 30))
                raise SendError("Teams rate limit", retry_after=retry) from None
            raise SendError(f"Teams refused with {status}") from None
        except (ClientConnectorError, ClientRequestError) as exc:
            raise SendError(f"could not reach the Teams service: {type(exc).__name__}") from None
        except TimeoutError:
            raise OutcomeUnknown("no answer from Teams in time") from None
