"""The form an executive starts a listening tour with (`/pulse listen`): the departments to
ask, the last day, and the questions, prefilled with the defaults and editable."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import _
from bot.listening.tours import QUESTION_MAX
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

DEPARTMENTS, UNTIL = "departments", "until"
QUESTION_FIELDS = tuple(f"question_{n}" for n in range(1, 6))  # four defaults and one more
MULTI_KEYS = frozenset({DEPARTMENTS})


@dataclass(frozen=True)
class ListenFormData:
    departments: tuple[str, ...]
    until: str  # the default last day, YYYY-MM-DD
    questions: tuple[str, ...]  # the defaults
    threshold: int  # the comment threshold the summary is shown under


def render(data: ListenFormData) -> Message:
    title = _("Start a listening tour")
    intro = _(
        "Ask the departments you pick a few open questions, once, in their chat. Answers are "
        "anonymous and only summarised: themes per department of {k}+ people who answered, "
        "a map of who depends on whom, and who each team serves."
    ).format(k=data.threshold)
    sections = [Section(text=intro)]
    inputs = [
        Input(
            key=DEPARTMENTS,
            label=_("Departments to ask"),
            kind=InputKind.MULTI,
            choices=tuple(Choice(d, d) for d in data.departments),
        ),
        Input(
            key=UNTIL,
            label=_("Last day to answer (YYYY-MM-DD)"),
            kind=InputKind.TEXT,
            initial=data.until,
            multiline=False,
            max_length=10,
        ),
    ]
    for number, key in enumerate(QUESTION_FIELDS):
        initial = data.questions[number] if number < len(data.questions) else None
        inputs.append(
            Input(
                key=key,
                label=_("Question {n}").format(n=number + 1),
                kind=InputKind.TEXT,
                optional=True,
                initial=initial,
                multiline=False,
                max_length=QUESTION_MAX,
                hint=None if initial else _("Optional: leave empty to ask only the ones above."),
            )
        )
    lines = [title, intro, *(f"- {item.label}" for item in inputs)]
    return Message(
        kind=MessageKind.LISTEN_FORM,
        title=title,
        fallback_text="\n".join(lines),
        sections=tuple(sections),
        inputs=tuple(inputs),
        submit=Action(id=ActionId.LISTEN_START, label=_("Start the tour"), style=Style.PRIMARY),
    )


EXAMPLE = ListenFormData(
    departments=("Engineering", "Marketing", "Sales", "Support"),
    until="2026-12-18",
    questions=(
        "What is your team measured on?",
        "Which teams do you depend on most, and for what?",
        "Who are your team's customers, inside or outside the company?",
        "What one thing would make working with another team easier?",
    ),
    threshold=10,
)
