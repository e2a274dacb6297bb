"""The listening tour: an executive's one-off free-text intake to some departments.

Started from the chat form or the CLI (`start_tour`): each invited person is owed one `tour`
delivery through the outbox, at their local pulse time on their next working day. Answers are
sealed while the tour is open (`bot/listening/sheets.py`); when it closes
(`bot/listening/lifecycle.py`, from the scheduler's tick) they are unsealed, shuffled and
written as `listening_answer` rows with a department only (pooled under the comment
threshold), and the executive is owed the summary. Deliveries are keyed
(`tour:<tour>:<person>`), so running any of this twice does it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind, DeliveryState
from bot.i18n import LANGUAGES, N_, _, use_locale
from bot.listening.sheets import Sheet, sheet_sealer
from bot.people.names import name_index
from bot.people.tenancy import active_survey
from bot.pulse.schedule import first_working_day, iso_week, local_instant, parse_hhmm
from bot.pulse.surveys import AnswerError
from bot.store import audit
from bot.store.models import (
    Delivery,
    Department,
    ListeningSheet,
    ListeningTour,
    Person,
    as_utc,
)

OPEN, CLOSED = "open", "closed"
ANSWER_MAX = 2000
QUESTION_MAX = 300
MAX_QUESTIONS = 8
MAX_DAYS = 60  # the longest tour
DEFAULT_DAYS = 14
# The roles of the default questions: the summary's dependency map reads `depends`, its
# customer chain `customers`. Questions given in their place keep these keys by position.
MEASURED, DEPENDS, CUSTOMERS, EASIER = "measured", "depends", "customers", "easier"
DEFAULT_QUESTIONS: tuple[tuple[str, str], ...] = (
    (MEASURED, N_("What is your team measured on?")),
    (DEPENDS, N_("Which teams do you depend on most, and for what?")),
    (CUSTOMERS, N_("Who are your team's customers, inside or outside the company?")),
    (EASIER, N_("What one thing would make working with another team easier?")),
)
TOUR_KINDS = (DeliveryKind.TOUR, DeliveryKind.TOUR_NUDGE)


class TourError(ValueError):
    """A tour that cannot start: every problem, nothing stored."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class AlreadyAnswered(AnswerError):
    pass


def question_key(position: int) -> str:
    """The key of the question at `position` (0-based): the default roles first."""
    if position < len(DEFAULT_QUESTIONS):
        return DEFAULT_QUESTIONS[position][0]
    return f"q{position + 1}"


def default_questions() -> list[str]:
    return [_(text) for _key, text in DEFAULT_QUESTIONS]


@cache
def _default_wordings() -> dict[str, str]:
    """Every language's wording of each default question -> its English msgid."""
    wordings = {}
    for language in LANGUAGES:
        with use_locale(language):
            wordings.update({_(text): text for _key, text in DEFAULT_QUESTIONS})
    return wordings


def question_text(text: str) -> str:
    """A tour question in the reader's language: a default question left as it was (in the
    starter's language) is asked in each reader's own; one the executive wrote stays theirs."""
    msgid = _default_wordings().get(text)
    return _(msgid) if msgid is not None else text


def tour_of(delivery: Delivery) -> int:
    """The tour a `tour`, `tour_nudge` or `tour_sum` delivery is for (its key's 2nd part)."""
    return int(delivery.idempotency_key.split(":")[1])


@dataclass(frozen=True)
class Started:
    tour: ListeningTour
    invited: int


async def start_tour(
    session: AsyncSession,
    *,
    tenant_id: int,
    departments: list[str],
    until: str,
    questions: list[str] | None,
    now: datetime,
    started_by: int | None,
    actor: str,
) -> Started:
    """Check everything, then store the tour and owe each invited person its intake."""
    problems: list[str] = []
    known = {
        name.lower(): name
        for name in (
            await session.exec(select(Department.name).where(Department.tenant_id == tenant_id))
        ).all()
    }
    chosen: list[str] = []
    for raw in departments:
        name = raw.strip()
        if not name:
            continue
        if name.lower() not in known:
            problems.append(
                _("No department named '{name}'; departments: {known}").format(
                    name=name[:80], known=", ".join(sorted(known.values()))
                )
            )
        elif known[name.lower()] not in chosen:
            chosen.append(known[name.lower()])
    if not chosen and not problems:
        problems.append(_("Pick at least one department"))
    closes_at = _closes_at(until, now=now, problems=problems)
    texts = [q.strip() for q in (default_questions() if questions is None else questions)]
    texts = [q for q in texts if q]
    if not texts:
        problems.append(_("Ask at least one question"))
    if len(texts) > MAX_QUESTIONS:
        problems.append(_("At most {n} questions").format(n=MAX_QUESTIONS))
    for text in texts:
        if len(text) > QUESTION_MAX:
            problems.append(
                _("A question is longer than {n} characters: '{start}…'").format(
                    n=QUESTION_MAX, start=text[:40]
                )
            )
    if problems:
        raise TourError(problems)
    assert closes_at is not None
    survey = await active_survey(session, tenant_id=tenant_id)
    tour = ListeningTour(
        tenant_id=tenant_id,
        started_by=started_by,
        departments=chosen,
        questions=[{"key": question_key(i), "text": t} for i, t in enumerate(texts)],
        week=iso_week(now.date()),
        opened_at=now,
        closes_at=closes_at,
        k_comments=survey.k_comments,
    )
    session.add(tour)
    await session.flush()
    people = (
        await session.exec(
            select(Person)
            .join(Department, Department.id == Person.department_id)
            .where(
                Person.tenant_id == tenant_id,
                col(Person.active).is_(True),
                col(Person.opted_out).is_(False),
                col(Department.name).in_(chosen),
            )
            .order_by(col(Person.id))
        )
    ).all()
    for person in people:
        session.add(
            Delivery(
                tenant_id=tenant_id,
                person_id=person.id,
                kind=DeliveryKind.TOUR,
                idempotency_key=f"tour:{tour.id}:{person.id}",
                week=tour.week,
                due_at=_morning(person, local_time=survey.local_time, now=now, closes=closes_at),
                closes_at=closes_at,
            )
        )
    audit.record(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="listen.start",
        tour_id=tour.id,
        departments=chosen,
        invited=len(people),
    )
    await session.commit()
    return Started(tour=tour, invited=len(people))


def _closes_at(until: str, *, now: datetime, problems: list[str]) -> datetime | None:
    """The end of the `until` day everywhere (UTC-12 is the last zone to leave a date)."""
    try:
        day = date.fromisoformat(until.strip())
    except ValueError:
        problems.append(
            _("Until must be a date such as 2026-12-18; got '{value}'").format(value=until[:40])
        )
        return None
    if not now.date() < day <= now.date() + timedelta(days=MAX_DAYS):
        problems.append(
            _("Until must be after today and at most {n} days away; got {day}").format(
                n=MAX_DAYS, day=day.isoformat()
            )
        )
        return None
    return datetime.combine(day + timedelta(days=1), time(12, 0), tzinfo=UTC)


def _morning(person: Person, *, local_time: str, now: datetime, closes: datetime) -> datetime:
    """The person's pulse time on their first working day still ahead; now, when none
    comes before the tour's last day (a short tour still reaches everyone)."""
    today = now.astimezone(UTC).date()
    for shift in range(8):
        day = first_working_day(today + timedelta(days=shift), person.country)
        if day is None:
            break
        instant = local_instant(day, parse_hhmm(local_time), person.timezone)
        if instant >= now:
            return instant if instant < closes - timedelta(days=1) else now
    return now


async def tour_for(session: AsyncSession, *, tenant_id: int, tour_id: int) -> ListeningTour | None:
    tour = await session.get(ListeningTour, tour_id)
    return tour if tour is not None and tour.tenant_id == tenant_id else None


async def latest_tour(session: AsyncSession, *, tenant_id: int) -> ListeningTour | None:
    query = select(ListeningTour).where(ListeningTour.tenant_id == tenant_id)
    return (await session.exec(query.order_by(col(ListeningTour.id).desc()))).first()


async def invited(session: AsyncSession, *, tour: ListeningTour, person_id: int) -> bool:
    row = await session.exec(
        select(Delivery.id).where(Delivery.idempotency_key == f"tour:{tour.id}:{person_id}")
    )
    return row.first() is not None


async def record_answers(
    session: AsyncSession,
    *,
    person: Person,
    tour: ListeningTour,
    answers: dict,
    secret: bytes,
    now: datetime,
) -> int:
    """Seal the person's answers (scrubbed of names, e-mails, links); the number answered.
    Raises AnswerError (nothing stored) when the tour closed, they were not invited, they
    already answered or every answer is empty."""
    if tour.state != OPEN or as_utc(tour.closes_at) <= now:
        raise AnswerError(_("This listening tour has closed; nothing was recorded."))
    if not await invited(session, tour=tour, person_id=person.id):
        raise AnswerError(_("This listening tour was not sent to you; nothing was recorded."))
    sealer = sheet_sealer(secret)
    row_id = sealer.row_id(tour_id=tour.id, salt=person.pseudonym_salt)
    if await session.get(ListeningSheet, row_id) is not None:
        raise AlreadyAnswered(_("You already answered this listening tour. Thank you!"))
    names = await name_index(session, tenant_id=person.tenant_id)
    kept: dict[str, str] = {}
    for question in tour.questions:
        raw = answers.get(question["key"])
        text = raw.strip() if isinstance(raw, str) else ""
        if len(text) > ANSWER_MAX:
            raise AnswerError(
                _("An answer is longer than {n} characters; please shorten it.").format(
                    n=ANSWER_MAX
                )
            )
        if text:
            kept[question["key"]] = names.scrub(text)
    if not kept:
        raise AnswerError(_("Every answer was empty; nothing was recorded."))
    box = sealer.seal(Sheet(department_id=person.department_id, answers=kept), tour_id=tour.id)
    session.add(ListeningSheet(id=row_id, tour_id=tour.id, box=box))
    # The intake and its nudges still owed: nobody is reminded of what they answered.
    await session.exec(
        update(Delivery)
        .where(
            Delivery.person_id == person.id,
            col(Delivery.kind).in_(TOUR_KINDS),
            Delivery.state == DeliveryState.PENDING,
            or_(
                Delivery.idempotency_key == f"tour:{tour.id}:{person.id}",
                col(Delivery.idempotency_key).startswith(f"tour_nudge:{tour.id}:{person.id}:"),
            ),
        )
        .values(state=DeliveryState.CANCELLED, last_error="already answered")
    )
    try:
        await session.commit()
    except IntegrityError:  # the same submit twice at once: the first stands
        await session.rollback()
        raise AlreadyAnswered(_("You already answered this listening tour. Thank you!")) from None
    return len(kept)
