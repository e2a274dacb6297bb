"""Whom to introduce: one person per team, rotating so the same people are not always asked.

A candidate is active, has not opted out of pulses (erased people are gone), wants
introductions (`preferences`), and is reachable: their latest delivery of their own did not
fail (conversations and failures caused by the other person of an introduction do not count)
and not every chat account of theirs is marked unreachable. Least recently introduced first (never
introduced before anyone), then by id: deterministic."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.connect.making import PARTNER_GONE
from bot.connect.preferences import choices, leads
from bot.enums import DeliveryKind, DeliveryState
from bot.store.models import ConversationRef, Delivery, Introduction, Person, PlatformIdentity

NEVER = datetime.min


async def candidates(
    session: AsyncSession,
    *,
    tenant_id: int,
    department_ids: Iterable[int] | None = None,
    chosen_only: bool = False,
) -> list[Person]:
    """Everyone who may be introduced, in rotation order (least recently introduced first).
    `chosen_only`: only people who turned introductions on themselves (pairings)."""
    query = select(Person).where(
        Person.tenant_id == tenant_id, Person.active, col(Person.opted_out).is_(False)
    )
    if department_ids is not None:
        query = query.where(col(Person.department_id).in_(list(department_ids)))
    people = list((await session.exec(query)).all())
    ids = [p.id for p in people if p.id is not None]
    chose = await choices(session, person_ids=ids)
    default_on = set() if chosen_only else await leads(session, tenant_id=tenant_id)
    wanting = [
        p
        for p in people
        if chose.get(p.id, p.id in default_on)  # type: ignore[arg-type]
    ]
    unreachable = await _unreachable(session, person_ids=[p.id for p in wanting])  # type: ignore[misc]
    last = await last_introduced(session, person_ids=[p.id for p in wanting])  # type: ignore[misc]
    found = [p for p in wanting if p.id not in unreachable]
    return sorted(found, key=lambda p: (last.get(p.id, NEVER), p.id))  # type: ignore[arg-type]


async def pick(session: AsyncSession, *, tenant_id: int, department_id: int) -> Person | None:
    """The next person of the department to introduce, or None when nobody may be."""
    found = await candidates(session, tenant_id=tenant_id, department_ids=[department_id])
    return found[0] if found else None


async def last_introduced(session: AsyncSession, *, person_ids: list[int]) -> dict[int, datetime]:
    """When each person was last introduced (naive UTC, comparable across databases)."""
    if not person_ids:
        return {}
    out: dict[int, datetime] = {}
    for column in (Introduction.person_a_id, Introduction.person_b_id):
        rows = await session.exec(
            select(column, func.max(Introduction.created_at))
            .where(col(column).in_(person_ids))
            .group_by(column)
        )
        for person_id, at in rows.all():
            at = at.replace(tzinfo=None)
            out[person_id] = max(out.get(person_id, NEVER), at)
    return out


async def _unreachable(session: AsyncSession, *, person_ids: list[int]) -> set[int]:
    """People whose latest delivery of their own failed (no platform reached them), or all of
    whose chat accounts are marked unreachable (blocked or uninstalled the app).

    Their own: not a conversation's (filed under the thread's leader whoever it goes to), not
    an introduction's (one row for two people: it may fail because of the other), and not a
    follow-up withheld because the other person is gone."""
    if not person_ids:
        return set()
    latest = (
        select(Delivery.person_id, func.max(Delivery.id).label("last"))
        .where(
            col(Delivery.person_id).in_(person_ids),
            col(Delivery.kind).not_in([DeliveryKind.CONVERSATION, DeliveryKind.INTRO]),
            or_(col(Delivery.last_error).is_(None), Delivery.last_error != PARTNER_GONE),
        )
        .group_by(Delivery.person_id)
        .subquery()
    )
    failed = await session.exec(
        select(Delivery.person_id)
        .join(latest, latest.c.last == Delivery.id)
        .where(Delivery.state == DeliveryState.FAILED)
    )
    out = set(failed.all())
    accounts = await session.exec(
        select(PlatformIdentity.person_id, ConversationRef.reachable)
        .join(
            ConversationRef,
            (ConversationRef.platform == PlatformIdentity.platform)
            & (ConversationRef.user_id == PlatformIdentity.external_id),
            isouter=True,
        )
        .where(col(PlatformIdentity.person_id).in_(person_ids))
    )
    reachable: dict[int, bool] = {}
    for person_id, ok in accounts.all():
        reachable[person_id] = reachable.get(person_id, False) or ok is None or bool(ok)
    out |= {p for p, ok in reachable.items() if not ok}
    return out
