"""The ports the outside implements: chat platforms and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.messages import Message


@dataclass(frozen=True)
class Identity:
    """A person's account on one platform; `workspace` is "" when unknown or when the
    platform has none (which installation's token reaches them, where it has)."""

    platform: str
    external_id: str
    workspace: str = ""


@dataclass(frozen=True)
class Recipient:
    """Who to reach, with every platform account we know for them; each port reads its own
    platform's entry (`on`), so a new platform needs no field here."""

    person_id: int
    email: str
    name: str
    identities: tuple[Identity, ...] = ()

    def on(self, platform: str) -> Identity | None:
        """The person's account on `platform`: one in a known workspace before one in an
        unknown workspace, then the latest linked (identities come oldest first)."""
        found = [i for i in self.identities if i.platform == platform]
        return max(reversed(found), key=lambda i: bool(i.workspace), default=None)


@dataclass(frozen=True)
class MessageRef:
    """Where a sent message lives, so it can be updated (channel + ts, conversation + id)."""

    platform: str
    channel: str
    id: str
    workspace: str | None = None  # the platform's workspace whose credentials can update it


NOT_DELIVERED = "not delivered"  # the only refusal an anonymous conversation's row records


class SendError(Exception):
    """The platform refused the message; nothing was delivered.

    `retry_after` (seconds) is set when the platform asked us to slow down (everything
    sent through the same rate scope waits). `retry_in` (seconds): this message alone may be
    tried again that much later (a transient failure; it counts as an attempt, up to the
    outbox's limit).
    """

    def __init__(
        self, reason: str, *, retry_after: float | None = None, retry_in: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.retry_in = retry_in


class OutcomeUnknown(Exception):
    """The request may have been delivered (timeout after sending); never resend blindly."""


class ChatPort(Protocol):
    platform: str

    def can_reach(self, recipient: Recipient) -> bool: ...

    def rate_scope(self, recipient: Recipient) -> str:
        """What the platform's rate limits count against for this recipient (a workspace;
        "" when the whole platform is one scope)."""
        ...

    async def send(self, *, recipient: Recipient, message: Message) -> MessageRef: ...

    async def update(self, *, ref: MessageRef, message: Message) -> None: ...

    async def introduce(
        self, *, recipients: tuple[Recipient, Recipient], message: Message
    ) -> MessageRef:
        """Introduce two people with one message: where the platform lets a bot open a
        conversation with both, there; else each gets it 1:1 with a way to open a chat with
        the other. Raises like `send` when nothing reached either; a failure after the first
        reached someone is logged, not raised (never sent twice)."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock the caller moves: `tick --at`, the demo and the tests use it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at
