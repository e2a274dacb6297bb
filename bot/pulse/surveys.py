"""The question bank, the default weekly pulse, and validation of submitted answers.

Items are our own wording, grounded in public research: Gallup's engagement themes
(clarity, resources, strengths, recognition, purpose, growth) and Rob Cross's work on
boundary-spanning collaboration (knowing whom to ask, information flow, energy,
collaborative overload).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from enum import StrEnum

from bot.text import clean_text

ENPS = "enps"
ENERGY = "energy"
WORKED_WITH = "worked_with"
BLOCKED_BY = "blocked_by"
COMMENT = "comment"
SMOOTH_PREFIX = "smooth."
MAX_SMOOTHNESS_TEAMS = 3
COMMENT_MAX = 1000
NO_TEAM = "none"


class QuestionKind(StrEnum):
    SCALE = "scale"
    TEAMS = "teams"  # any number of other departments
    TEAM = "team"  # one other department, or none
    TEXT = "text"


class Dimension(StrEnum):
    ENPS = "enps"
    ENGAGEMENT = "engagement"
    COLLABORATION = "collaboration"
    NONE = "none"


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: QuestionKind
    low: int = 1
    high: int = 5
    low_label: str = "Strongly disagree"
    high_label: str = "Strongly agree"
    optional: bool = False
    dimension: Dimension = Dimension.NONE

    def to_dict(self) -> dict:
        return {k: str(v) if isinstance(v, StrEnum) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        return cls(
            **{
                **data,
                "kind": QuestionKind(data["kind"]),
                "dimension": Dimension(data.get("dimension", "none")),
            }
        )


CORE_QUESTIONS: tuple[Question, ...] = (
    Question(
        ENPS,
        "How likely are you to recommend working here to a friend?",
        QuestionKind.SCALE,
        0,
        10,
        "Not at all likely",
        "Extremely likely",
        dimension=Dimension.ENPS,
    ),
    Question(
        ENERGY,
        "How energised did you feel at work this week?",
        QuestionKind.SCALE,
        1,
        5,
        "Drained",
        "Full of energy",
        dimension=Dimension.ENGAGEMENT,
    ),
    Question(
        WORKED_WITH,
        "Which other teams did you work with this week?",
        QuestionKind.TEAMS,
        optional=True,
    ),
    Question(
        BLOCKED_BY,
        "Did another team block your work this week? Which one?",
        QuestionKind.TEAM,
        optional=True,
    ),
    Question(
        COMMENT,
        "Anything you want leadership to know? (anonymous, optional)",
        QuestionKind.TEXT,
        optional=True,
    ),
)


def _item(key: str, text: str, dimension: Dimension) -> Question:
    return Question(f"bank.{key}", text, QuestionKind.SCALE, dimension=dimension)


QUESTION_BANK: tuple[Question, ...] = (
    _item("clarity", "This week I knew what was expected of me.", Dimension.ENGAGEMENT),
    _item(
        "whom_to_ask",
        "When I needed something from another team, I knew whom to ask.",
        Dimension.COLLABORATION,
    ),
    _item("resources", "I had what I needed to do my work well.", Dimension.ENGAGEMENT),
    _item(
        "shared_early",
        "Other teams shared what I needed before I had to chase it.",
        Dimension.COLLABORATION,
    ),
    _item("strengths", "I spent most of my week on work I do best.", Dimension.ENGAGEMENT),
    _item(
        "energising",
        "Working with other teams gave me energy rather than draining it.",
        Dimension.COLLABORATION,
    ),
    _item("recognition", "Someone noticed and valued my work this week.", Dimension.ENGAGEMENT),
    _item(
        "in_the_room",
        "Decisions that affected my work were made with my team involved.",
        Dimension.COLLABORATION,
    ),
    _item("customer", "I could see how my work helps our customers.", Dimension.ENGAGEMENT),
    _item(
        "worth_time",
        "My meetings with other teams were worth the time they took.",
        Dimension.COLLABORATION,
    ),
    _item("growth", "I learned something this week that helps me grow.", Dimension.ENGAGEMENT),
    _item(
        "shared_goal",
        "The teams I worked with were pulling toward the same goal.",
        Dimension.COLLABORATION,
    ),
)


def rotated_items(*, round_number: int, per_round: int) -> list[Question]:
    """One or two bank items a week, cycling through the bank without repeats."""
    if per_round <= 0:
        return []
    start = (round_number * per_round) % len(QUESTION_BANK)
    return [QUESTION_BANK[(start + i) % len(QUESTION_BANK)] for i in range(per_round)]


def custom_question(spec: dict) -> Question:
    return Question(
        f"custom.{spec['key']}",
        spec["text"],
        QuestionKind.SCALE,
        dimension=Dimension(spec.get("dimension", "engagement")),
    )


def round_questions(*, round_number: int, per_round: int, custom: list[dict]) -> list[dict]:
    questions = [
        *CORE_QUESTIONS[:2],
        *rotated_items(round_number=round_number, per_round=per_round),
    ]
    questions += [custom_question(spec) for spec in custom]
    questions += CORE_QUESTIONS[2:]
    return [q.to_dict() for q in questions]


def smoothness_question(department_id: int, department: str) -> Question:
    return Question(
        f"{SMOOTH_PREFIX}{department_id}",
        f"How smooth was working with {department}?",
        QuestionKind.SCALE,
        1,
        5,
        "Very rough",
        "Very smooth",
        dimension=Dimension.COLLABORATION,
    )


class AnswerError(ValueError):
    """An answer the survey cannot accept; the message is safe to show the person."""


@dataclass(frozen=True)
class CheckIn:
    scores: dict[str, int]
    worked_with: tuple[int, ...]
    blocked_by: int | None
    comment: str | None


Answers = dict[str, str | list[str]]


def validate_checkin(
    answers: Answers,
    *,
    questions: list[Question],
    own_department: int,
    departments: dict[int, str],
) -> CheckIn:
    """Check every answer against its question; raise AnswerError naming the first bad one."""
    known = {q.key for q in questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise AnswerError(f"That answer has a field this pulse does not ask: {unknown[0]}.")
    others = {d for d in departments if d != own_department}
    scores: dict[str, int] = {}
    worked: tuple[int, ...] = ()
    blocked: int | None = None
    comment: str | None = None
    for q in questions:
        raw = answers.get(q.key)
        if raw in (None, "", []):
            if not q.optional:
                raise AnswerError(f"Please answer “{q.text}”.")
            continue
        if q.kind == QuestionKind.SCALE:
            scores[q.key] = _scale(raw, q)
        elif q.kind == QuestionKind.TEAMS:
            worked = _teams(raw, others)
        elif q.kind == QuestionKind.TEAM:
            blocked = _team(raw, others)
        else:
            comment = _comment(raw)
    return CheckIn(scores, worked, blocked, comment)


def validate_smoothness(answers: Answers, *, targets: dict[int, str]) -> dict[int, int]:
    """Per-team smoothness ratings, for at most MAX_SMOOTHNESS_TEAMS of the offered teams."""
    ratings: dict[int, int] = {}
    for key, raw in answers.items():
        if not key.startswith(SMOOTH_PREFIX) or not key[len(SMOOTH_PREFIX) :].isdigit():
            raise AnswerError("That answer has a field this question does not ask.")
        department = int(key[len(SMOOTH_PREFIX) :])
        if department not in targets:
            raise AnswerError("That team was not one of the teams offered.")
        if raw in ("", None, []):
            continue
        ratings[department] = _scale(raw, smoothness_question(department, targets[department]))
    if len(ratings) > MAX_SMOOTHNESS_TEAMS:
        raise AnswerError(f"Rate at most {MAX_SMOOTHNESS_TEAMS} teams.")
    return ratings


def _scale(raw: str | list[str], q: Question) -> int:
    if isinstance(raw, list) or not re.fullmatch(r"\s*-?\d{1,3}\s*", raw):
        raise AnswerError(f"“{q.text}” takes a whole number from {q.low} to {q.high}.")
    value = int(raw)
    if not q.low <= value <= q.high:
        raise AnswerError(f"“{q.text}” takes a number from {q.low} to {q.high}; got {value}.")
    return value


def _teams(raw: str | list[str], others: set[int]) -> tuple[int, ...]:
    values = raw if isinstance(raw, list) else [v for v in raw.split(",") if v.strip()]
    values = [v.strip() for v in values]
    if values == [NO_TEAM]:
        return ()
    chosen = []
    for value in values:
        if not value.isdigit() or int(value) not in others:
            raise AnswerError("One of the teams you picked is not another team of ours.")
        chosen.append(int(value))
    return tuple(sorted(set(chosen)))


def _team(raw: str | list[str], others: set[int]) -> int | None:
    if isinstance(raw, list):
        if len(raw) != 1:
            raise AnswerError("Pick one team that blocked you, or none.")
        raw = raw[0]
    if raw.strip() == NO_TEAM:
        return None
    if not raw.strip().isdigit() or int(raw) not in others:
        raise AnswerError("The team you picked as blocking is not another team of ours.")
    return int(raw)


def _comment(raw: str | list[str]) -> str | None:
    """Control characters dropped (a NUL is stored by SQLite but refused by PostgreSQL, which
    would lose the whole check-in); nothing left means no comment."""
    text = clean_text(raw if isinstance(raw, str) else " ".join(raw))
    if len(text) > COMMENT_MAX:
        raise AnswerError(
            f"Comments are limited to {COMMENT_MAX} characters; yours has {len(text)}."
        )
    return text or None
