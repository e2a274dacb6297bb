"""The outbox: claim due deliveries, record what happened to each.

A sender claims a batch (state `claimed`, committed), and marks each row `sending` (committed)
just before calling the platform. After a crash, rows still `claimed` never left and go back
to `pending`; the one row per sender left `sending` may have been delivered, turns `unknown`
and is never resent blindly (the next nudge covers it). On PostgreSQL every replica sends:
claims carry their sender's id, whose advisory lock (`scheduler/lease.py`) is held as long as
that sender lives, so only the claims of senders that are gone are released.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    bindparam,
    cast,
    column,
    delete,
    exists,
    func,
    or_,
    table,
    update,
)
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind, DeliveryState
from bot.ports import MessageRef
from bot.store.models import Delivery, Participation, SendBudget

STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 3
BUDGET_IDLE = timedelta(hours=1)  # a send budget row unused this long is a full bucket
SENDER_LOCK_CLASS = 0x43505344  # "CPSD": pg_try_advisory_lock(SENDER_LOCK_CLASS, sender id)


async def expire(session: AsyncSession, *, now: datetime) -> None:
    """Late rows become `missed`; claims abandoned by a crashed sender become `unknown`;
    pulses and nudges to people who already answered are cancelled; idle send budgets go."""
    await session.exec(
        update(Delivery)
        .where(
            Delivery.state == DeliveryState.PENDING,
            col(Delivery.closes_at) <= now,
        )
        .values(state=DeliveryState.MISSED)
    )
    await _release_claims(session, claimed_before=now - STALE_CLAIM)
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
    # Budget rows of chats and workspaces idle for an hour hold nothing a new row would not
    # (a full bucket, no pause): without this, one row per chat would pile up.
    idle = now - BUDGET_IDLE
    await session.exec(
        delete(SendBudget).where(
            or_(col(SendBudget.ready_at).is_(None), col(SendBudget.ready_at) < idle),
            or_(col(SendBudget.paused_until).is_(None), col(SendBudget.paused_until) < idle),
        )
    )
    await session.commit()


async def recover_abandoned(session: AsyncSession) -> tuple[int, int]:
    """Called by a new scheduler leader, at once rather than after STALE_CLAIM: the claims
    of senders that are gone (SQLite: all of them, one process sends; PostgreSQL: those whose
    sender no longer holds its lock, while live replicas keep theirs). Claimed rows never
    left and go back to pending; rows left `sending` may have been delivered and become
    unknown. Returns both counts."""
    counts = await _release_claims(session, claimed_before=None)
    await session.commit()
    return counts


def _sender_gone(session: AsyncSession, *, unowned: bool) -> ColumnElement[bool] | None:
    """PostgreSQL: the claim's sender holds no lock in this database (its process or
    connection is gone); `unowned`: claims with no sender count as gone too (a new leader's
    view: they were made by a single sender before this one). None on SQLite."""
    if session.bind.dialect.name != "postgresql":  # type: ignore[union-attr]
        return None
    locks = table(
        "pg_locks", *(column(n) for n in ("locktype", "classid", "objid", "objsubid", "granted"))
    )
    locks.append_column(column("database"))
    databases = table("pg_database", column("oid"), column("datname"))
    live = select(cast(locks.c.objid, BigInteger)).where(
        locks.c.locktype == "advisory",
        cast(locks.c.classid, BigInteger) == SENDER_LOCK_CLASS,
        locks.c.objsubid == 2,  # the two-key form of the lock
        locks.c.granted,
        locks.c.database
        == select(databases.c.oid)
        .where(databases.c.datname == func.current_database())
        .scalar_subquery(),
    )
    owner = col(Delivery.claimed_by)
    if unowned:
        return or_(owner.is_(None), owner.not_in(live))
    return and_(owner.is_not(None), owner.not_in(live))  # NULL NOT IN (empty set) is true


async def _release_claims(
    session: AsyncSession, *, claimed_before: datetime | None
) -> tuple[int, int]:
    """Claims of senders that stopped: those of senders gone (PostgreSQL) or, SQLite, all of
    them; with `claimed_before`, also any older than that (a sender stuck that long; its
    `mark_sending` then finds the claim gone and does not send): `claimed` rows never left
    and go back to pending; `sending` ones become unknown."""
    gone = _sender_gone(session, unowned=claimed_before is None)

    def abandoned(state: DeliveryState):  # type: ignore[no-untyped-def]
        query = update(Delivery).where(Delivery.state == state)
        stale = None if claimed_before is None else col(Delivery.claimed_at) <= claimed_before
        if gone is not None:
            return query.where(gone if stale is None else or_(gone, stale))
        return query if stale is None else query.where(stale)

    requeued = await session.exec(
        abandoned(DeliveryState.CLAIMED).values(
            state=DeliveryState.PENDING, attempts=Delivery.attempts - 1
        )
    )
    in_doubt = await session.exec(
        abandoned(DeliveryState.SENDING).values(
            state=DeliveryState.UNKNOWN, last_error="sender stopped mid-send"
        )
    )
    return requeued.rowcount, in_doubt.rowcount


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    tenant_ids: list[int] | None = None,
    due_by: datetime | None = None,
    owner: int | None = None,
) -> list[Delivery]:
    """Take up to `limit` rows due by `due_by` (default `now`) for this sender (`owner`: its
    lease id on PostgreSQL); other replicas skip rows we hold."""
    query = (
        select(Delivery)
        .where(
            Delivery.state == DeliveryState.PENDING,
            col(Delivery.due_at) <= (due_by or now),
            # Past its window: the leader's next `expire` makes it missed; never sent late by
            # a replica that drains between the leader's ticks.
            or_(col(Delivery.closes_at).is_(None), col(Delivery.closes_at) > now),
        )
        .order_by(col(Delivery.due_at), col(Delivery.id))
        .limit(limit)
    )
    if tenant_ids is not None:
        query = query.where(col(Delivery.tenant_id).in_(tenant_ids))
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        query = query.with_for_update(skip_locked=True)
    candidates = list((await session.exec(query.with_only_columns(Delivery.id))).all())
    if not candidates:
        await session.commit()
        return []
    # Guarded on state: on SQLite the SELECT takes no lock, so another sender may have
    # claimed some of these rows since; only the rows this UPDATE moved are ours.
    claimed = (
        await session.exec(
            update(Delivery)
            .where(col(Delivery.id).in_(candidates), Delivery.state == DeliveryState.PENDING)
            .values(
                state=DeliveryState.CLAIMED,
                claimed_at=now,
                claimed_by=owner,
                attempts=Delivery.attempts + 1,
            )
            .returning(Delivery.id)
        )
    ).all()
    await session.commit()
    ours = {row[0] for row in claimed}
    rows = (
        await session.exec(
            select(Delivery)
            .where(col(Delivery.id).in_(ours))
            .execution_options(populate_existing=True)
        )
    ).all()
    return sorted(rows, key=lambda row: (row.due_at, row.id))


async def mark_sending(session: AsyncSession, *, delivery: Delivery) -> bool:
    """Committed before the platform call: from here on a crash leaves the outcome unknown.

    False when the claim is no longer ours (a later sender took the row over after our claim
    went stale): the caller must not send it.
    """
    return bool(await mark_sending_many(session, deliveries=[delivery]))


async def mark_sending_many(session: AsyncSession, *, deliveries: list[Delivery]) -> list[Delivery]:
    """`mark_sending` for a group sent together, in one commit: the rows still ours, which
    alone may be sent. A crash after it leaves the whole group in doubt, so a group is never
    larger than the sends a scope has in flight."""
    table = Delivery.__table__  # type: ignore[attr-defined]
    by_claim: dict[tuple, list[Delivery]] = {}
    for delivery in deliveries:
        by_claim.setdefault((delivery.claimed_at, delivery.claimed_by), []).append(delivery)
    moved: set[int] = set()
    for (claimed_at, claimed_by), rows in by_claim.items():
        result = await session.exec(
            update(table)
            .where(
                table.c.id.in_([row.id for row in rows]),
                table.c.state == DeliveryState.CLAIMED,
                table.c.claimed_at == claimed_at,
                table.c.claimed_by.is_not_distinct_from(claimed_by),
            )
            .values(state=DeliveryState.SENDING)
            .returning(table.c.id)
        )
        moved.update(row[0] for row in result.all())
    await session.commit()
    ours = [d for d in deliveries if d.id in moved]
    for delivery in ours:
        delivery.state = DeliveryState.SENDING
    return ours


Change = tuple[Delivery, dict[str, object]]


async def record(session: AsyncSession, changes: list[Change]) -> None:
    """Apply what happened to a group of rows in one commit: one UPDATE by id per row,
    batched (executemany) when rows change the same columns, as a group's sends mostly do.
    Safe to repeat in a fresh session after the connection dropped."""
    table = Delivery.__table__  # type: ignore[attr-defined]  # Core: no ORM bookkeeping
    by_columns: dict[tuple[str, ...], list[Change]] = {}
    for delivery, values in changes:
        by_columns.setdefault(tuple(sorted(values)), []).append((delivery, values))
    for columns, rows in by_columns.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}", type_=table.c[name].type) for name in columns})
        )
        params = [
            {"row_id": delivery.id, **{f"new_{k}": v for k, v in values.items()}}
            for delivery, values in rows
        ]
        await (await session.connection()).execute(statement, params)
    await session.commit()
    for delivery, values in changes:
        for name, value in values.items():
            setattr(delivery, name, value)


def sent(ref: MessageRef, *, now: datetime) -> dict[str, object]:
    return {
        "state": DeliveryState.SENT,
        "sent_at": now,
        "platform": ref.platform,
        "message_ref": asdict(ref),
        "last_error": None,
    }


def failed(delivery: Delivery, *, reason: str, retry_at: datetime | None) -> dict[str, object]:
    """A refused send: back to pending for a retry while attempts remain, else failed."""
    if retrying(delivery, retry_at=retry_at):
        return {"state": DeliveryState.PENDING, "due_at": retry_at, "last_error": reason[:500]}
    return {"state": DeliveryState.FAILED, "last_error": reason[:500]}


def retrying(delivery: Delivery, *, retry_at: datetime | None) -> bool:
    return retry_at is not None and delivery.attempts < MAX_ATTEMPTS


def unknown(reason: str) -> dict[str, object]:
    return {"state": DeliveryState.UNKNOWN, "last_error": reason[:500]}


def deferred(delivery: Delivery, *, until: datetime) -> dict[str, object]:
    """Given back untouched (rate limit): it does not count as an attempt."""
    return {"state": DeliveryState.PENDING, "due_at": until, "attempts": delivery.attempts - 1}


async def mark_sent(
    session: AsyncSession, *, delivery: Delivery, ref: MessageRef, now: datetime
) -> None:
    await record(session, [(delivery, sent(ref, now=now))])


async def mark_failed(
    session: AsyncSession, *, delivery: Delivery, reason: str, retry_at: datetime | None
) -> bool:
    """A refused send: back to pending for a retry while attempts remain, else failed.
    True when it will be tried again."""
    will_retry = retrying(delivery, retry_at=retry_at)
    await record(session, [(delivery, failed(delivery, reason=reason, retry_at=retry_at))])
    return will_retry


async def mark_unknown(session: AsyncSession, *, delivery: Delivery, reason: str) -> None:
    await record(session, [(delivery, unknown(reason))])


async def defer(session: AsyncSession, *, delivery: Delivery, until: datetime) -> None:
    """Give back a claimed row untouched (rate limit): it does not count as an attempt."""
    await record(session, [(delivery, deferred(delivery, until=until))])


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
