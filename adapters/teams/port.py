"""The Teams side of the core's chat port: proactive 1:1 messages through stored
conversation references (continue_conversation)."""

from __future__ import annotations

import asyncio
import logging
import random

from aiohttp import ClientConnectorError
from botbuilder.core import TurnContext
from botbuilder.schema import ConversationReference
from botframework.connector.models import ErrorResponseException
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.pacing import Pacer
from adapters.teams.bot import activity_from
from bot.conversations import load_reference, mark_unreachable
from bot.db import Database
from bot.enums import Platform
from bot.messages import Message
from bot.ports import MessageRef, OutcomeUnknown, Recipient, SendError

log = logging.getLogger("crosspulse.teams")
TRANSIENT = {412, 502, 503, 504}  # Microsoft's guidance: retry these with backoff and jitter
RETRIES = 3
BACKOFF = 1.0  # seconds, doubled each retry, times a random 0.5-1.5
# Microsoft's documented limits: 50 requests/s per app per tenant (we keep to 40), and per
# bot per conversation 7 in 1 s, 60 in 30 s, 1,800 in an hour.
TENANT_RATE = 40.0
CONVERSATION_LIMITS = ((7, 1.0), (60, 30.0), (1800, 3600.0))


class _Transient(Exception):
    """A status worth retrying."""


class TeamsPort:
    platform = Platform.TEAMS

    def __init__(self, *, adapter, app_id: str, db: Database, sleep=asyncio.sleep) -> None:  # type: ignore[no-untyped-def]
        self.adapter = adapter
        self.app_id = app_id
        self.db = db
        self.sleep = sleep  # injectable, so tests need no real waiting
        self.tenant_pacer = Pacer(rate=TENANT_RATE)
        self.conversation_pacers = [
            Pacer(rate=count / seconds, burst=count) for count, seconds in CONVERSATION_LIMITS
        ]

    def can_reach(self, recipient: Recipient) -> bool:
        return bool(recipient.teams_user_id)

    def rate_scope(self, recipient: Recipient) -> str:
        return ""  # one scope for the sender; the port paces per tenant and conversation

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
        failures: list[BaseException] = []

        async def callback(turn_context: TurnContext) -> None:
            # Caught here, not by the adapter's on_turn_error (which would swallow it and try
            # to send an apology into the same failing conversation).
            try:
                response = await turn_context.send_activity(activity_from(message))
                sent.append(response.id if response else "")
            except Exception as exc:
                failures.append(exc)

        async def deliver() -> None:
            failures.clear()
            await self._wait_turn(reference)
            await self.adapter.continue_conversation(reference, callback, self.app_id)
            if failures:
                raise failures[0]

        for attempt in range(RETRIES + 1):
            try:
                await self._call(deliver(), recipient.teams_user_id)
                break
            except _Transient:
                if attempt == RETRIES:
                    raise SendError("Teams kept answering 412/502/503/504") from None
                await self.sleep(BACKOFF * 2**attempt * random.uniform(0.5, 1.5))
        return MessageRef(
            platform=self.platform, channel=reference.conversation.id, id=sent[0] if sent else ""
        )

    async def _wait_turn(self, reference: ConversationReference) -> None:
        """Keep under the tenant's and the conversation's limits instead of meeting 429s."""
        await self.tenant_pacer.wait_turn(reference.conversation.tenant_id or "")
        for pacer in self.conversation_pacers:
            await pacer.wait_turn(reference.conversation.id)

    async def update(self, *, ref: MessageRef, message: Message) -> None:
        raise SendError("Teams cards are updated inside the turn that submitted them")

    async def _call(self, work, user_id: str) -> None:  # type: ignore[no-untyped-def]
        """403 (blocked or uninstalled) marks the person unreachable; 429 carries Retry-After;
        a timeout after the request left is an unknown outcome, never resent."""
        try:
            await work
        except (ErrorResponseException, HttpOperationError) as exc:
            status = getattr(exc.response, "status_code", 0) or 0
            if status == 403:
                await mark_unreachable(self.db, platform=self.platform, user_id=user_id)
                raise SendError("Teams refused: the bot was blocked or removed") from None
            if status in TRANSIENT:
                raise _Transient(status) from None
            if status == 429:
                retry = float(exc.response.headers.get("Retry-After", 30))
                raise SendError("Teams rate limit", retry_after=retry) from None
            raise SendError(f"Teams refused with {status}") from None
        except (ClientConnectorError, ClientRequestError) as exc:
            raise SendError(f"could not reach the Teams service: {type(exc).__name__}") from None
        except TimeoutError:
            raise OutcomeUnknown("no answer from Teams in time") from None
