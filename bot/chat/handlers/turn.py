"""What every handler gets: the person found for the event, their session, the secret that
seals answers and the clock; and the short notice most handlers answer with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.events import Effect, Reply
from bot.chat.templates import notice as notice_template
from bot.messages import Action
from bot.people.org import AccountColumn
from bot.ports import Clock
from bot.store.models import Person


@dataclass(frozen=True)
class Turn:
    """One event being handled, on behalf of a person Crosspulse knows."""

    session: AsyncSession
    person: Person
    secret: bytes
    clock: Clock
    account_columns: tuple[AccountColumn, ...] = ()  # the org CSV's platform id columns

    def now(self) -> datetime:
        return self.clock.now()


def notice(title: str, text: str, *actions: Action) -> list[Effect]:
    """A short reply to the actor: what happened and what to do next."""
    return [
        Reply(
            notice_template.render(
                notice_template.NoticeData(title=title, text=text, actions=actions)
            )
        )
    ]


def button_id(value: str) -> int:
    """A row id from a button's value; anything else (digits of other scripts, a 5,000-digit
    number) is an id that exists nowhere (0)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0
