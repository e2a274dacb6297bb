"""Neutral inbound events and outbound effects: what adapters translate to and from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.messages import Message
from bot.ports import MessageRef
from bot.pulse.surveys import Answers


@dataclass(frozen=True)
class Actor:
    """Who acts: a platform and that platform's id for them; `workspace` when the platform
    has workspaces and said which (None: any), `email` when it gave one (the fallback)."""

    platform: str
    user_id: str
    email: str | None = None
    workspace: str | None = None
    locale: str | None = None  # what the platform says the person reads (e.g. de-DE)
    # Asks the platform for `locale` when it did not send one (a network call): used only
    # when nothing Crosspulse holds says which language the person reads.
    ask_locale: Callable[[], Awaitable[str | None]] | None = field(
        default=None, compare=False, repr=False
    )


@dataclass(frozen=True)
class CommandEvent:
    actor: Actor
    text: str


@dataclass(frozen=True)
class ActionEvent:
    """A button or a submitted form; `ref` is the message it came from, when known."""

    actor: Actor
    action: str
    value: str = ""
    answers: Answers = field(default_factory=dict)
    ref: MessageRef | None = None


@dataclass(frozen=True)
class FileEvent:
    """A file sent to the bot (an organisation CSV), already downloaded by the adapter."""

    actor: Actor
    name: str
    content: bytes = field(repr=False)


Event = CommandEvent | ActionEvent | FileEvent


@dataclass(frozen=True)
class Reply:
    """Answer the actor where they spoke; ephemeral where the platform can."""

    message: Message
    ephemeral: bool = True


@dataclass(frozen=True)
class Replace:
    """Replace the message the action came from (a pulse becomes its confirmation)."""

    message: Message


@dataclass(frozen=True)
class Notify:
    """Send a message to someone else (a thank-you)."""

    person_id: int
    message: Message


Effect = Reply | Replace | Notify
