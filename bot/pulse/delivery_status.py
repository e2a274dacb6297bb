"""How the last round went, for admins: the pulses sent, failed, in doubt and waiting, who
could not be reached and why (in words), and how many answered so far. Never what anyone
answered; the answered count is shown only once it reaches the anonymity threshold."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind, DeliveryState
from bot.i18n import N_, _
from bot.store.models import Delivery, Participation, Person, Round, Survey

UNROUTED = "no configured platform reaches this person"
# Error codes and phrases the platforms report, in the words an admin acts on.
REASONS = (
    (UNROUTED, N_("no chat account linked (add their account id to the import)")),
    ("user_not_found", N_("not in the workspace")),
    ("account_inactive", N_("deactivated in the workspace")),
    ("user_disabled", N_("deactivated in the workspace")),
    ("channel_not_found", N_("no direct message possible")),
    ("cannot_dm_bot", N_("no direct message possible")),
    ("blocked or removed", N_("removed the app or blocked the bot")),
    ("account known", N_("no chat account linked on that platform")),
    ("rate limit", N_("rate limited; retried later")),
    ("no answer", N_("the platform did not confirm the message")),
)
SHOWN_PEOPLE = 10  # unreachable people named; the rest are counted


@dataclass(frozen=True)
class RoundStatus:
    week: str | None  # None: no round yet
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    waiting: int = 0  # pending, claimed or sending
    unreachable: tuple[tuple[str, str], ...] = ()  # (name, reason in words)
    unreachable_more: int = 0
    enrolled: int = 0
    answered: int | None = None  # None: fewer than the threshold, not shown
    threshold: int = 5


def in_words(reason: str | None) -> str:
    text = (reason or "").lower()
    for needle, words in REASONS:
        if needle.lower() in text:
            return _(words)
    return (reason or _("unknown error"))[:120]


async def last_round_status(session: AsyncSession, *, survey: Survey) -> RoundStatus:
    round_ = (
        await session.exec(
            select(Round)
            .where(Round.survey_id == survey.id)
            .order_by(col(Round.opened_at).desc(), col(Round.id).desc())
        )
    ).first()
    if round_ is None:
        return RoundStatus(week=None, threshold=survey.k_scores)
    rows = (
        await session.exec(
            select(Delivery.state, Delivery.last_error, Person.name)
            .join(Person, col(Person.id) == Delivery.person_id)
            .where(Delivery.round_id == round_.id, Delivery.kind == DeliveryKind.PULSE)
            .order_by(Person.name)
        )
    ).all()
    states = Counter(state for state, _, _ in rows)
    failed = [
        (name, in_words(error)) for state, error, name in rows if state == DeliveryState.FAILED
    ]
    answered = (
        await session.exec(
            select(func.count())
            .select_from(Participation)
            .where(Participation.round_id == round_.id)
        )
    ).one()
    waiting = sum(
        states[s] for s in (DeliveryState.PENDING, DeliveryState.CLAIMED, DeliveryState.SENDING)
    )
    return RoundStatus(
        week=round_.week,
        sent=states[DeliveryState.SENT],
        failed=len(failed),
        unknown=states[DeliveryState.UNKNOWN],
        waiting=waiting,
        unreachable=tuple(failed[:SHOWN_PEOPLE]),
        unreachable_more=max(0, len(failed) - SHOWN_PEOPLE),
        enrolled=len(rows),
        answered=answered if answered >= survey.k_scores else None,
        threshold=survey.k_scores,
    )
