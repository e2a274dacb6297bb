"""Replaces the pulse once answered; it never echoes the answers back."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Message, MessageKind, Section


@dataclass(frozen=True)
class ConfirmationData:
    week: str
    streak: int


def render(data: ConfirmationData) -> Message:
    streak = f"That is {data.streak} pulses in a row." if data.streak > 1 else ""
    text = f"Your check-in for {data.week} is in. Thank you! {streak}".strip()
    return Message(
        kind=MessageKind.CONFIRMATION,
        title="Check-in received",
        fallback_text=text,
        sections=(Section(text=text),),
        context="Your answers are anonymous and only count in group figures.",
    )


EXAMPLE = ConfirmationData(week="2026-W48", streak=4)
