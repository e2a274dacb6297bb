"""The outbox: claim due deliveries, record what happened to each.

A sender claims a batch (state `claimed`, committed), and marks each row `sending` (committed)
just before calling the platform. After a crash, rows still `claimed` never left and go back
to `pending`; the one row per sender left `sending` may have been delivered, turns `unknown`
and is never resent blindly (the next nudge covers it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind, DeliveryState
from bot.models import Delivery, Participation
from bot.ports import MessageRef

STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 3


async def expire(session: AsyncSession, *, now: datetime) -> None:
    """Late rows become `missed`; claims abandoned by a crashed sender become `unknown`;
    pulses and nudges to people who already answered are cancelled."""
    await session.exec(
        update(Delivery)
        .where(
            Delivery.state == DeliveryState.PENDING,
            col(Delivery.closes_at) <= now,
        )
        .values(state=DeliveryState.MISSED)
    )
    await session.exec(
        update(Delivery)
        .where(
            Delivery.state == DeliveryState.CLAIMED,
            col(Delivery.claimed_at) <= now - STALE_CLAIM,
        )
        .values(state=DeliveryState.PENDING, attempts=Delivery.attempts - 1)
    )
    await session.exec(
        update(Delivery)
        .where(
            Delivery.state == DeliveryState.SENDING,
            col(Delivery.claimed_at) <= now - STALE_CLAIM,
        )
        .values(state=DeliveryState.UNKNOWN, last_error="sender stopped mid-send")
    )
    answered = exists().where(
        Participation.round_id == Delivery.round_id, Participation.person_id == Delivery.person_id
    )
    await session.exec(
        update(Delivery)
        .where(
            Delivery.state == DeliveryState.PENDING,
            col(Delivery.kind).in_([DeliveryKind.PULSE, DeliveryKind.NUDGE]),
            answered,
        )
        .values(state=DeliveryState.CANCELLED, last_error="already answered")
    )
    await session.commit()


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, tenant_ids: list[int] | None = None
) -> list[Delivery]:
    """Take up to `limit` due rows for this sender; other replicas skip rows we hold."""
    query = (
        select(Delivery)
        .where(Delivery.state == DeliveryState.PENDING, col(Delivery.due_at) <= now)
        .order_by(col(Delivery.due_at), col(Delivery.id))
        .limit(limit)
    )
    if tenant_ids is not None:
        query = query.where(col(Delivery.tenant_id).in_(tenant_ids))
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.exec(query)).all())
    for row in rows:
        row.state = DeliveryState.CLAIMED
        row.claimed_at = now
        row.attempts += 1
        session.add(row)
    await session.commit()
    return rows


async def mark_sending(session: AsyncSession, *, delivery: Delivery) -> None:
    """Committed before the platform call: from here on a crash leaves the outcome unknown."""
    delivery.state = DeliveryState.SENDING
    session.add(delivery)
    await session.commit()


async def mark_sent(
    session: AsyncSession, *, delivery: Delivery, ref: MessageRef, now: datetime
) -> None:
    delivery.state = DeliveryState.SENT
    delivery.sent_at = now
    delivery.platform = ref.platform
    delivery.message_ref = {"platform": ref.platform, "channel": ref.channel, "id": ref.id}
    delivery.last_error = None
    session.add(delivery)
    await session.commit()


async def mark_failed(
    session: AsyncSession, *, delivery: Delivery, reason: str, retry_at: datetime | None
) -> None:
    """A refused send: back to pending for a retry while attempts remain, else failed."""
    delivery.last_error = reason[:500]
    if retry_at is not None and delivery.attempts < MAX_ATTEMPTS:
        delivery.state = DeliveryState.PENDING
        delivery.due_at = retry_at
    else:
        delivery.state = DeliveryState.FAILED
    session.add(delivery)
    await session.commit()


async def mark_unknown(session: AsyncSession, *, delivery: Delivery, reason: str) -> None:
    delivery.state = DeliveryState.UNKNOWN
    delivery.last_error = reason[:500]
    session.add(delivery)
    await session.commit()


async def defer(session: AsyncSession, *, delivery: Delivery, until: datetime) -> None:
    """Give back a claimed row untouched (rate limit): it does not count as an attempt."""
    delivery.state = DeliveryState.PENDING
    delivery.due_at = until
    delivery.attempts -= 1
    session.add(delivery)
    await session.commit()


async def message_ref(session: AsyncSession, *, round_id: int, person_id: int) -> MessageRef | None:
    """Where the person's pulse for this round was posted, to update it after an answer."""
    row = (
        await session.exec(
            select(Delivery.message_ref).where(
                Delivery.round_id == round_id,
                Delivery.person_id == person_id,
                Delivery.kind == DeliveryKind.PULSE,
            )
        )
    ).first()
    return MessageRef(**row) if row else None
