"""The weekly pulse (and its nudge): every question as an input, one submit."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, _, format_week
from bot.messages import (
    Action,
    ActionId,
    Choice,
    Input,
    InputKind,
    Message,
    MessageKind,
    Section,
    Style,
)
from bot.pulse.surveys import COMMENT_MAX, NO_TEAM, Question, QuestionKind, round_questions

ANONYMITY_NOTE = N_(
    "Anonymous: answers are stored under a pseudonym and only shown as group figures "
    "(5+ people); comments only in groups of 10+."
)


@dataclass(frozen=True)
class PulseData:
    round_id: int
    week: str
    questions: tuple[Question, ...]
    other_departments: tuple[tuple[int, str], ...]
    closes: str  # in the person's own time, e.g. "Fri 27 Nov, 10:00"
    reminder: bool = False


def _input(q: Question, teams: tuple[tuple[int, str], ...]) -> Input:
    if q.kind == QuestionKind.SCALE:
        return Input(
            key=q.key,
            label=q.shown_text(),
            kind=InputKind.SCALE,
            optional=q.optional,
            choices=tuple(Choice(str(v), str(v)) for v in range(q.low, q.high + 1)),
            hint=_("{low} = {low_label}, {high} = {high_label}").format(
                low=q.low, low_label=_(q.low_label), high=q.high, high_label=_(q.high_label)
            ),
        )
    team_choices = tuple(Choice(str(d), name) for d, name in teams)
    if q.kind == QuestionKind.TEAMS:
        return Input(
            key=q.key,
            label=q.shown_text(),
            kind=InputKind.MULTI,
            optional=True,
            choices=team_choices,
            hint=_("Pick all that apply, or none."),
        )
    if q.kind == QuestionKind.TEAM:
        return Input(
            key=q.key,
            label=q.shown_text(),
            kind=InputKind.SINGLE,
            optional=True,
            choices=(Choice(NO_TEAM, _("No, nobody blocked me")), *team_choices),
        )
    return Input(
        key=q.key, label=q.shown_text(), kind=InputKind.TEXT, optional=True, max_length=COMMENT_MAX
    )


def render(data: PulseData) -> Message:
    title = _("Reminder: your weekly pulse") if data.reminder else _("Your weekly pulse")
    intro = _(
        "A minute of your time helps us find where teams work well together and where "
        "they get stuck. Open until {closes} your time."
    ).format(closes=data.closes)
    lines = [_("{title} ({week}). {intro}").format(
        title=title, week=format_week(data.week), intro=intro
    )]
    lines += [f"- {q.shown_text()}" for q in data.questions]
    lines.append(_("Answer with /pulse, or with the form in this message."))
    return Message(
        kind=MessageKind.PULSE,
        title=title,
        fallback_text="\n".join(lines),
        sections=(Section(text=intro),),
        inputs=tuple(_input(q, data.other_departments) for q in data.questions),
        submit=Action(
            id=ActionId.CHECKIN,
            label=_("Send my check-in"),
            value=str(data.round_id),
            style=Style.PRIMARY,
        ),
        context=_(ANONYMITY_NOTE),
    )


EXAMPLE = PulseData(
    round_id=42,
    week="2026-W48",
    questions=tuple(
        Question.from_dict(q) for q in round_questions(round_number=3, per_round=2, custom=[])
    ),
    other_departments=((2, "Engineering"), (3, "Marketing"), (4, "Sales"), (5, "Support")),
    closes="Fri 27 Nov, 10:00",
)
