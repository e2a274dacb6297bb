"""A cross-team thank-you, delivered to the person thanked."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import _
from bot.messages import Message, MessageKind, Section


@dataclass(frozen=True)
class KudosData:
    sender: str
    sender_department: str
    text: str


def render(data: KudosData) -> Message:
    line = _("{sender} ({department}) says thank you: “{text}”").format(
        sender=data.sender, department=data.sender_department, text=data.text
    )
    return Message(
        kind=MessageKind.KUDOS,
        title=_("You got a thank-you"),
        fallback_text=line,
        sections=(Section(text=line),),
    )


EXAMPLE = KudosData(
    sender="Ada Lovelace",
    sender_department="Engineering",
    text="for unblocking the release on Friday",
)
