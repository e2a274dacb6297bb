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
from bot.chat.templates.digest import METRICS
from bot.enums import Role
from bot.i18n import N_, _, format_signed, format_week
from bot.insights.access import is_leader
from bot.insights.digest import build_digest
from bot.messages import Fact, Message
from bot.people.tenancy import active_survey
from bot.pulse.settings import WEEKDAYS
from bot.store.models import Person

# Words the schedule fact shows, marked for the catalogs (the settings keep them in English).
SCHEDULE_WORDS = (
    N_("weekly"),
    N_("biweekly"),
    N_("monthly"),
    N_("mon"),
    N_("tue"),
    N_("wed"),
    N_("thu"),
    N_("fri"),
    N_("sat"),
    N_("sun"),
)


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
            rate = _("{rate}% answered ({week})").format(
                rate=f"{digest.response_rate:.0f}", week=format_week(digest.week)
            )
        org_facts = (
            Fact(
                _("People"),
                _("{people} ({opted_out} opted out)").format(
                    people=people, opted_out=int(opted_out or 0)
                ),
            ),
            Fact(_("Latest round"), rate),
            Fact(
                _("Schedule"),
                _("{cadence}, {weekday} {time} local, open {days} days").format(
                    cadence=_(survey.cadence),
                    weekday=_(WEEKDAYS[survey.weekday]),
                    time=survey.local_time,
                    days=survey.window_days,
                ),
            ),
            Fact(
                _("Anonymity"),
                _("scores {k}+, comments {k_comments}+").format(
                    k=survey.k_scores, k_comments=survey.k_comments
                ),
            ),
        )
        admin_status = await status_section(session, person=person, now=now)
    if digest is not None:
        if digest.suppressed:
            digest_facts = (
                Fact(_("Week"), format_week(digest.week)),
                Fact(
                    _("Figures"),
                    _("withheld: fewer than {k} answers").format(k=digest.threshold),
                ),
            )
        else:
            engagement = (
                "—"
                if digest.engagement is None
                else _("{score}/100").format(score=f"{digest.engagement:.0f}")
            )
            digest_facts = (
                Fact(_("Week"), format_week(digest.week)),
                Fact(_("Engagement"), engagement),
                Fact(_("Islands"), ", ".join(digest.isolated) or _("none")),
                Fact(
                    _("Flagged"),
                    "; ".join(
                        f"{c.subject} {_(METRICS.get(c.metric, c.metric))} "
                        f"{format_signed(c.delta, 0)}"
                        for c in digest.changes
                    )
                    or _("nothing beyond noise"),
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
