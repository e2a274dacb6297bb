""" "Introduce them" on a digest's suggested action: the button names the finding (week,
kind, departments); it is re-checked here against the digest of that week, so a forged value
cannot introduce arbitrary departments, and only an executive or admin of the tenant may
click it. One introduction per finding (its reason is unique), and none for a pair of teams
introduced within REPEAT_WITHIN."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.connect.making import make
from bot.connect.picking import pick
from bot.insights.access import is_leader
from bot.insights.digest import build_digest
from bot.insights.introductions import KINDS, Offer, parse_offer
from bot.people.tenancy import active_survey
from bot.store.models import Department, Introduction, Person

REPEAT_WITHIN = timedelta(days=28)


@dataclass(frozen=True)
class Outcome:
    """What happened: `made` True when queued; else `problem` says why, for the clicker."""

    made: bool
    problem: str = ""  # refused | forged | stale | repeat | nobody
    first: str = ""  # the teams
    second: str = ""
    detail: str = ""


async def introduce_for_finding(
    session: AsyncSession, *, person: Person, value: str, now: datetime
) -> Outcome:
    """Introduce one person of each of the finding's teams; the caller commits."""
    if not is_leader(person):
        return Outcome(False, "refused")
    parsed = parse_offer(value)
    if parsed is None:
        return Outcome(False, "forged")
    week, offer = parsed
    survey = await active_survey(session, tenant_id=person.tenant_id)
    try:
        digest = await build_digest(session, survey=survey, week=week)
    except (LookupError, ValueError):
        return Outcome(False, "forged")
    if offer not in digest.offers:
        return Outcome(False, "stale", offer.subject, offer.other)
    teams = await _departments(session, tenant_id=person.tenant_id, offer=offer)
    if teams is None:
        return Outcome(False, "stale", offer.subject, offer.other)
    first_team, second_team = teams
    if await _recent(session, tenant_id=person.tenant_id, teams=teams, now=now):
        return Outcome(False, "repeat", offer.subject, offer.other)
    first = await pick(session, tenant_id=person.tenant_id, department_id=first_team.id)  # type: ignore[arg-type]
    second = await pick(session, tenant_id=person.tenant_id, department_id=second_team.id)  # type: ignore[arg-type]
    if first is None or second is None:
        missing = first_team.name if first is None else second_team.name
        return Outcome(False, "nobody", offer.subject, offer.other, missing)
    intro = await make(
        session,
        tenant_id=person.tenant_id,
        reason=f"finding:{week}:{offer.kind}:{first_team.id}:{second_team.id}",
        kind=offer.kind,
        first=first,
        second=second,
        now=now,
        requested_by=person.id,
    )
    if intro is None:
        return Outcome(False, "repeat", offer.subject, offer.other)
    return Outcome(True, "", offer.subject, offer.other)


async def _departments(
    session: AsyncSession, *, tenant_id: int, offer: Offer
) -> tuple[Department, Department] | None:
    rows = (
        await session.exec(
            select(Department).where(
                Department.tenant_id == tenant_id,
                col(Department.name).in_([offer.subject, offer.other]),
            )
        )
    ).all()
    by_name = {d.name: d for d in rows}
    if offer.subject not in by_name or offer.other not in by_name or offer.subject == offer.other:
        return None
    return by_name[offer.subject], by_name[offer.other]


async def _recent(
    session: AsyncSession, *, tenant_id: int, teams: tuple[Department, Department], now: datetime
) -> bool:
    """A finding's introduction of the same two teams, either way round, within REPEAT_WITHIN."""
    a, b = teams[0].id, teams[1].id
    rows = await session.exec(
        select(Introduction.created_at).where(
            Introduction.tenant_id == tenant_id,
            col(Introduction.kind).in_(KINDS),
            ((Introduction.department_a_id == a) & (Introduction.department_b_id == b))
            | ((Introduction.department_a_id == b) & (Introduction.department_b_id == a)),
        )
    )
    cutoff = (now - REPEAT_WITHIN).replace(tzinfo=None)
    return any(at.replace(tzinfo=None) > cutoff for at in rows.all())
