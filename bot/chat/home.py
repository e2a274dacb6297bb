"""Assemble the home view: the person's status, plus the organisation for admins and the
latest digest's headline for leaders (through the digest, so through the anonymity rules)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.admin import status_section
from bot.chat.compose import latest_week
from bot.chat.personal import status_data
from bot.chat.templates import home
from bot.enums import Role
from bot.insights.access import is_leader
from bot.insights.digest import build_digest
from bot.messages import Fact, Message
from bot.people.tenancy import active_survey
from bot.pulse.settings import WEEKDAYS
from bot.store.models import Person


async def home_view(session: AsyncSession, *, person: Person, now: datetime) -> Message:
    survey = await active_survey(session, tenant_id=person.tenant_id)
    status = await status_data(session, person=person, now=now)
    org_facts: tuple[Fact, ...] = ()
    admin_status = None
    digest_facts: tuple[Fact, ...] = ()
    leader = is_leader(person)
    week = await latest_week(session, survey=survey) if leader else None
    digest = await build_digest(session, survey=survey, week=week) if week else None
    if person.role == Role.ADMIN:
        people, opted_out = (
            await session.exec(
                select(
                    func.count(),
                    func.sum(func.cast(col(Person.opted_out), type_=func.count().type)),
                ).where(Person.tenant_id == person.tenant_id, col(Person.active).is_(True))
            )
        ).one()
        rate = "—"
        if digest and not digest.suppressed and digest.response_rate is not None:
            rate = f"{digest.response_rate:.0f}% answered ({digest.week})"
        org_facts = (
            Fact("People", f"{people} ({int(opted_out or 0)} opted out)"),
            Fact("Latest round", rate),
            Fact(
                "Schedule",
                f"{survey.cadence}, {WEEKDAYS[survey.weekday]} "
                f"{survey.local_time} local, open {survey.window_days} days",
            ),
            Fact("Anonymity", f"scores {survey.k_scores}+, comments {survey.k_comments}+"),
        )
        admin_status = await status_section(session, person=person, now=now)
    if digest is not None:
        if digest.suppressed:
            digest_facts = (
                Fact("Week", digest.week),
                Fact("Figures", f"withheld: fewer than {digest.threshold} answers"),
            )
        else:
            engagement = "—" if digest.engagement is None else f"{digest.engagement:.0f}/100"
            digest_facts = (
                Fact("Week", digest.week),
                Fact("Engagement", engagement),
                Fact("Islands", ", ".join(digest.isolated) or "none"),
                Fact(
                    "Flagged",
                    "; ".join(f"{c.subject} {c.metric} {c.delta:+.0f}" for c in digest.changes)
                    or "nothing beyond noise",
                ),
            )
    return home.render(
        home.HomeData(
            status=status,
            name=person.name,
            org_facts=org_facts,
            admin_status=admin_status,
            digest_facts=digest_facts,
        )
    )
