"""Carrying out the core's effects, one way for every platform.

The core answers an event with effects (`Reply`, `Replace`, `Notify`: bot/chat/events.py).
What each means on a platform differs (Slack answers through `response_url`, Teams in the
turn, the console in its inbox), what is done with a list of them does not: each in order,
one failing never stops the others, and the failure is logged without its message. Each
adapter writes an `EffectTarget` with its three verbs and hands it to `carry_out`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from bot.chat.events import Effect, Notify, Replace, Reply
from bot.messages import Message

log = logging.getLogger("crosspulse.effects")


class EffectTarget(ABC):
    """Where the effects of one event land. `failures`: the exceptions a platform call may
    raise that must not stop the remaining effects (anything else is a bug and propagates)."""

    platform: str = ""
    failures: tuple[type[Exception], ...] = ()

    @abstractmethod
    async def reply(self, message: Message, *, ephemeral: bool) -> None:
        """Answer the actor where they spoke."""

    @abstractmethod
    async def replace(self, message: Message) -> None:
        """Update the message the actor acted on (or answer anew where none can be)."""

    @abstractmethod
    async def notify(self, person_id: int, message: Message) -> None:
        """Message someone else (a thank-you reaches its receiver)."""

    async def finish(self) -> None:  # noqa: B027  (optional: most platforms have nothing to add)
        """After the last effect (e.g. one summary line in a shared channel)."""

    def describe(self, exc: Exception) -> str:
        """What to log of a failed call: never a token or a message's text."""
        return type(exc).__name__


async def carry_out(effects: list[Effect], target: EffectTarget) -> None:
    for effect in effects:
        try:
            if isinstance(effect, Notify):
                await target.notify(effect.person_id, effect.message)
            elif isinstance(effect, Replace):
                await target.replace(effect.message)
            elif isinstance(effect, Reply):
                await target.reply(effect.message, ephemeral=effect.ephemeral)
        except target.failures as exc:
            log.warning(
                "%s effect %s failed: %s",
                target.platform,
                type(effect).__name__,
                target.describe(exc),
            )
    await target.finish()
