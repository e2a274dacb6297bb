"""A tour's life after its start, run by the scheduler's tick: reminders for who has not
answered, and the close: sealed sheets opened, shuffled and published under the comment
threshold's pooling, the summary owed to the executive. Keyed like everything in the outbox,
so a tick run twice (or on two replicas) does it once."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.anonymity import suppressed_groups
from bot.enums import DeliveryKind, DeliveryState, Role
from bot.listening.sheets import sheet_sealer
from bot.listening.tours import CLOSED, OPEN, tour_of
from bot.people.tenancy import active_survey
from bot.pulse.rounds import nudge_due, queue_nudge
from bot.store import audit
from bot.store.db import insert_unless_present
from bot.store.models import (
    Delivery,
    ListeningAnswer,
    ListeningSheet,
    ListeningTour,
    Person,
    as_utc,
)


async def tick_tours(session: AsyncSession, *, tenant_id: int, now: datetime, secret: bytes) -> int:
    """The scheduler's share: close the tours whose time is up (their summaries owed), then
    remind who has not answered the others; the number of reminders queued. One query a
    tick when no tour is open."""
    tours = (
        await session.exec(
            select(ListeningTour).where(
                ListeningTour.tenant_id == tenant_id, ListeningTour.state == OPEN
            )
        )
    ).all()
    if not tours:
        return 0
    for tour in tours:
        if as_utc(tour.closes_at) <= now:
            await close_tour(session, tour=tour, now=now, secret=secret)
    return await schedule_tour_nudges(session, tenant_id=tenant_id, now=now, secret=secret)


async def schedule_tour_nudges(
    session: AsyncSession, *, tenant_id: int, now: datetime, secret: bytes
) -> int:
    """A nudge for each invited person who has not answered an open tour, as for pulses:
    after the survey's wait, at most its number of nudges, in their working hours."""
    open_tours = set(
        (
            await session.exec(
                select(ListeningTour.id).where(
                    ListeningTour.tenant_id == tenant_id, ListeningTour.state == OPEN
                )
            )
        ).all()
    )
    if not open_tours:  # the usual case: one query a tick
        return 0
    survey = await active_survey(session, tenant_id=tenant_id)
    wait = timedelta(hours=survey.nudge_after_hours)
    rows = (
        await session.exec(
            select(Delivery, Person)
            .join(Person, Person.id == Delivery.person_id)
            .where(
                Delivery.tenant_id == tenant_id,
                Delivery.kind == DeliveryKind.TOUR,
                col(Delivery.state).in_([DeliveryState.SENT, DeliveryState.UNKNOWN]),
                Delivery.nudges_sent < survey.max_nudges,
                col(Delivery.closes_at) > now,
                col(Person.nudges_muted).is_(False),
                col(Person.opted_out).is_(False),
            )
        )
    ).all()
    last_nudges = dict(
        (
            await session.exec(
                select(Delivery.person_id, func.max(Delivery.due_at))
                .where(
                    Delivery.tenant_id == tenant_id,
                    Delivery.kind == DeliveryKind.TOUR_NUDGE,
                    col(Delivery.closes_at) > now,
                )
                .group_by(Delivery.person_id)
            )
        ).all()
    )
    sealer = sheet_sealer(secret)
    due = [
        (intake, sealer.row_id(tour_id=tour_of(intake), salt=person.pseudonym_salt))
        for intake, person in rows
        if tour_of(intake) in open_tours
        and nudge_due(intake, person=person, last=last_nudges.get(person.id), now=now, wait=wait)
    ]
    sheets = [row_id for _intake, row_id in due]
    answered = set(
        (await session.exec(select(ListeningSheet.id).where(col(ListeningSheet.id).in_(sheets))))
        .all()
    )
    queued = 0
    for intake, row_id in due:
        if row_id in answered:
            continue
        key = f"tour_nudge:{tour_of(intake)}"
        queue_nudge(session, reminded=intake, kind=DeliveryKind.TOUR_NUDGE, key=key, now=now)
        queued += 1
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return 0
    return queued


async def close_tour(
    session: AsyncSession, *, tour: ListeningTour, now: datetime, secret: bytes
) -> None:
    """Unseal, shuffle, pool the departments under the comment threshold, write the answers,
    delete the sheets, owe the summary: one transaction.

    Pooling is secondary suppression (`suppressed_groups`): departments under the threshold
    are pooled, and further ones, smallest first, until the pooled answerers are none or at
    least the threshold; so "the answers without a department" are never a small group's.
    A tour that fewer than the threshold answered keeps no answer at all (its summary can
    never show anything; the stored text could only quote a few people).

    A shown department's answers share a random id per person (drawn now); a pooled answer
    gets one of its own, so nothing stored groups a pooled person's answers: one answer that
    gives away a small department would otherwise carry all of that person's others."""
    sealer = sheet_sealer(secret)
    boxes = (
        await session.exec(select(ListeningSheet.box).where(ListeningSheet.tour_id == tour.id))
    ).all()
    sheets = [sealer.unseal(box, tour_id=tour.id) for box in boxes]
    answerers: dict[int, int] = {}
    for sheet in sheets:
        answerers[sheet.department_id] = answerers.get(sheet.department_id, 0) + 1
    kept = sheets if len(sheets) >= tour.k_comments else []
    pooled = suppressed_groups(answerers, k=tour.k_comments)
    rows = []
    for sheet in kept:
        shown = sheet.department_id not in pooled
        person = secrets.token_hex(8)
        for key, text in sheet.answers.items():
            rows.append(
                ListeningAnswer(
                    tenant_id=tour.tenant_id,
                    tour_id=tour.id,
                    week=tour.week,
                    sheet=person if shown else secrets.token_hex(8),
                    department_id=sheet.department_id if shown else None,
                    question=key,
                    text=text,
                )
            )
    random.SystemRandom().shuffle(rows)
    session.add_all(rows)
    await session.exec(delete(ListeningSheet).where(ListeningSheet.tour_id == tour.id))
    tour.state = CLOSED
    tour.answered = len(sheets)
    session.add(tour)
    for person_id in await _summary_readers(session, tour=tour):
        await insert_unless_present(
            session,
            Delivery,
            tenant_id=tour.tenant_id,
            person_id=person_id,
            kind=DeliveryKind.TOUR_SUMMARY,
            idempotency_key=f"tour_sum:{tour.id}:{person_id}",
            week=tour.week,
            due_at=now,
            closes_at=now + timedelta(days=7),
        )
    audit.record(
        session,
        tenant_id=tour.tenant_id,
        actor="scheduler",
        action="listen.closed",
        tour_id=tour.id,
        answered=len(sheets),
    )
    await session.commit()


async def _summary_readers(session: AsyncSession, *, tour: ListeningTour) -> list[int]:
    """The executive who started the tour; every executive when the CLI started it."""
    query = select(Person.id).where(
        Person.tenant_id == tour.tenant_id, Person.role == Role.EXECUTIVE, Person.active
    )
    if tour.started_by is not None:
        query = query.where(Person.id == tour.started_by)
    return list((await session.exec(query.order_by(col(Person.id)))).all())
