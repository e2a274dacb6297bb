"""The first message anyone gets: what is asked, when, and who can see what."""

from __future__ import annotations

from bot.i18n import N_, _
from bot.messages import Action, ActionId, Message, MessageKind, Section, Style

TEXT = N_(
    "Once a week, on your own morning, I'll ask a one-minute pulse: how energised you feel, "
    "which other teams you worked with, how smooth that was and whether anyone blocked you. "
    "Your answers are anonymous: leaders only ever see group figures (5 people or more; "
    "comments 10 or more), never what one person said. `/pulse help` lists what you can do, "
    "including opting out or erasing your data."
)


def render(_data: None = None) -> Message:
    return Message(
        kind=MessageKind.WELCOME,
        title=_("Welcome to Crosspulse"),
        fallback_text=_("Welcome to Crosspulse. {text}").format(text=_(TEXT)),
        sections=(Section(text=_(TEXT)),),
        actions=(Action(id=ActionId.STATUS, label=_("My status"), style=Style.PRIMARY),),
    )


EXAMPLE = None
