"""A short reply: a confirmation, a refusal or an error that says what to do next."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Action, Message, MessageKind, Section


@dataclass(frozen=True)
class NoticeData:
    title: str
    text: str
    actions: tuple[Action, ...] = ()
    kind: MessageKind = MessageKind.NOTICE


def render(data: NoticeData) -> Message:
    return Message(
        kind=data.kind,
        title=data.title,
        fallback_text=f"{data.title}: {data.text}",
        sections=(Section(text=data.text),),
        actions=data.actions,
    )


EXAMPLE = NoticeData(
    title="That pulse has closed",
    text="Your answer was not recorded. The next pulse arrives Tuesday.",
)
