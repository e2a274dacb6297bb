"""The admin card: the survey's settings as a form (the same keys and checks as
`crosspulse survey set`) and how the last round went. The core describes the form with
the neutral inputs; each platform draws it (a Block Kit form, an Adaptive Card)."""

from __future__ import annotations

from dataclasses import dataclass

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

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MULTI_KEYS = frozenset({"audience", "executives"})  # submitted as lists of values
_CHOICES: dict[str, tuple[Choice, ...]] = {
    "cadence": tuple(Choice(c, c) for c in ("weekly", "biweekly", "monthly")),
    "weekday": tuple(Choice(w, d) for w, d in zip(WEEKDAYS, DAYS, strict=True)),
    "digest_weekday": tuple(Choice(w, d) for w, d in zip(WEEKDAYS, DAYS, strict=True)),
    "window_days": tuple(Choice(str(n), str(n)) for n in range(1, 7)),
    "max_nudges": tuple(Choice(str(n), str(n)) for n in range(3)),
    "extra_items": tuple(Choice(str(n), str(n)) for n in range(4)),
}
_LABELS = {
    "cadence": "Cadence",
    "weekday": "Pulse day",
    "time": "Pulse time (HH:MM, each person's local time)",
    "window_days": "Days a pulse stays open",
    "nudge_after_hours": "Hours before the first reminder (4-96)",
    "max_nudges": "Reminders per pulse",
    "audience": "Audience (departments; none picked: everyone)",
    "executives": "Executives (they get the digest)",
    "k_scores": "Smallest group a score is shown for (3-50)",
    "k_comments": "Smallest group comments are shown for (at least the above)",
    "retention_weeks": "Weeks answers are kept (4-520)",
    "extra_items": "Question-bank items added each round",
    "questions": "Custom questions (key:text;key:text, or none)",
    "digest_weekday": "Digest day",
    "digest_time": "Digest time (HH:MM, each executive's local time)",
}
_SHORT = {"time": 5, "digest_time": 5, "nudge_after_hours": 3, "k_scores": 3, "k_comments": 3}


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


def _input(data: AdminData, key: str) -> Input:
    label = _LABELS[key]
    if key == "audience":
        return Input(key, label, InputKind.MULTI, data.departments, True, initial=data.audience)
    if key == "executives" and data.people:
        return Input(key, label, InputKind.MULTI, data.people, True, initial=data.executives)
    if key == "executives":
        hint = "comma-separated e-mails"
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
        return Input(key, label, InputKind.SINGLE, _CHOICES[key], initial=data.settings[key])
    questions = key == "questions"
    value = data.settings[key]
    return Input(
        key,
        label,
        InputKind.TEXT,
        optional=questions,
        hint=KEYS[key],
        max_length=_SHORT.get(key, 2000 if questions else 10),
        initial="" if questions and value == "none" else value,
        multiline=questions,
    )


def _status_facts(data: AdminData) -> tuple[Fact, ...]:
    s = data.status
    if s.week is None:
        return (Fact("Last round", "none yet"), *_next(data))
    if s.answered is None:
        answered = f"fewer than {s.threshold} so far (shown from {s.threshold})"
    else:
        rate = f"{100 * s.answered / s.enrolled:.0f}%" if s.enrolled else "—"
        answered = f"{rate} ({s.answered} of {s.enrolled})"
    return (
        Fact("Last round", s.week),
        Fact("Sent", str(s.sent)),
        Fact("Failed", str(s.failed)),
        Fact("Not confirmed", str(s.unknown)),
        Fact("Waiting", str(s.waiting)),
        Fact("Answered", answered),
        *_next(data),
    )


def _next(data: AdminData) -> tuple[Fact, ...]:
    return (Fact("Next pulse", data.next_pulse), Fact("Next digest", data.next_digest))


def _unreachable(status: RoundStatus) -> str:
    if not status.unreachable:
        return ""
    lines = [f"• {name}: {reason}" for name, reason in status.unreachable]
    if status.unreachable_more:
        lines.append(f"• and {status.unreachable_more} more")
    return "Could not be reached:\n" + "\n".join(lines)


def render(data: AdminData) -> Message:
    facts = _status_facts(data)
    unreachable = _unreachable(data.status)
    sections = [Section(text=data.note)] if data.note else []
    sections += [
        Section(heading="Delivery", text=unreachable, facts=facts),
        Section(
            heading="Survey settings",
            text="Change any field, then save. Nothing is applied unless every field is valid.",
        ),
    ]
    fallback = [data.note or "", *(f"{f.label}: {f.value}" for f in facts), unreachable]
    fallback += [f"{_LABELS[key]}: {data.settings[key]}" for key in KEYS]
    return Message(
        kind=MessageKind.ADMIN,
        title="Crosspulse admin",
        fallback_text="\n".join(line for line in fallback if line),
        sections=tuple(sections),
        inputs=tuple(_input(data, key) for key in KEYS),
        submit=Action(ActionId.ADMIN_SAVE, "Save settings", style=Style.PRIMARY),
        context="To import people, send me the organisation CSV as a file in this chat. "
        "Every change is recorded in the audit log.",
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
        "questions": "none",
        "digest_weekday": "mon",
        "digest_time": "08:00",
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
)
