"""Build the message a delivery or a reply carries, from the database."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.templates import digest as digest_template
from bot.chat.templates import intro_ask as intro_ask_template
from bot.chat.templates import introduction as introduction_template
from bot.chat.templates import pulse as pulse_template
from bot.connect.making import introduction_id, parties
from bot.enums import DeliveryKind, RoundState
from bot.i18n import format_local_time, use_locale
from bot.insights.charts import digest_chart
from bot.insights.digest import build_digest
from bot.insights.manager_digest import build_manager_digest
from bot.messages import Message
from bot.people.languages import reader_language
from bot.people.org import departments_by_id
from bot.pulse.surveys import Question
from bot.store.models import Delivery, Person, Round, Survey

TOUR_DELIVERIES = (DeliveryKind.TOUR, DeliveryKind.TOUR_NUDGE, DeliveryKind.TOUR_SUMMARY)


def local_text(instant: datetime, timezone: str) -> str:
    """A time as the person reads it: 'Fri 27 Nov, 10:00' in their own timezone and language."""
    return format_local_time(instant.astimezone(ZoneInfo(timezone)))


async def pulse_message(
    session: AsyncSession,
    *,
    person: Person,
    round_: Round,
    delivery: Delivery,
    reminder: bool = False,
) -> Message:
    departments = await departments_by_id(session, tenant_id=person.tenant_id)
    others = tuple(
        sorted(
            ((d, n) for d, n in departments.items() if d != person.department_id),
            key=lambda x: x[1],
        )
    )
    closes = local_text(delivery.closes_at or round_.closes_at, person.timezone)
    return pulse_template.render(
        pulse_template.PulseData(
            round_id=round_.id or 0,
            week=round_.week,
            questions=tuple(Question.from_dict(q) for q in round_.questions),
            other_departments=others,
            closes=closes,
            reminder=reminder,
        )
    )


async def latest_week(session: AsyncSession, *, survey: Survey) -> str | None:
    """The week of the latest closed round. Never an open one: its figures move with each
    answer, and two looks a minute apart would tell what one person said."""
    query = select(Round.week).where(Round.survey_id == survey.id, Round.state == RoundState.CLOSED)
    return (await session.exec(query.order_by(col(Round.slot).desc()))).first()


async def digest_message(
    session: AsyncSession,
    *,
    survey: Survey,
    week: str,
    department: str | None = None,
    details: bool = False,
    chart: bool = True,
) -> Message:
    digest = await build_digest(session, survey=survey, week=week, department=department)
    image = digest_chart(digest) if chart and not details else None
    return digest_template.render(
        digest_template.DigestMessageData(digest=digest, chart=image, details=details)
    )


async def introduction_message(session: AsyncSession, *, delivery: Delivery) -> Message:
    """An `intro` row's message (the same for both people), or an `intro_ask` row's
    question for its person. LookupError when either person can no longer be introduced."""
    found = await parties(session, intro_id=introduction_id(delivery))
    if found is None:
        raise LookupError("one of the two can no longer be introduced")
    if delivery.kind == DeliveryKind.INTRO_ASK:
        other_is_second = delivery.person_id == found.first.id
        other = found.second if other_is_second else found.first
        team = found.second_team if other_is_second else found.first_team
        return intro_ask_template.render(
            intro_ask_template.IntroAskData(found.intro.id or 0, other.name, team)
        )
    return introduction_template.render(
        introduction_template.IntroductionData(
            kind=found.intro.kind,
            first=found.first.name,
            first_team=found.first_team,
            second=found.second.name,
            second_team=found.second_team,
        )
    )


async def manager_digest_message(
    session: AsyncSession, *, survey: Survey, week: str, manager: Person, reports: int
) -> Message:
    """A manager's people's digest (`bot.insights.manager_digest`): figures and trend in
    words, no chart (the silo map and heat map are about departments)."""
    digest = await build_manager_digest(
        session, survey=survey, week=week, manager=manager, reports=reports
    )
    return digest_template.render(digest_template.DigestMessageData(digest=digest))


async def delivery_message(
    session: AsyncSession, *, delivery: Delivery, language: str | None = None
) -> Message:
    """The pulse, nudge or digest a delivery carries, in its recipient's language
    (`language` when the caller already knows it)."""
    person = await session.get(Person, delivery.person_id)
    assert person is not None
    with use_locale(language or await reader_language(session, person)):
        return await _delivery_message(session, delivery=delivery, person=person)


async def _delivery_message(
    session: AsyncSession, *, delivery: Delivery, person: Person
) -> Message:
    if delivery.kind in (DeliveryKind.INTRO, DeliveryKind.INTRO_ASK):
        return await introduction_message(session, delivery=delivery)
    if delivery.kind == DeliveryKind.DIGEST:
        survey = (
            await session.exec(select(Survey).where(Survey.tenant_id == delivery.tenant_id))
        ).first()
        assert survey is not None and delivery.week is not None
        return await digest_message(session, survey=survey, week=delivery.week)
    if delivery.kind in TOUR_DELIVERIES:
        from bot.chat.tours import tour_delivery_message  # it builds on this module

        return await tour_delivery_message(session, delivery=delivery)
    round_ = await session.get(Round, delivery.round_id)
    assert round_ is not None
    pulse = delivery
    if delivery.kind == DeliveryKind.NUDGE:
        pulse = (
            await session.exec(
                select(Delivery).where(
                    Delivery.round_id == delivery.round_id,
                    Delivery.person_id == delivery.person_id,
                    Delivery.kind == DeliveryKind.PULSE,
                )
            )
        ).one()
    return await pulse_message(
        session,
        person=person,
        round_=round_,
        delivery=pulse,
        reminder=delivery.kind == DeliveryKind.NUDGE,
    )
