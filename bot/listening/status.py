"""How a tour goes, for `/pulse listen status` and `crosspulse listen status`: never a
department's count, and the tour's own only from the survey's score threshold up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind
from bot.listening.tours import OPEN
from bot.people.tenancy import active_survey
from bot.store.models import Delivery, ListeningAnswer, ListeningSheet, ListeningTour, as_utc


@dataclass(frozen=True)
class TourStatus:
    tour_id: int
    state: str
    departments: tuple[str, ...]
    questions: tuple[str, ...]
    opened_at: datetime
    closes_at: datetime
    invited: int
    answered: int | None  # the tour's count only, never a department's; None below `floor`
    floor: int  # the survey's score threshold: fewer answers than it are not counted out

    def to_json(self) -> dict:
        return {
            "tour": self.tour_id,
            "state": self.state,
            "departments": list(self.departments),
            "questions": list(self.questions),
            "opened_at": self.opened_at.isoformat(),
            "closes_at": self.closes_at.isoformat(),
            "invited": self.invited,
            "answered": self.answered,
            "answered_shown_from": self.floor,
        }


async def tour_status(session: AsyncSession, *, tour: ListeningTour) -> TourStatus:
    invited_count = (
        await session.exec(
            select(func.count()).where(
                col(Delivery.idempotency_key).startswith(f"tour:{tour.id}:"),
                Delivery.kind == DeliveryKind.TOUR,
            )
        )
    ).one()
    if tour.state != OPEN and tour.answered is not None:
        answered = tour.answered  # counted at the close (pooled answers have no person id)
    else:
        if tour.state == OPEN:
            query = select(func.count()).where(ListeningSheet.tour_id == tour.id)
        else:  # closed before 0016: one id per person
            query = select(func.count(func.distinct(ListeningAnswer.sheet))).where(
                ListeningAnswer.tour_id == tour.id
            )
        answered = (await session.exec(query)).one()
    floor = (await active_survey(session, tenant_id=tour.tenant_id)).k_scores
    return TourStatus(
        tour_id=tour.id or 0,
        state=tour.state,
        departments=tuple(tour.departments),
        questions=tuple(q["text"] for q in tour.questions),
        opened_at=as_utc(tour.opened_at),
        closes_at=as_utc(tour.closes_at),
        invited=invited_count,
        answered=answered if answered >= floor else None,
        floor=floor,
    )
