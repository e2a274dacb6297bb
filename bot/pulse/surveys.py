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

from bot.i18n import N_, _, current_locale, ngettext
from bot.text import clean_text

ENPS = "enps"
ENERGY = "energy"
WORKED_WITH = "worked_with"
BLOCKED_BY = "blocked_by"
COMMENT = "comment"
SMOOTH_PREFIX = "smooth."
CUSTOM_PREFIX = "custom."
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
    low_label: str = N_("Strongly disagree")
    high_label: str = N_("Strongly agree")
    optional: bool = False
    dimension: Dimension = Dimension.NONE
    # A custom question's wording per language, as the admin wrote it: (("de", "..."), ...).
    translations: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict:
        data = {k: str(v) if isinstance(v, StrEnum) else v for k, v in asdict(self).items()}
        data["translations"] = dict(self.translations)
        if not self.translations:
            del data["translations"]  # rounds stored before 0015 have none
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        return cls(
            **{
                **data,
                "kind": QuestionKind(data["kind"]),
                "dimension": Dimension(data.get("dimension", "none")),
                "translations": tuple(sorted((data.get("translations") or {}).items())),
            }
        )

    def shown_text(self) -> str:
        """The question in the current language: the bank's and core wording from the
        catalogs; a custom question as the admin wrote it, in the reader's language when
        the admin gave one."""
        if self.key.startswith(CUSTOM_PREFIX):
            return dict(self.translations).get(current_locale(), self.text)
        return _(self.text)


CORE_QUESTIONS: tuple[Question, ...] = (
    Question(
        ENPS,
        N_("How likely are you to recommend working here to a friend?"),
        QuestionKind.SCALE,
        0,
        10,
        N_("Not at all likely"),
        N_("Extremely likely"),
        dimension=Dimension.ENPS,
    ),
    Question(
        ENERGY,
        N_("How energised did you feel at work this week?"),
        QuestionKind.SCALE,
        1,
        5,
        N_("Drained"),
        N_("Full of energy"),
        dimension=Dimension.ENGAGEMENT,
    ),
    Question(
        WORKED_WITH,
        N_("Which other teams did you work with this week?"),
        QuestionKind.TEAMS,
        optional=True,
    ),
    Question(
        BLOCKED_BY,
        N_("Did another team block your work this week? Which one?"),
        QuestionKind.TEAM,
        optional=True,
    ),
    Question(
        COMMENT,
        N_("Anything you want leadership to know? (anonymous, optional)"),
        QuestionKind.TEXT,
        optional=True,
    ),
)


def _item(key: str, text: str, dimension: Dimension) -> Question:
    return Question(f"bank.{key}", text, QuestionKind.SCALE, dimension=dimension)


QUESTION_BANK: tuple[Question, ...] = (
    _item("clarity", N_("This week I knew what was expected of me."), Dimension.ENGAGEMENT),
    _item(
        "whom_to_ask",
        N_("When I needed something from another team, I knew whom to ask."),
        Dimension.COLLABORATION,
    ),
    _item("resources", N_("I had what I needed to do my work well."), Dimension.ENGAGEMENT),
    _item(
        "shared_early",
        N_("Other teams shared what I needed before I had to chase it."),
        Dimension.COLLABORATION,
    ),
    _item("strengths", N_("I spent most of my week on work I do best."), Dimension.ENGAGEMENT),
    _item(
        "energising",
        N_("Working with other teams gave me energy rather than draining it."),
        Dimension.COLLABORATION,
    ),
    _item("recognition", N_("Someone noticed and valued my work this week."), Dimension.ENGAGEMENT),
    _item(
        "in_the_room",
        N_("Decisions that affected my work were made with my team involved."),
        Dimension.COLLABORATION,
    ),
    _item("customer", N_("I could see how my work helps our customers."), Dimension.ENGAGEMENT),
    _item(
        "worth_time",
        N_("My meetings with other teams were worth the time they took."),
        Dimension.COLLABORATION,
    ),
    _item("growth", N_("I learned something this week that helps me grow."), Dimension.ENGAGEMENT),
    _item(
        "shared_goal",
        N_("The teams I worked with were pulling toward the same goal."),
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
        f"{CUSTOM_PREFIX}{spec['key']}",
        spec["text"],
        QuestionKind.SCALE,
        dimension=Dimension(spec.get("dimension", "engagement")),
        translations=tuple(sorted((spec.get("translations") or {}).items())),
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
        _("How smooth was working with {department}?").format(department=department),
        QuestionKind.SCALE,
        1,
        5,
        N_("Very rough"),
        N_("Very smooth"),
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
        raise AnswerError(
            _("That answer has a field this pulse does not ask: {field}.").format(
                field=unknown[0]
            )
        )
    others = {d for d in departments if d != own_department}
    scores: dict[str, int] = {}
    worked: tuple[int, ...] = ()
    blocked: int | None = None
    comment: str | None = None
    for q in questions:
        raw = answers.get(q.key)
        if raw in (None, "", []):
            if not q.optional:
                raise AnswerError(_("Please answer “{question}”.").format(question=q.shown_text()))
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
            raise AnswerError(_("That answer has a field this question does not ask."))
        department = int(key[len(SMOOTH_PREFIX) :])
        if department not in targets:
            raise AnswerError(_("That team was not one of the teams offered."))
        if raw in ("", None, []):
            continue
        ratings[department] = _scale(raw, smoothness_question(department, targets[department]))
    if len(ratings) > MAX_SMOOTHNESS_TEAMS:
        raise AnswerError(
            ngettext("Rate at most {n} team.", "Rate at most {n} teams.", MAX_SMOOTHNESS_TEAMS)
            .format(n=MAX_SMOOTHNESS_TEAMS)
        )
    return ratings


def _scale(raw: str | list[str], q: Question) -> int:
    if isinstance(raw, list) or not re.fullmatch(r"\s*-?\d{1,3}\s*", raw):
        raise AnswerError(
            _("“{question}” takes a whole number from {low} to {high}.").format(
                question=q.shown_text(), low=q.low, high=q.high
            )
        )
    value = int(raw)
    if not q.low <= value <= q.high:
        raise AnswerError(
            _("“{question}” takes a number from {low} to {high}; got {value}.").format(
                question=q.shown_text(), low=q.low, high=q.high, value=value
            )
        )
    return value


def _teams(raw: str | list[str], others: set[int]) -> tuple[int, ...]:
    values = raw if isinstance(raw, list) else [v for v in raw.split(",") if v.strip()]
    values = [v.strip() for v in values]
    if values == [NO_TEAM]:
        return ()
    chosen = []
    for value in values:
        if not value.isdigit() or int(value) not in others:
            raise AnswerError(_("One of the teams you picked is not another team of ours."))
        chosen.append(int(value))
    return tuple(sorted(set(chosen)))


def _team(raw: str | list[str], others: set[int]) -> int | None:
    if isinstance(raw, list):
        if len(raw) != 1:
            raise AnswerError(_("Pick one team that blocked you, or none."))
        raw = raw[0]
    if raw.strip() == NO_TEAM:
        return None
    if not raw.strip().isdigit() or int(raw) not in others:
        raise AnswerError(_("The team you picked as blocking is not another team of ours."))
    return int(raw)


def _comment(raw: str | list[str]) -> str | None:
    """Control characters dropped (a NUL is stored by SQLite but refused by PostgreSQL, which
    would lose the whole check-in); nothing left means no comment."""
    text = clean_text(raw if isinstance(raw, str) else " ".join(raw))
    if len(text) > COMMENT_MAX:
        raise AnswerError(
            _("Comments are limited to {limit} characters; yours has {length}.").format(
                limit=COMMENT_MAX, length=len(text)
            )
        )
    return text or None
