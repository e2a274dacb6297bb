"""The executives' list of introductions: when, which teams, why, whether it was sent;
never who answered what (the outcome is the digest's counts)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind
from bot.store.models import Delivery, Department, Introduction

MAX_LISTED = 20


@dataclass(frozen=True)
class Listed:
    week: str
    kind: str
    first: str
    second: str
    state: str  # the delivery's: pending | sent | failed | ...


async def introductions(session: AsyncSession, *, tenant_id: int) -> list[Listed]:
    """The latest introductions, newest first."""
    intros = (
        await session.exec(
            select(Introduction)
            .where(Introduction.tenant_id == tenant_id)
            .order_by(col(Introduction.id).desc())
            .limit(MAX_LISTED)
        )
    ).all()
    names = dict(
        (
            await session.exec(
                select(Department.id, Department.name).where(Department.tenant_id == tenant_id)
            )
        ).all()
    )
    keys = [f"intro:{i.id}" for i in intros]
    states = (
        dict(
            (
                await session.exec(
                    select(Delivery.idempotency_key, Delivery.state).where(
                        Delivery.kind == DeliveryKind.INTRO, col(Delivery.idempotency_key).in_(keys)
                    )
                )
            ).all()
        )
        if keys
        else {}
    )
    return [
        Listed(
            i.week,
            i.kind,
            names.get(i.department_a_id, "?"),
            names.get(i.department_b_id, "?"),
            states.get(f"intro:{i.id}", "gone"),
        )
        for i in intros
    ]
