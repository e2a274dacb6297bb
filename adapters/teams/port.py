"""The Teams side of the core's chat port: proactive 1:1 messages through stored
conversation references (continue_conversation)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from aiohttp import ClientConnectorError
from botbuilder.core import TurnContext
from botbuilder.schema import ChannelAccount, ConversationParameters, ConversationReference
from botframework.connector.models import ErrorResponseException
from msrest.exceptions import ClientRequestError, HttpOperationError
from requests.exceptions import ConnectTimeout
from urllib3.exceptions import NameResolutionError, NewConnectionError

from adapters.pacing import Pacer
from adapters.teams import PLATFORM
from adapters.teams.bot import activity_from, is_team_scope
from adapters.teams.conversations import load_reference, mark_unreachable, save_reference
from bot.i18n import _, use_locale
from bot.messages import Message, MessageKind
from bot.ports import NOT_DELIVERED, MessageRef, OutcomeUnknown, Recipient, SendError
from bot.store.db import Database

log = logging.getLogger("crosspulse.teams")
Turn = Callable[[TurnContext], Awaitable[None]]
TRANSIENT = {412, 502, 503, 504}  # Microsoft's guidance: retry these with backoff and jitter
RETRIES = 3
RETRY_LATER = 60.0  # seconds before the outbox tries a delivery again once retries are spent
BACKOFF = 1.0  # seconds, doubled each retry, times a random 0.5-1.5
# Microsoft's documented limits: 50 requests/s per app per tenant (we keep to 40), and per
# bot per conversation 7 in 1 s, 60 in 30 s, 1,800 in an hour.
TENANT_RATE = 40.0
CONVERSATION_LIMITS = ((7, 1.0), (60, 30.0), (1800, 3600.0))


class _Transient(Exception):
    """Worth trying again: a 412/5xx answer, or a request that never left this machine."""


class TeamsPort:
    platform = PLATFORM

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
        return recipient.on(PLATFORM) is not None

    def rate_scope(self, recipient: Recipient) -> str:
        return ""  # one scope for the sender; the port paces per tenant and conversation

    async def introduce(
        self, *, recipients: tuple[Recipient, Recipient], message: Message
    ) -> MessageRef:
        """Bots cannot create group chats: each of the two gets the introduction 1:1, with a
        button that opens a chat with the other (Teams' deep link, by e-mail/UPN). When the
        second send fails after the first went, that is logged, never retried (the first
        would go twice)."""
        refs = []
        for me, other in (recipients, recipients[::-1]):
            with use_locale(message.language):
                title = _("Chat with {name}").format(name=other.name)
            link = (title, chat_link(other.email))
            try:
                refs.append(await self.send(recipient=me, message=message, link=link))
            except (SendError, OutcomeUnknown) as exc:
                if not refs:
                    raise
                log.warning("introduction reached one of the two: %s", exc)
        return refs[0]

    async def send(
        self,
        *,
        recipient: Recipient,
        message: Message,
        retries: int = RETRIES,
        link: tuple[str, str] | None = None,
    ) -> MessageRef:
        """`retries`: how often a 412/5xx is tried again; 0 inside a turn, which Teams
        wants answered within 15 s. `link`: (title, url) of a button opening a URL."""
        # An anonymous conversation's author: a refusal must not mark their account (a dump
        # would tie it to the thread's delivery) nor say why on the leader's row.
        anonymous = message.kind == MessageKind.CONVERSATION
        account = recipient.on(PLATFORM)
        if account is None:
            raise SendError("no Teams account known for this person")
        user_id = account.external_id
        stored = await load_reference(self.db, platform=self.platform, user_id=user_id)
        if stored is None:
            raise SendError(
                "no Teams conversation yet: the person must install the app "
                "(or the admin pre-install it) before the bot can write"
            )
        reference = ConversationReference().deserialize(stored)
        sent: list[tuple[str, str]] = []  # (conversation, activity id)
        failures: list[BaseException] = []

        async def callback(turn_context: TurnContext) -> None:
            # Caught here, not by the adapter's on_turn_error (which would swallow it and try
            # to send an apology into the same failing conversation).
            try:
                response = await turn_context.send_activity(activity_from(message, link=link))
                conversation = turn_context.activity.conversation.id
                sent.append((conversation, response.id if response else ""))
            except Exception as exc:
                failures.append(exc)

        async def deliver() -> None:
            failures.clear()
            await self.tenant_pacer.wait_turn(reference.conversation.tenant_id or "")
            if is_team_scope(reference):
                try:
                    await self._open_personal_chat(reference, user_id, callback)
                except ClientRequestError:
                    # Opening the chat failed (its own send happens inside and is caught
                    # by `callback`): nothing reached the person, and Teams hands back the
                    # same chat when asked again.
                    raise _Transient("opening the 1:1 chat failed") from None
            else:
                await self._wait_conversation_turn(reference.conversation.id)
                await self.adapter.continue_conversation(reference, callback, self.app_id)
            if failures:
                raise failures[0]

        for attempt in range(retries + 1):
            try:
                await self._call(deliver(), user_id, anonymous=anonymous)
                break
            except _Transient as exc:
                if attempt == retries:  # later, not never: the outbox tries this one again
                    raise SendError(f"Teams: {exc}", retry_in=RETRY_LATER) from None
                await self.sleep(BACKOFF * 2**attempt * random.uniform(0.5, 1.5))
        conversation, activity_id = sent[0] if sent else (reference.conversation.id, "")
        return MessageRef(platform=self.platform, channel=conversation, id=activity_id)

    async def _wait_conversation_turn(self, conversation_id: str) -> None:
        """Keep under the conversation's limits (the tenant's is waited for first) instead
        of meeting 429s."""
        for pacer in self.conversation_pacers:
            await pacer.wait_turn(conversation_id)

    async def _open_personal_chat(
        self, team_ref: ConversationReference, user_id: str, send: Turn
    ) -> None:
        """The person has the app only through a team: open the 1:1 chat (Teams hands back
        the same one if it exists), keep its reference for next time, then send in it."""
        tenant = team_ref.conversation.tenant_id
        parameters = ConversationParameters(
            is_group=False,
            bot=team_ref.bot,
            members=[ChannelAccount(id=team_ref.user.id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )

        async def opened(turn_context: TurnContext) -> None:
            personal = TurnContext.get_conversation_reference(turn_context.activity)
            personal.user, personal.bot = team_ref.user, team_ref.bot
            personal.conversation.conversation_type = "personal"
            try:
                await save_reference(
                    self.db, platform=self.platform, user_id=user_id, reference=personal.serialize()
                )
            except Exception as exc:  # the send can still go; the next one reopens the chat
                log.warning("could not store the new 1:1 chat: %s", type(exc).__name__)
            await self._wait_conversation_turn(personal.conversation.id)
            await send(turn_context)

        await self.adapter.create_conversation(
            self.app_id,
            opened,
            parameters,
            channel_id=team_ref.channel_id or "msteams",
            service_url=team_ref.service_url,
        )

    async def update(self, *, ref: MessageRef, message: Message) -> None:
        raise SendError("Teams cards are updated inside the turn that submitted them")

    async def _call(  # type: ignore[no-untyped-def]
        self, work, user_id: str, *, anonymous: bool = False
    ) -> None:
        """403 (blocked or uninstalled) marks the person unreachable, except for a conversation
        message (`anonymous`: a generic refusal, nothing marked); 429 carries Retry-After;
        anything that may have reached Teams (a read timeout, a connection lost after the
        request went out) is an unknown outcome, never resent; a failure to connect sent
        nothing and is tried again, here (the connector clients retry nothing themselves,
        adapters/teams/clients.py)."""
        try:
            await work
        except (ErrorResponseException, HttpOperationError) as exc:
            status = getattr(exc.response, "status_code", 0) or 0
            if status == 403 and anonymous:
                raise SendError(NOT_DELIVERED) from None
            if status == 403:
                await mark_unreachable(self.db, platform=self.platform, user_id=user_id)
                raise SendError("Teams refused: the bot was blocked or removed") from None
            if status in TRANSIENT:
                raise _Transient(f"answered {status}") from None
            if status == 429:
                retry = float(exc.response.headers.get("Retry-After", 30))
                raise SendError("Teams rate limit", retry_after=retry) from None
            raise SendError(f"Teams refused with {status}") from None
        except ClientRequestError as exc:
            if never_left(exc.inner_exception):
                raise _Transient(f"unreachable ({type(exc.inner_exception).__name__})") from None
            # A read timeout, a connection dropped after the body went out, a body read
            # that failed: Teams may have the message.
            raise OutcomeUnknown("no complete answer from Teams") from None
        except ClientConnectorError as exc:
            raise _Transient(f"unreachable ({type(exc).__name__})") from None


def chat_link(email: str) -> str:
    """Teams' deep link that opens a 1:1 chat with the person (their e-mail or UPN)."""
    return "https://teams.microsoft.com/l/chat/0/0?" + urlencode({"users": email})


def never_left(error: BaseException | None) -> bool:
    """Only a failure to connect proves nothing was sent (urllib3 wraps it:
    ConnectionError -> MaxRetryError -> NewConnectionError / NameResolutionError)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, ConnectTimeout | NewConnectionError | NameResolutionError):
            return True
        reason = getattr(error, "reason", None)
        nested = error.args[0] if error.args and isinstance(error.args[0], BaseException) else None
        error = reason if isinstance(reason, BaseException) else nested or error.__cause__
    return False
