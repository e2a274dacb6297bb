"""A listening tour's intake (and its reminder): open questions answered in the chat."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import _
from bot.listening.tours import ANSWER_MAX
from bot.messages import Action, ActionId, Input, InputKind, Message, MessageKind, Section, Style


@dataclass(frozen=True)
class TourData:
    tour_id: int
    questions: tuple[tuple[str, str], ...]  # (key, text)
    closes: str  # in the person's own time
    threshold: int
    reminder: bool = False


def render(data: TourData) -> Message:
    title = _("Reminder: a leader is listening") if data.reminder else _("A leader is listening")
    intro = _(
        "A leader wants to learn how your team works and how teams work together. A few "
        "open questions, once; answer any you like. Open until {closes} your time."
    ).format(closes=data.closes)
    note = _(
        "Anonymous: answers are stored without your name, cleaned of names and e-mails, and "
        "only summarised as themes raised by several people (departments of {k}+ answerers); "
        "no answer is ever shown as written."
    ).format(k=data.threshold)
    lines = [title, intro, *(f"- {text}" for _key, text in data.questions), note]
    return Message(
        kind=MessageKind.TOUR,
        title=title,
        fallback_text="\n".join(lines),
        sections=(Section(text=intro),),
        inputs=tuple(
            Input(key=key, label=text, kind=InputKind.TEXT, optional=True, max_length=ANSWER_MAX)
            for key, text in data.questions
        ),
        submit=Action(
            id=ActionId.TOUR_ANSWER,
            label=_("Send my answers"),
            value=str(data.tour_id),
            style=Style.PRIMARY,
        ),
        context=note,
    )


EXAMPLE = TourData(
    tour_id=7,
    questions=(
        ("measured", "What is your team measured on?"),
        ("depends", "Which teams do you depend on most, and for what?"),
        ("customers", "Who are your team's customers, inside or outside the company?"),
        ("easier", "What one thing would make working with another team easier?"),
    ),
    closes="Fri 18 Dec, 12:00",
    threshold=10,
)
