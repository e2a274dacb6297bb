"""Making an introduction: one row per pair (unique by its reason, so a second click or a
second replica changes nothing) and one outbox row that sends it exactly once; a week after
it was sent, each of the two gets "Did you meet?" through the outbox too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind, DeliveryState
from bot.insights.introductions import ANSWER_WINDOW, answer_open
from bot.pulse.schedule import iso_week
from bot.store.db import insert_unless_present
from bot.store.models import (
    Delivery,
    Department,
    Introduction,
    IntroductionAnswer,
    Person,
    as_utc,
)

SEND_WITHIN = timedelta(days=3)  # an introduction not sent by then is missed, not sent late
FOLLOW_UP_AFTER = timedelta(days=7)
INTRO_KEY = "intro:"
SEQ_ATTEMPTS = 5
# Why an introduction or its follow-up was not sent when the other person is the cause (gone,
# inactive or opted out): not a sign that the recipient cannot be reached (`picking`).
PARTNER_GONE = "one of the two can no longer be introduced"


async def make(
    session: AsyncSession,
    *,
    tenant_id: int,
    reason: str,
    kind: str,
    first: Person,
    second: Person,
    now: datetime,
    requested_by: int | None = None,
    pairing_round: int | None = None,
) -> Introduction | None:
    """Record the introduction and queue it; None when one with this reason exists. The
    caller commits (both rows, or neither)."""
    existing = select(Introduction).where(
        Introduction.tenant_id == tenant_id, Introduction.reason == reason[:300]
    )
    for _ in range(SEQ_ATTEMPTS):
        made = await insert_unless_present(
            session,
            Introduction,
            tenant_id=tenant_id,
            reason=reason[:300],
            kind=kind,
            week=iso_week(now.date()),
            department_a_id=first.department_id,
            department_b_id=second.department_id,
            person_a_id=first.id,
            person_b_id=second.id,
            pairing_round=pairing_round,
            requested_by=requested_by,
            created_at=now,
            seq=_next_seq(tenant_id),
            met=False,
        )
        if made:
            break
        if (await session.exec(existing)).first() is not None:
            return None  # this reason was introduced already
        # Another introduction of the tenant took the same number meanwhile: the next one.
    else:
        raise RuntimeError(f"no introduction number free for tenant {tenant_id}")
    intro = (await session.exec(existing)).one()
    await insert_unless_present(
        session,
        Delivery,
        tenant_id=tenant_id,
        person_id=first.id,
        kind=DeliveryKind.INTRO,
        idempotency_key=f"{INTRO_KEY}{intro.id}",
        week=intro.week,
        due_at=now,
        closes_at=now + SEND_WITHIN,
    )
    return intro


def _next_seq(tenant_id: int):  # type: ignore[no-untyped-def]
    """The tenant's next introduction number, computed by the INSERT itself."""
    return (
        select(func.coalesce(func.max(Introduction.seq), 0) + 1)
        .where(Introduction.tenant_id == tenant_id)
        .scalar_subquery()
    )


def introduction_id(delivery: Delivery) -> int:
    """The introduction an `intro` or `intro_ask` row is for (its idempotency key names it)."""
    return int(delivery.idempotency_key.split(":")[1])


@dataclass(frozen=True)
class Parties:
    intro: Introduction
    first: Person
    second: Person
    first_team: str
    second_team: str


async def parties(session: AsyncSession, *, intro_id: int) -> Parties | None:
    """The introduction and its two people as they are now; None when either is gone
    (erased), inactive or has opted out since: then nothing is sent."""
    intro = await session.get(Introduction, intro_id)
    if intro is None or intro.person_a_id is None or intro.person_b_id is None:
        return None
    first = await session.get(Person, intro.person_a_id)
    second = await session.get(Person, intro.person_b_id)
    if first is None or second is None:
        return None
    if not (first.active and second.active) or first.opted_out or second.opted_out:
        return None
    teams = {
        d.id: d.name
        for d in (
            await session.exec(
                select(Department).where(
                    col(Department.id).in_([first.department_id, second.department_id])
                )
            )
        ).all()
    }
    return Parties(intro, first, second, teams[first.department_id], teams[second.department_id])


async def schedule_asks(session: AsyncSession, *, now: datetime) -> int:
    """Queue "Did you meet?" for both people of every introduction sent a week ago or more
    whose answers are still taken (once each: keyed by introduction and person); the
    question closes with the answer window. Then forget the answers of introductions whose
    window has closed: their outcome is kept on the introduction. Commits."""
    sent = (
        await session.exec(
            select(Delivery.idempotency_key).where(
                Delivery.kind == DeliveryKind.INTRO,
                Delivery.state == DeliveryState.SENT,
                col(Delivery.sent_at) <= now - FOLLOW_UP_AFTER,
                col(Delivery.sent_at) > now - ANSWER_WINDOW,
            )
        )
    ).all()
    ids = [int(key.split(":")[1]) for key in sent]
    intros = (
        await session.exec(select(Introduction).where(col(Introduction.id).in_(ids)))
    ).all()
    queued = 0
    for intro in intros:
        if not answer_open(intro, now):
            continue
        for person_id in (intro.person_a_id, intro.person_b_id):
            if person_id is None:
                continue
            queued += await insert_unless_present(
                session,
                Delivery,
                tenant_id=intro.tenant_id,
                person_id=person_id,
                kind=DeliveryKind.INTRO_ASK,
                idempotency_key=f"intro_ask:{intro.id}:{person_id}",
                week=iso_week(now.date()),
                due_at=now,
                closes_at=as_utc(intro.created_at) + ANSWER_WINDOW,
            )
    closed = select(Introduction.id).where(col(Introduction.created_at) <= now - ANSWER_WINDOW)
    await session.exec(
        delete(IntroductionAnswer).where(col(IntroductionAnswer.introduction_id).in_(closed))
    )
    await session.commit()
    return queued
