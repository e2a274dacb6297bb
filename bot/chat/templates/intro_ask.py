"""A week after an introduction: "Did you meet?" with three buttons. The answer is seen by
executives only as counts across introductions."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, _
from bot.messages import Action, ActionId, Message, MessageKind, Section, Style

CHOICES = (
    ("yes", N_("Yes, we met"), Style.PRIMARY),
    ("not_yet", N_("Not yet"), Style.DEFAULT),
    ("no", N_("No"), Style.DEFAULT),
)


@dataclass(frozen=True)
class IntroAskData:
    introduction_id: int
    other: str
    other_team: str


def render(data: IntroAskData) -> Message:
    title = _("Did you meet?")
    text = _("A week ago I introduced you to {other} ({team}). Did you meet?").format(
        other=data.other, team=data.other_team
    )
    return Message(
        kind=MessageKind.INTRO_ASK,
        title=title,
        fallback_text=f"{title}\n{text}",
        sections=(Section(text=text),),
        actions=tuple(
            Action(
                id=ActionId.INTRO_MET,
                label=_(label),
                value=f"{data.introduction_id}:{answer}",
                style=style,
            )
            for answer, label, style in CHOICES
        ),
        context=_("Leaders see only how many introductions led to a meeting, never who said what."),
    )


EXAMPLE = IntroAskData(introduction_id=7, other="Eli Engineer", other_team="Engineering")
