"""A person's own view: last check-in, streak, next pulse, their department's trend."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.compose import latest_week, local_text
from bot.chat.templates.status import StatusData
from bot.i18n import _
from bot.insights.digest import engagement_trend
from bot.people.org import departments_by_id
from bot.people.tenancy import active_survey
from bot.pulse.schedule import next_local, parse_hhmm
from bot.store.models import Department, Participation, Person, Round, Survey


async def next_pulse(session: AsyncSession, *, person: Person, now: datetime) -> str:
    survey = await active_survey(session, tenant_id=person.tenant_id)
    instant = next_local(
        now, weekday=survey.weekday, at=parse_hhmm(survey.local_time), timezone=person.timezone
    )
    return _("on {when} your time").format(when=local_text(instant, person.timezone))


async def next_pulse_time(session: AsyncSession, *, person: Person, now: datetime) -> str:
    """The next pulse as a status line shows it: 'Tue 1 Dec, 10:00 your time'."""
    survey = await active_survey(session, tenant_id=person.tenant_id)
    instant = next_local(
        now, weekday=survey.weekday, at=parse_hhmm(survey.local_time), timezone=person.timezone
    )
    return _("{when} your time").format(when=local_text(instant, person.timezone))


async def streak(session: AsyncSession, *, person: Person, survey_id: int | None = None) -> int:
    """Consecutive rounds answered, counting back from the latest answered one. `survey_id`
    when the caller knows it (the round just answered), saving a query."""
    if survey_id is None:
        survey_id = (await active_survey(session, tenant_id=person.tenant_id)).id
    rounds = (
        await session.exec(
            select(Round.id).where(Round.survey_id == survey_id).order_by(col(Round.slot).desc())
        )
    ).all()
    answered = set(
        (
            await session.exec(
                select(Participation.round_id).where(Participation.person_id == person.id)
            )
        ).all()
    )
    count, started = 0, False
    for round_id in rounds:
        if round_id in answered:
            count, started = count + 1, True
        elif started:
            break
    return count


async def department_trend(
    session: AsyncSession, *, survey: Survey, department_id: int, now: datetime
) -> tuple | None:
    """Four weeks of the department's engagement, through the digest's anonymity rules;
    None when it never met the threshold."""
    week = await latest_week(session, survey=survey)
    if week is None:
        return None
    names = await departments_by_id(session, tenant_id=survey.tenant_id)
    trend = await engagement_trend(
        session, survey=survey, week=week, scope_id=department_id, k=survey.k_scores, names=names
    )
    return trend if any(v is not None for _, v in trend) else None


async def status_data(session: AsyncSession, *, person: Person, now: datetime) -> StatusData:
    survey = await active_survey(session, tenant_id=person.tenant_id)
    last = (
        await session.exec(
            select(Participation.week)
            .join(Round, Round.id == Participation.round_id)
            .where(Participation.person_id == person.id)
            .order_by(col(Round.slot).desc())
        )
    ).first()
    department = await session.get(Department, person.department_id)
    return StatusData(
        last_checkin=last,
        streak=await streak(session, person=person),
        next_pulse=await next_pulse_time(session, person=person, now=now),
        opted_out=person.opted_out,
        department=department.name if department else "",
        department_trend=await department_trend(
            session, survey=survey, department_id=person.department_id, now=now
        ),
        threshold=survey.k_scores,
    )
