"""Recording answers: once per person and round, sealed until the round closes.

The only rows an answer writes are its participation (who answered, for nudges and
response rates) and its sealed box (`bot/pulse/sealing.py`); nothing readable, timed or
ordered lines the two up. The box is opened again only for the per-team follow-up, for
erasure, and when the round closes (`bot/pulse/publish.py`).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import ParamSpec, TypeVar

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import RoundState
from bot.i18n import _
from bot.people.names import scrub_comment
from bot.people.reports import manager_chain
from bot.pulse.sealing import SealedContent, sealer_for
from bot.pulse.surveys import (
    AnswerError,
    Answers,
    CheckIn,
    Question,
    validate_checkin,
    validate_smoothness,
)
from bot.store import audit
from bot.store.db import insert_unless_present
from bot.store.models import Delivery, Participation, Person, Round, SealedAnswer
from bot.telemetry import ANSWERS, REFUSED

P = ParamSpec("P")
R = TypeVar("R")


class AlreadyAnswered(AnswerError):
    """A second submission for the same round; the first one stands."""


class RoundClosed(AnswerError):
    """The answer came after the person's window closed."""


def _counted(part: str) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Count what was recorded, and what was refused by reason class only: the exception's
    type, never its message (a message can quote a value)."""

    def wrap(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(fn)
        async def counted(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                result = await fn(*args, **kwargs)
            except AlreadyAnswered:
                REFUSED.labels(reason="already_answered").inc()
                raise
            except RoundClosed:
                REFUSED.labels(reason="closed").inc()
                raise
            except AnswerError:
                REFUSED.labels(reason="invalid").inc()
                raise
            ANSWERS.labels(part=part).inc()
            return result

        return counted

    return wrap


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
        raise AnswerError(_("This pulse was not sent to you, so it cannot take your answer."))
    if round_.state != RoundState.OPEN or (delivery.closes_at and now >= delivery.closes_at):
        raise RoundClosed(
            _("This pulse has closed, so your answer was not recorded. "
            "The next one will reach you at its usual time.")
        )


@_counted("checkin")
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
    """Validate, scrub and seal a check-in; raise AnswerError (nothing stored) when it cannot."""
    await _check_window(session, person=person, round_=round_, now=now)
    questions = [Question.from_dict(q) for q in round_.questions]
    checkin = validate_checkin(
        answers,
        questions=questions,
        own_department=person.department_id,
        departments=departments,
    )
    sealer = sealer_for(secret)
    comment = (
        await scrub_comment(session, tenant_id=person.tenant_id, text=checkin.comment)
        if checkin.comment
        else None
    )
    content = SealedContent(
        respondent=sealer.respondent(round_id=round_.id, salt=person.pseudonym_salt),
        department_id=person.department_id,
        scores=dict(checkin.scores),
        worked_with=checkin.worked_with,
        blocked_by=checkin.blocked_by,
        comment=comment,
        author=person.id if comment else None,  # so a leader's reply can reach them
        managers=await manager_chain(session, person=person),
    )
    box = sealer.seal(content, round_id=round_.id)
    first = await insert_unless_present(
        session, Participation, round_id=round_.id, person_id=person.id, week=round_.week
    )
    if not first:
        await session.rollback()
        raise AlreadyAnswered(_("You have already checked in for this pulse; thank you!"))
    session.add(
        SealedAnswer(
            id=sealer.row_id(round_id=round_.id, salt=person.pseudonym_salt),
            round_id=round_.id,
            box=box,
        )
    )
    await session.commit()
    return checkin


async def sealed_answer(
    session: AsyncSession, *, person: Person, round_: Round, secret: bytes
) -> tuple[SealedAnswer, SealedContent] | None:
    """The person's own sealed answer to an open round, opened (the follow-up needs it)."""
    sealer = sealer_for(secret)
    row = await session.get(
        SealedAnswer, sealer.row_id(round_id=round_.id, salt=person.pseudonym_salt)
    )
    if row is None:
        return None
    return row, sealer.unseal(row.box, round_id=round_.id)


@_counted("followup")
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
    """The per-team follow-up; accepted once, after the check-in, inside the window. It is
    sealed into the same box, so no row tells who was asked a follow-up."""
    await _check_window(session, person=person, round_=round_, now=now)
    found = await sealed_answer(session, person=person, round_=round_, secret=secret)
    if found is None:
        raise AnswerError(_("Please answer the pulse itself first."))
    row, content = found
    if not content.followup_owed:
        raise AlreadyAnswered(_("You have already rated those teams for this pulse; thank you!"))
    named = {d: departments[d] for d in content.worked_with if d in departments}
    ratings = validate_smoothness(answers, targets=named)
    old_box = row.box
    box = sealer_for(secret).seal(
        SealedContent(**{**content.__dict__, "smoothness": ratings}), round_id=round_.id
    )
    # Guarded on the old box: of two concurrent submits only one replaces it.
    moved = await session.exec(
        update(SealedAnswer)
        .where(SealedAnswer.id == row.id, SealedAnswer.box == old_box)
        .values(box=box)
    )
    if moved.rowcount != 1:
        await session.rollback()
        raise AlreadyAnswered(_("You have already rated those teams for this pulse; thank you!"))
    await session.commit()
    return ratings


def log_rejected(session: AsyncSession, *, tenant_id: int, round_id: int | None) -> None:
    """Tampered or out-of-range answers leave an audit trace: that one was refused, and in
    which round; never who sent it, what it said or why (a reason can quote a value)."""
    audit.record(
        session, tenant_id=tenant_id, actor="someone", action="answer.rejected", round_id=round_id
    )
