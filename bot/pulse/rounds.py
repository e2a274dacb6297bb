"""Rounds and who is owed a pulse: open due rounds, enrol people, nudge, close.

Every side effect is keyed in the database (a round is unique per survey and slot, a
delivery per idempotency key), so running this twice, or on two replicas, does the
same thing once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind, DeliveryState, RoundState
from bot.pulse import rollup
from bot.pulse.publish import publish_round
from bot.pulse.schedule import (
    MAX_SHIFT_DAYS,
    cadence_slots,
    is_nudge_time,
    iso_week,
    send_instant,
    slot_opens_at,
)
from bot.pulse.sealing import sealer_for
from bot.pulse.surveys import round_questions
from bot.store.db import insert_unless_present
from bot.store.models import (
    Delivery,
    Department,
    Participation,
    Person,
    Round,
    Survey,
    as_utc,
)


async def open_due_rounds(session: AsyncSession, *, survey: Survey, now: datetime) -> list[Round]:
    """Create the rounds whose slot some timezone has reached; return every open round."""
    lookback = timedelta(days=survey.window_days + MAX_SHIFT_DAYS + 1)
    slots = cadence_slots(
        cadence=survey.cadence,
        weekday=survey.weekday,
        starts_on=survey.starts_on,
        first=(now - lookback).date(),
        last=(now + timedelta(days=1)).date(),
    )
    existing = set(
        (await session.exec(select(Round.slot).where(Round.survey_id == survey.id))).all()
    )
    for slot in slots:
        if slot in existing or slot_opens_at(slot) > now:
            continue
        number = (slot - survey.starts_on).days // 7
        questions = round_questions(
            round_number=number,
            per_round=survey.extra_items_per_round,
            custom=survey.custom_questions,
        )
        # A replica that opened it first wins; ours is then a no-op.
        await insert_unless_present(
            session,
            Round,
            survey_id=survey.id,
            slot=slot,
            week=iso_week(slot),
            questions=questions,
            closes_at=slot_opens_at(slot),
            opened_at=now,
        )
    await session.commit()
    return list(
        (
            await session.exec(
                select(Round)
                .where(Round.survey_id == survey.id, Round.state == RoundState.OPEN)
                .order_by(Round.slot)
            )
        ).all()
    )


async def enrol(session: AsyncSession, *, survey: Survey, round_: Round, now: datetime) -> int:
    """Give every eligible person without one a pulse delivery for this round."""
    query = (
        select(Person, Department.name)
        .join(Department, Department.id == Person.department_id)
        .where(
            Person.tenant_id == survey.tenant_id,
            col(Person.active).is_(True),
            col(Person.opted_out).is_(False),
            ~exists().where(
                Delivery.round_id == round_.id,
                Delivery.person_id == Person.id,
                Delivery.kind == DeliveryKind.PULSE,
            ),
        )
    )
    if survey.audience:
        query = query.where(col(Department.name).in_(survey.audience))
    added = 0
    enrolled_departments: list[int] = []
    for person, _department in (await session.exec(query)).all():
        due = send_instant(
            slot=round_.slot,
            local_time=survey.local_time,
            timezone=person.timezone,
            country=person.country,
        )
        if due is None:
            continue
        closes = due + timedelta(days=survey.window_days)
        session.add(
            Delivery(
                tenant_id=survey.tenant_id,
                person_id=person.id,
                round_id=round_.id,
                kind=DeliveryKind.PULSE,
                idempotency_key=f"pulse:{round_.id}:{person.id}",
                week=round_.week,
                due_at=due,
                closes_at=closes,
            )
        )
        round_.closes_at = max(round_.closes_at, closes)
        enrolled_departments.append(person.department_id)
        added += 1
    if added:
        session.add(round_)
        await rollup.invited(survey.tenant_id, round_.week, enrolled_departments).write(session)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()  # a replica enrolled the same people; its rows stand
        return 0
    return added


def nudge_due(
    reminded: Delivery, *, person: Person, last: datetime | None, now: datetime, wait: timedelta
) -> bool:
    """Whether `person`, sent `reminded` and not answering, is due a reminder now: `wait`
    has passed since the last contact (the message or the last nudge), in working hours."""
    contacts = [as_utc(t) for t in (reminded.sent_at, reminded.claimed_at, last) if t is not None]
    if not contacts or now < max(contacts) + wait:
        return False
    return is_nudge_time(now, timezone=person.timezone, country=person.country)


def queue_nudge(
    session: AsyncSession, *, reminded: Delivery, kind: DeliveryKind, key: str, now: datetime
) -> None:
    """Queue the next reminder of `reminded` (a pulse or a tour's intake), keyed
    `<key>:<person>:<number>` so a replica queueing the same one fails on commit."""
    number = reminded.nudges_sent + 1
    session.add(
        Delivery(
            tenant_id=reminded.tenant_id,
            person_id=reminded.person_id,
            round_id=reminded.round_id,
            kind=kind,
            idempotency_key=f"{key}:{reminded.person_id}:{number}",
            week=reminded.week,
            due_at=now,
            closes_at=reminded.closes_at,
        )
    )
    reminded.nudges_sent = number
    session.add(reminded)


async def schedule_nudges(session: AsyncSession, *, survey: Survey, now: datetime) -> int:
    """Queue a nudge for each non-responder whose wait is over, in their working hours."""
    wait = timedelta(hours=survey.nudge_after_hours)
    answered = exists().where(
        Participation.round_id == Delivery.round_id, Participation.person_id == Delivery.person_id
    )
    rows = (
        await session.exec(
            select(Delivery, Person)
            .join(Person, Person.id == Delivery.person_id)
            .join(Round, Round.id == Delivery.round_id)
            .where(
                Round.survey_id == survey.id,
                Round.state == RoundState.OPEN,
                Delivery.kind == DeliveryKind.PULSE,
                col(Delivery.state).in_([DeliveryState.SENT, DeliveryState.UNKNOWN]),
                Delivery.nudges_sent < survey.max_nudges,
                col(Delivery.closes_at) > now,
                col(Person.nudges_muted).is_(False),
                col(Person.opted_out).is_(False),
                ~answered,
            )
        )
    ).all()
    last_nudge = await _last_nudges(session, round_ids={p.round_id for p, _ in rows})
    queued = 0
    for pulse, person in rows:
        last = last_nudge.get((pulse.round_id, person.id))
        if nudge_due(pulse, person=person, last=last, now=now, wait=wait):
            key = f"nudge:{pulse.round_id}"
            queue_nudge(session, reminded=pulse, kind=DeliveryKind.NUDGE, key=key, now=now)
            queued += 1
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return 0
    return queued


async def _last_nudges(
    session: AsyncSession, *, round_ids: set[int | None]
) -> dict[tuple[int, int], datetime]:
    """When each person was last nudged in these rounds (one query, not one per person)."""
    if not round_ids:
        return {}
    rows = await session.exec(
        select(Delivery.round_id, Delivery.person_id, func.max(Delivery.due_at))
        .where(col(Delivery.round_id).in_(round_ids), Delivery.kind == DeliveryKind.NUDGE)
        .group_by(Delivery.round_id, Delivery.person_id)
    )
    return {(r, p): at for r, p, at in rows.all()}


async def close_rounds(
    session: AsyncSession, *, survey: Survey, now: datetime, secret: bytes
) -> list[Round]:
    """Close the rounds whose last window has ended and publish their answers, each in one
    transaction with its closed state (a crash leaves it open and sealed, to redo)."""
    closed = list(
        (
            await session.exec(
                select(Round).where(
                    Round.survey_id == survey.id,
                    Round.state == RoundState.OPEN,
                    col(Round.closes_at) <= now,
                )
            )
        ).all()
    )
    sealer = sealer_for(secret)
    for round_ in closed:
        await publish_round(session, survey=survey, round_=round_, sealer=sealer)
        round_.state = RoundState.CLOSED
        session.add(round_)
        await session.commit()
    return closed


async def open_pulse_for(
    session: AsyncSession, *, person_id: int, now: datetime
) -> tuple[Round, Delivery] | None:
    """The person's pulse they can still answer now, if any (latest first)."""
    row = (
        await session.exec(
            select(Round, Delivery)
            .join(Delivery, Delivery.round_id == Round.id)
            .where(
                Delivery.person_id == person_id,
                Delivery.kind == DeliveryKind.PULSE,
                Round.state == RoundState.OPEN,
                col(Delivery.closes_at) > now,
            )
            .order_by(col(Round.slot).desc())
        )
    ).first()
    return (row[0], row[1]) if row else None
