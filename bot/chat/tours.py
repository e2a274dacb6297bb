"""The listening tour's messages, built from the database: the executive's form, a person's
intake (and its reminder), and the summary with its dependency map."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.compose import local_text
from bot.chat.templates import listen_form, tour_summary
from bot.chat.templates import tour as tour_template
from bot.enums import DeliveryKind
from bot.listening.chart import dependency_map
from bot.listening.summary import build_summary
from bot.listening.tours import DEFAULT_DAYS, default_questions, question_text, tour_of
from bot.messages import Message
from bot.people.tenancy import active_survey
from bot.store.models import Delivery, Department, ListeningTour, Person


async def form_message(
    session: AsyncSession, *, person: Person, now: datetime
) -> Message:
    departments = (
        await session.exec(
            select(Department.name)
            .where(Department.tenant_id == person.tenant_id)
            .order_by(col(Department.name))
        )
    ).all()
    survey = await active_survey(session, tenant_id=person.tenant_id)
    until = (now.date() + timedelta(days=DEFAULT_DAYS)).isoformat()
    return listen_form.render(
        listen_form.ListenFormData(
            departments=tuple(departments),
            until=until,
            questions=tuple(default_questions()),
            threshold=survey.k_comments,
        )
    )


def intake_message(tour: ListeningTour, *, person: Person, reminder: bool = False) -> Message:
    return tour_template.render(
        tour_template.TourData(
            tour_id=tour.id or 0,
            questions=tuple((q["key"], question_text(q["text"])) for q in tour.questions),
            closes=local_text(tour.closes_at, person.timezone),
            threshold=tour.k_comments,
            reminder=reminder,
        )
    )


async def summary_message(session: AsyncSession, *, tour: ListeningTour) -> Message:
    """LookupError while the tour is open."""
    summary = await build_summary(session, tour=tour)
    return tour_summary.render(
        tour_summary.TourSummaryData(summary=summary, chart=dependency_map(summary))
    )


async def tour_delivery_message(session: AsyncSession, *, delivery: Delivery) -> Message:
    person = await session.get(Person, delivery.person_id)
    tour = await session.get(ListeningTour, tour_of(delivery))
    assert person is not None and tour is not None
    if delivery.kind == DeliveryKind.TOUR_SUMMARY:
        return await summary_message(session, tour=tour)
    return intake_message(tour, person=person, reminder=delivery.kind == DeliveryKind.TOUR_NUDGE)
