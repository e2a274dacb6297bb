"""The audit log: what happened, by whom; never a secret or an answer."""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import AuditLog

log = logging.getLogger("crosspulse.audit")


def record(
    session: AsyncSession, *, tenant_id: int | None, actor: str, action: str, **detail: object
) -> None:
    """Add an audit row to the session (committed with the caller's work) and log it."""
    session.add(AuditLog(tenant_id=tenant_id, actor=actor, action=action, detail=dict(detail)))
    log.info("audit %s by %s %s", action, actor, detail)
