"""A cross-team thank-you, delivered to the person thanked."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Message, MessageKind, Section


@dataclass(frozen=True)
class KudosData:
    sender: str
    sender_department: str
    text: str


def render(data: KudosData) -> Message:
    line = f"{data.sender} ({data.sender_department}) says thank you: “{data.text}”"
    return Message(
        kind=MessageKind.KUDOS,
        title="You got a thank-you",
        fallback_text=line,
        sections=(Section(text=line),),
    )


EXAMPLE = KudosData(
    sender="Ada Lovelace",
    sender_department="Engineering",
    text="for unblocking the release on Friday",
)
