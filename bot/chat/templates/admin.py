"""The admin card: the survey's settings as a form (the same keys and checks as
`crosspulse survey set`) and how the last round went. The core describes the form with
the neutral inputs; each platform draws it (a Block Kit form, an Adaptive Card)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, _, format_week
from bot.messages import (
    Action,
    ActionId,
    Choice,
    Fact,
    Input,
    InputKind,
    Message,
    MessageKind,
    Section,
    Style,
)
from bot.pulse.delivery_status import RoundStatus
from bot.pulse.settings import KEYS, WEEKDAYS

DAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
MULTI_KEYS = frozenset({"audience", "executives", "questions_remove"})  # lists of values
# Custom questions are edited with these instead of one `questions` text: the current ones
# to remove, and one to add (key and text); together they make `survey set questions=...`.
QUESTION_KEYS = ("questions_remove", "question_key", "question_text")
_CHOICES: dict[str, tuple[Choice, ...]] = {
    "cadence": tuple(Choice(c, c) for c in ("weekly", "biweekly", "monthly")),
    "weekday": tuple(Choice(w, d) for w, d in zip(WEEKDAYS, DAYS, strict=True)),
    "digest_weekday": tuple(Choice(w, d) for w, d in zip(WEEKDAYS, DAYS, strict=True)),
    "window_days": tuple(Choice(str(n), str(n)) for n in range(1, 7)),
    "max_nudges": tuple(Choice(str(n), str(n)) for n in range(3)),
    "extra_items": tuple(Choice(str(n), str(n)) for n in range(4)),
}
_TRANSLATED_CHOICES = frozenset({"weekday", "digest_weekday"})
_LABELS = {
    "cadence": N_("Cadence"),
    "weekday": N_("Pulse day"),
    "time": N_("Pulse time (HH:MM, each person's local time)"),
    "window_days": N_("Days a pulse stays open"),
    "nudge_after_hours": N_("Hours before the first reminder (4-96)"),
    "max_nudges": N_("Reminders per pulse"),
    "audience": N_("Audience (departments; none picked: everyone)"),
    "executives": N_("Executives (they get the digest)"),
    "k_scores": N_("Smallest group a score is shown for (3-50)"),
    "k_comments": N_("Smallest group comments are shown for (at least the above)"),
    "retention_weeks": N_("Weeks answers are kept (4-520)"),
    "extra_items": N_("Question-bank items added each round"),
    "questions": N_("Custom questions (key:text;key:text, or none)"),
    "digest_weekday": N_("Digest day"),
    "digest_time": N_("Digest time (HH:MM, each executive's local time)"),
    "directory_sync_hours": N_("Hours between chat directory syncs (0: off)"),
    "locale": N_("Default language"),
}
_SHORT = {
    "time": 5,
    "digest_time": 5,
    "nudge_after_hours": 3,
    "k_scores": 3,
    "k_comments": 3,
    "directory_sync_hours": 3,
    "locale": 5,  # a text field, not seven buttons: a chat message has no room for them
}


@dataclass(frozen=True)
class AdminData:
    settings: dict[str, str]  # as `survey show` gives them
    departments: tuple[Choice, ...]  # value: "d:<id>"
    audience: tuple[str, ...]  # picked department values
    people: tuple[Choice, ...]  # value: e-mail; empty: too many to list, a text field
    executives: tuple[str, ...]  # their e-mails
    status: RoundStatus
    next_pulse: str
    next_digest: str
    note: str | None = None  # e.g. "Saved: time, k_scores"
    questions: tuple[Choice, ...] = ()  # the custom questions; value: their key


def _input(data: AdminData, key: str) -> Input:
    label = _(_LABELS[key])
    if key == "audience":
        return Input(key, label, InputKind.MULTI, data.departments, True, initial=data.audience)
    if key == "executives" and data.people:
        return Input(key, label, InputKind.MULTI, data.people, True, initial=data.executives)
    if key == "executives":
        hint = _("comma-separated e-mails")
        return Input(
            key,
            f"{label}: {hint}",
            InputKind.TEXT,
            optional=True,
            max_length=3000,
            initial=", ".join(data.executives),
            multiline=False,
        )
    if key in _CHOICES:
        return Input(key, label, InputKind.SINGLE, _choices(key), initial=data.settings[key])
    questions = key == "questions"
    value = data.settings[key]
    return Input(
        key,
        label,
        InputKind.TEXT,
        optional=questions,
        hint=_(KEYS[key]),
        max_length=_SHORT.get(key, 2000 if questions else 10),
        initial="" if questions and value == "none" else value,
        multiline=questions,
    )


def _choices(key: str) -> tuple[Choice, ...]:
    if key in _TRANSLATED_CHOICES:
        return tuple(Choice(c.value, _(c.label)) for c in _CHOICES[key])
    return _CHOICES[key]


def _question_inputs(data: AdminData) -> tuple[Input, ...]:
    """Remove any of the custom questions; add one (validated as `survey set questions`)."""
    remove = (
        (
            Input(
                "questions_remove",
                _("Custom questions: tick those to remove"),
                InputKind.MULTI,
                data.questions,
                True,
            ),
        )
        if data.questions
        else ()
    )
    return (
        *remove,
        Input(
            "question_key",
            _("Add a question: its key (letters, digits and _, e.g. focus_time)"),
            InputKind.TEXT,
            optional=True,
            max_length=31,
            multiline=False,
        ),
        Input(
            "question_text",
            _("Add a question: its text (5-200 characters, answered on a 1-5 agree scale)"),
            InputKind.TEXT,
            optional=True,
            max_length=200,
            multiline=False,
        ),
    )


# Settings left out of the card: rendered as a chat message (the form's fallback when no
# modal opens) it is at a platform's size limit for one message; `survey set` changes them.
NOT_IN_CARD = frozenset({"pairings", "pairings_no_repeat"})


def _inputs(data: AdminData) -> tuple[Input, ...]:
    inputs: list[Input] = []
    for key in KEYS:
        if key in NOT_IN_CARD:
            continue
        if key == "questions":
            inputs += _question_inputs(data)
        else:
            inputs.append(_input(data, key))
    return tuple(inputs)


def _status_facts(data: AdminData) -> tuple[Fact, ...]:
    return status_facts(data.status, next_pulse=data.next_pulse, next_digest=data.next_digest)


def status_facts(s: RoundStatus, *, next_pulse: str, next_digest: str) -> tuple[Fact, ...]:
    """The last round's delivery, how many answered (only from the threshold on) and what
    comes next: the admin card's and the admin's home's status block."""
    upcoming = (Fact(_("Next pulse"), next_pulse), Fact(_("Next digest"), next_digest))
    if s.week is None:
        return (Fact(_("Last round"), _("none yet")), *upcoming)
    if s.answered is None:
        answered = _("fewer than {k} so far (shown from {k})").format(k=s.threshold)
    else:
        rate = f"{100 * s.answered / s.enrolled:.0f}%" if s.enrolled else "—"
        answered = _("{rate} ({answered} of {enrolled})").format(
            rate=rate, answered=s.answered, enrolled=s.enrolled
        )
    return (
        Fact(_("Last round"), format_week(s.week)),
        Fact(_("Sent"), str(s.sent)),
        Fact(_("Failed"), str(s.failed)),
        Fact(_("Not confirmed"), str(s.unknown)),
        Fact(_("Waiting"), str(s.waiting)),
        Fact(_("Answered"), answered),
        *upcoming,
    )


def unreachable_text(status: RoundStatus) -> str:
    if not status.unreachable:
        return ""
    lines = [f"• {name}: {reason}" for name, reason in status.unreachable]
    if status.unreachable_more:
        lines.append(_("• and {n} more").format(n=status.unreachable_more))
    return _("Could not be reached:") + "\n" + "\n".join(lines)


def render(data: AdminData) -> Message:
    facts = _status_facts(data)
    unreachable = unreachable_text(data.status)
    sections = [Section(text=data.note)] if data.note else []
    sections += [
        Section(heading=_("Delivery"), text=unreachable, facts=facts),
        Section(
            heading=_("Survey settings"),
            text=_(
                "Change any field, then save. Nothing is applied unless every field is valid."
            ),
        ),
    ]
    fallback = [data.note or "", *(f"{f.label}: {f.value}" for f in facts), unreachable]
    inputs = _inputs(data)
    # Each field as a line, with its current value (the question fields: the questions).
    shown = {**data.settings, "questions_remove": data.settings["questions"]}
    fallback += [f"{i.label}: {shown.get(i.key, '')}".rstrip(": ") for i in inputs]
    return Message(
        kind=MessageKind.ADMIN,
        title=_("Crosspulse admin"),
        fallback_text="\n".join(line for line in fallback if line),
        sections=tuple(sections),
        inputs=inputs,
        submit=Action(ActionId.ADMIN_SAVE, _("Save settings"), style=Style.PRIMARY),
        context=_(
            "To import people, send me the organisation CSV as a file in this chat. "
            "Every change is recorded in the audit log."
        ),
    )


EXAMPLE = AdminData(
    settings={
        "cadence": "weekly",
        "weekday": "tue",
        "time": "10:00",
        "window_days": "3",
        "nudge_after_hours": "24",
        "max_nudges": "1",
        "audience": "all",
        "executives": "ceo@example.com",
        "k_scores": "5",
        "k_comments": "10",
        "retention_weeks": "104",
        "extra_items": "1",
        "questions": "focus_time:I had enough time to focus this week",
        "digest_weekday": "mon",
        "digest_time": "08:00",
        "directory_sync_hours": "24",
        "locale": "en",
    },
    departments=(Choice("d:1", "Engineering"), Choice("d:2", "Sales")),
    audience=(),
    people=(Choice("ceo@example.com", "Cleo E (Board)"), Choice("ada@example.com", "Ada L (Eng)")),
    executives=("ceo@example.com",),
    status=RoundStatus(
        week="2026-W48",
        sent=41,
        failed=2,
        unknown=1,
        waiting=0,
        unreachable=(("Cy C", "not in the workspace"), ("Dee D", "no chat account linked")),
        enrolled=44,
        answered=30,
        threshold=5,
    ),
    next_pulse="Tue 1 Dec, 10:00 (each person's local time)",
    next_digest="Mon 7 Dec, 08:00 (each executive's local time)",
    questions=(Choice("focus_time", "focus_time: I had enough time to focus this week"),),
)
