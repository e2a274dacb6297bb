"""What a person types in the console, as the core's neutral events: commands as typed, a
form's answers read from numbered choices. The console knows people by their e-mail."""

from __future__ import annotations

from adapters.console import PLATFORM
from bot.chat.events import ActionEvent, Actor, CommandEvent
from bot.messages import InputKind
from bot.ports import MessageRef
from bot.pulse.surveys import Answers


def command_event(email: str, text: str) -> CommandEvent:
    return CommandEvent(Actor(PLATFORM, email, email=email), text)


def action_event(
    email: str,
    *,
    action: str,
    value: str = "",
    answers: Answers | None = None,
    ref: MessageRef | None = None,
) -> ActionEvent:
    return ActionEvent(Actor(PLATFORM, email, email=email), action, value, answers or {}, ref)


def parse_answer(item, raw: str) -> str | list[str] | None:  # type: ignore[no-untyped-def]
    """A typed answer for one input; None when it cannot be read (ask again)."""
    raw = raw.strip()
    if not raw:
        return ""
    if item.kind in (InputKind.SINGLE, InputKind.MULTI):
        picks = [p.strip() for p in raw.split(",") if p.strip()]
        if not all(p.isdigit() and 1 <= int(p) <= len(item.choices) for p in picks):
            return None
        values = [item.choices[int(p) - 1].value for p in picks]
        return values if item.kind == InputKind.MULTI else (values[0] if len(values) == 1 else None)
    return raw
