"""Replaces the pulse once answered; it never echoes the answers back."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import _, format_week, ngettext
from bot.messages import Message, MessageKind, Section


@dataclass(frozen=True)
class ConfirmationData:
    week: str
    streak: int


def render(data: ConfirmationData) -> Message:
    streak = (
        ngettext(
            "That is {n} pulse in a row.", "That is {n} pulses in a row.", data.streak
        ).format(n=data.streak)
        if data.streak > 1
        else ""
    )
    text = _("Your check-in for {week} is in. Thank you! {streak}").format(
        week=format_week(data.week), streak=streak
    ).strip()
    return Message(
        kind=MessageKind.CONFIRMATION,
        title=_("Check-in received"),
        fallback_text=text,
        sections=(Section(text=text),),
        context=_("Your answers are anonymous and only count in group figures."),
    )


EXAMPLE = ConfirmationData(week="2026-W48", streak=4)
