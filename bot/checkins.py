"""Recording answers: once per person and round, under a pseudonym, all or nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit
from bot.db import insert_unless_present
from bot.enums import ParticipationStage, RoundState
from bot.models import Comment, Delivery, Participation, Person, Response, Round
from bot.pseudonym import respondent_key
from bot.rollup import RESPONDENTS, Increments
from bot.surveys import (
    BLOCKED_BY,
    WORKED_WITH,
    AnswerError,
    Answers,
    CheckIn,
    Question,
    validate_checkin,
    validate_smoothness,
)


class AlreadyAnswered(AnswerError):
    """A second submission for the same round; the first one stands."""


class RoundClosed(AnswerError):
    """The answer came after the person's window closed."""


async def _check_window(
    session: AsyncSession, *, person: Person, round_: Round, now: datetime
) -> None:
    delivery = (
        await session.exec(
            select(Delivery).where(
                Delivery.round_id == round_.id,
                Delivery.person_id == person.id,
                Delivery.kind == "pulse",
            )
        )
    ).first()
    if delivery is None:
        raise AnswerError("This pulse was not sent to you, so it cannot take your answer.")
    if round_.state != RoundState.OPEN or (delivery.closes_at and now >= delivery.closes_at):
        raise RoundClosed(
            "This pulse has closed, so your answer was not recorded. "
            "The next one will reach you at its usual time."
        )


async def record_checkin(
    session: AsyncSession,
    *,
    person: Person,
    round_: Round,
    answers: Answers,
    departments: dict[int, str],
    secret: bytes,
    now: datetime,
) -> CheckIn:
    """Validate and store a check-in; raise AnswerError (nothing stored) when it cannot."""
    await _check_window(session, person=person, round_=round_, now=now)
    questions = [Question.from_dict(q) for q in round_.questions]
    checkin = validate_checkin(
        answers,
        questions=questions,
        own_department=person.department_id,
        departments=departments,
    )
    key = respondent_key(secret=secret, salt=person.pseudonym_salt)
    stage = ParticipationStage.ANSWERED if checkin.worked_with else ParticipationStage.COMPLETE
    rows: list[Response] = [
        _response(person, round_, key, item, value) for item, value in checkin.scores.items()
    ]
    rows += [_response(person, round_, key, WORKED_WITH, 1, d) for d in checkin.worked_with]
    if checkin.blocked_by is not None:
        rows.append(_response(person, round_, key, BLOCKED_BY, 1, checkin.blocked_by))
    first = await insert_unless_present(
        session,
        Participation,
        round_id=round_.id,
        person_id=person.id,
        week=round_.week,
        stage=stage,
        answered_at=now,
    )
    if not first:
        await session.rollback()
        raise AlreadyAnswered("You have already checked in for this pulse; thank you!")
    session.add_all(rows)
    increments = Increments()
    for row in rows:
        increments.add_response(row)
    increments.add(
        tenant_id=person.tenant_id,
        week=round_.week,
        department_id=person.department_id,
        item=RESPONDENTS,
    )
    await increments.write(session)
    if checkin.comment:
        session.add(
            Comment(
                tenant_id=person.tenant_id,
                round_id=round_.id,
                respondent=key,
                week=round_.week,
                department_id=person.department_id,
                text=checkin.comment,
            )
        )
    await session.commit()
    return checkin


async def record_smoothness(
    session: AsyncSession,
    *,
    person: Person,
    round_: Round,
    answers: Answers,
    departments: dict[int, str],
    secret: bytes,
    now: datetime,
) -> dict[int, int]:
    """The per-team follow-up; accepted once, after the check-in, inside the window."""
    await _check_window(session, person=person, round_=round_, now=now)
    mine = (Participation.round_id == round_.id, Participation.person_id == person.id)
    stage = (await session.exec(select(Participation.stage).where(*mine))).first()
    if stage is None:
        raise AnswerError("Please answer the pulse itself first.")
    if stage == ParticipationStage.COMPLETE:
        raise AlreadyAnswered("You have already rated those teams for this pulse; thank you!")
    others = {d: name for d, name in departments.items() if d != person.department_id}
    ratings = validate_smoothness(answers, targets=others)
    # Guarded: of two concurrent submits only one moves the stage on and stores its ratings.
    moved = await session.exec(
        update(Participation)
        .where(*mine, Participation.stage == ParticipationStage.ANSWERED)
        .values(stage=ParticipationStage.COMPLETE)
    )
    if moved.rowcount != 1:
        await session.rollback()
        raise AlreadyAnswered("You have already rated those teams for this pulse; thank you!")
    key = respondent_key(secret=secret, salt=person.pseudonym_salt)
    rows = [
        _response(person, round_, key, "smoothness", value, department)
        for department, value in ratings.items()
    ]
    session.add_all(rows)
    increments = Increments()
    for row in rows:
        increments.add_response(row)
    await increments.write(session)
    await session.commit()
    return ratings


def _response(
    person: Person, round_: Round, key: str, item: str, value: int, target: int | None = None
) -> Response:
    return Response(
        tenant_id=person.tenant_id,
        round_id=round_.id,
        respondent=key,
        week=round_.week,
        department_id=person.department_id,
        item=item,
        value=value,
        target_department_id=target,
    )


def log_rejected(
    session: AsyncSession, *, tenant_id: int, person_id: int, round_id: int | None, reason: str
) -> None:
    """Tampered or out-of-range answers leave an audit trace (the reason, never the values)."""
    audit.record(
        session,
        tenant_id=tenant_id,
        actor=f"person:{person_id}",
        action="answer.rejected",
        round_id=round_id,
        reason=reason,
    )
