"""After a check-in that named other teams: how smooth was working with each?"""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.templates.pulse import _input
from bot.i18n import _
from bot.messages import Action, ActionId, Message, MessageKind, Section, Style
from bot.pulse.surveys import MAX_SMOOTHNESS_TEAMS, smoothness_question


@dataclass(frozen=True)
class FollowupData:
    round_id: int
    teams: tuple[tuple[int, str], ...]


def render(data: FollowupData) -> Message:
    teams = data.teams[:MAX_SMOOTHNESS_TEAMS]
    questions = [smoothness_question(d, name) for d, name in teams]
    text = _("Thanks! One last thing: how smooth was working with these teams this week?")
    return Message(
        kind=MessageKind.FOLLOWUP,
        title=_("How smooth was it?"),
        fallback_text=text + "\n" + "\n".join(f"- {q.shown_text()}" for q in questions),
        sections=(Section(text=text),),
        inputs=tuple(_input(q, ()) for q in questions),
        submit=Action(
            id=ActionId.SMOOTHNESS, label=_("Send"), value=str(data.round_id), style=Style.PRIMARY
        ),
    )


EXAMPLE = FollowupData(round_id=42, teams=((2, "Engineering"), (3, "Marketing")))
