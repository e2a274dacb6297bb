"""The console's chat port: a collecting channel that keeps every message per person.

It doubles as the test fake of a chat platform (as Rasa's CollectingOutputChannel does):
nothing about it is mocked; it is a real, if simple, platform.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from adapters.console import PLATFORM
from bot.messages import Message
from bot.ports import MessageRef, Recipient


@dataclass
class Delivered:
    ref: MessageRef
    message: Message


class ConsolePort:
    platform = PLATFORM

    def __init__(self, *, echo: bool = False) -> None:
        self.inbox: dict[str, list[Delivered]] = defaultdict(list)
        self._ids = itertools.count(1)
        self.echo = echo

    def can_reach(self, recipient: Recipient) -> bool:
        return True

    def rate_scope(self, recipient: Recipient) -> str:
        return ""

    async def send(self, *, recipient: Recipient, message: Message) -> MessageRef:
        ref = MessageRef(platform=self.platform, channel=recipient.email, id=str(next(self._ids)))
        self.inbox[recipient.email].append(Delivered(ref, message))
        if self.echo:
            from adapters.console.render import render_text

            print(f"\n--- to {recipient.name} <{recipient.email}> ---\n{render_text(message)}")
        return ref

    async def introduce(
        self, *, recipients: tuple[Recipient, Recipient], message: Message
    ) -> MessageRef:
        """Each of the two gets the introduction in their own inbox (no group chats here)."""
        refs = [await self.send(recipient=r, message=message) for r in recipients]
        return refs[0]

    async def update(self, *, ref: MessageRef, message: Message) -> None:
        for item in self.inbox[ref.channel]:
            if item.ref == ref:
                item.message = message
                return
        raise KeyError(f"no console message {ref.id} for {ref.channel}")

    def latest(self, email: str, kind: str | None = None) -> Delivered | None:
        items = [d for d in self.inbox.get(email, []) if kind is None or d.message.kind == kind]
        return items[-1] if items else None
