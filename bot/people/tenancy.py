"""The tenant and its survey: a fresh installation gets both with sensible defaults."""

from __future__ import annotations

from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import Survey, Tenant


async def default_tenant(session: AsyncSession, *, today: date) -> Tenant:
    """The first tenant, created with the default weekly pulse when there is none yet."""
    tenant = (await session.exec(select(Tenant).order_by(Tenant.id))).first()
    if tenant is not None:
        return tenant
    tenant = Tenant(name="Our company")
    session.add(tenant)
    await session.flush()
    session.add(Survey(tenant_id=tenant.id, starts_on=today))
    await session.flush()
    return tenant


async def active_survey(session: AsyncSession, *, tenant_id: int) -> Survey:
    survey = (
        await session.exec(select(Survey).where(Survey.tenant_id == tenant_id).order_by(Survey.id))
    ).first()
    if survey is None:
        raise LookupError(f"tenant {tenant_id} has no survey")
    return survey
