"""The first message anyone gets: what is asked, when, and who can see what."""

from __future__ import annotations

from bot.messages import Action, ActionId, Message, MessageKind, Section, Style

TEXT = (
    "Once a week, on your own morning, I'll ask a one-minute pulse: how energised you feel, "
    "which other teams you worked with, how smooth that was and whether anyone blocked you. "
    "Your answers are anonymous: leaders only ever see group figures (5 people or more; "
    "comments 10 or more), never what one person said. `/pulse help` lists what you can do, "
    "including opting out or erasing your data."
)


def render(_: None = None) -> Message:
    return Message(
        kind=MessageKind.WELCOME,
        title="Welcome to Crosspulse",
        fallback_text=f"Welcome to Crosspulse. {TEXT}",
        sections=(Section(text=TEXT),),
        actions=(Action(id=ActionId.STATUS, label="My status", style=Style.PRIMARY),),
    )


EXAMPLE = None
