"""Everything due at one instant: `crosspulse tick --at` and the serve loop call `tick`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.compose import delivery_message
from bot.db import Database
from bot.dedupe import prune
from bot.enums import DeliveryKind, Role
from bot.messages import Message
from bot.models import Delivery, Person, Round, Survey
from bot.outbox import (
    claim_due,
    defer,
    expire,
    mark_failed,
    mark_sending,
    mark_sent,
    mark_unknown,
)
from bot.ports import ChatPort, OutcomeUnknown, Recipient, SendError
from bot.privacy import enforce_retention
from bot.rounds import close_rounds, enrol, open_due_rounds, schedule_nudges
from bot.schedule import iso_week, local_instant, parse_hhmm, week_monday

log = logging.getLogger("crosspulse.scheduler")
BATCH = 100
DIGEST_GRACE = timedelta(days=2)  # a digest more than two days late is not worth sending


@dataclass
class TickReport:
    opened: int = 0
    enrolled: int = 0
    nudges: int = 0
    digests: int = 0
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    deferred: int = 0
    unreachable: int = 0
    closed: int = 0
    retention_deleted: int = 0
    errors: list[str] = field(default_factory=list)


def route(ports: dict[str, ChatPort], recipient: Recipient) -> ChatPort | None:
    """The first configured platform that can reach the person."""
    for port in ports.values():
        if port.can_reach(recipient):
            return port
    return None


async def tick(db: Database, *, now: datetime, ports: dict[str, ChatPort]) -> TickReport:
    """Run all scheduler work due at `now` once: idempotent, safe to repeat or run twice."""
    report = TickReport()
    async with db.session() as session:
        surveys = (await session.exec(select(Survey).where(Survey.active))).all()
        for survey_id in [s.id for s in surveys]:
            # Re-read each time: a replica winning a race rolls our session back, which
            # expires every object loaded before.
            survey = await session.get(Survey, survey_id, populate_existing=True)
            before = {
                r.id
                for r in (
                    await session.exec(select(Round).where(Round.survey_id == survey.id))
                ).all()
            }
            open_ids = [r.id for r in await open_due_rounds(session, survey=survey, now=now)]
            for round_id in open_ids:
                round_ = await session.get(Round, round_id, populate_existing=True)
                survey = await session.get(Survey, survey_id, populate_existing=True)
                report.opened += round_id not in before
                report.enrolled += await enrol(session, survey=survey, round_=round_, now=now)
                survey = await session.get(Survey, survey_id, populate_existing=True)
            report.nudges += await schedule_nudges(session, survey=survey, now=now)
            survey = await session.get(Survey, survey_id, populate_existing=True)
            report.digests += await schedule_digests(session, survey=survey, now=now)
        await expire(session, now=now)
    await prune(db, now=now)
    await send_due(db, now=now, ports=ports, report=report)
    async with db.session() as session:
        for survey in (await session.exec(select(Survey).where(Survey.active))).all():
            report.closed += len(await close_rounds(session, survey=survey, now=now))
            report.retention_deleted += await enforce_retention(
                session, tenant_id=survey.tenant_id, weeks=survey.retention_weeks, now=now
            )
    return report


async def schedule_digests(session: AsyncSession, *, survey: Survey, now: datetime) -> int:
    """Queue last week's digest for each executive at their local digest time."""
    week = iso_week((now - timedelta(days=7)).date())
    has_round = (
        await session.exec(select(Round.id).where(Round.survey_id == survey.id, Round.week == week))
    ).first()
    if has_round is None:
        return 0
    day = week_monday(week) + timedelta(days=7 + survey.digest_weekday)
    executives = (
        await session.exec(
            select(Person).where(
                Person.tenant_id == survey.tenant_id,
                Person.role == Role.EXECUTIVE,
                Person.active,
            )
        )
    ).all()
    queued = 0
    for person in executives:
        due = local_instant(day, parse_hhmm(survey.digest_time), person.timezone)
        if not due <= now < due + DIGEST_GRACE:
            continue
        try:
            async with session.begin_nested():
                session.add(
                    Delivery(
                        tenant_id=survey.tenant_id,
                        person_id=person.id,
                        kind=DeliveryKind.DIGEST,
                        idempotency_key=f"digest:{week}:{person.id}",
                        week=week,
                        due_at=due,
                        closes_at=due + DIGEST_GRACE,
                    )
                )
            queued += 1
        except IntegrityError:
            continue  # already queued
    await session.commit()
    return queued


async def send_due(
    db: Database, *, now: datetime, ports: dict[str, ChatPort], report: TickReport
) -> None:
    """Drain the due outbox through the chat ports, one claimed batch at a time."""
    paused: dict[str, datetime] = {}
    cache: dict[tuple[str, str | None], Message] = {}
    while True:
        async with db.session() as session:
            batch = await claim_due(session, now=now, limit=BATCH)
            if not batch:
                return
            for delivery in batch:
                await _send_one(
                    session,
                    delivery,
                    now=now,
                    ports=ports,
                    report=report,
                    paused=paused,
                    cache=cache,
                )


async def _send_one(
    session: AsyncSession,
    delivery: Delivery,
    *,
    now: datetime,
    ports: dict[str, ChatPort],
    report: TickReport,
    paused: dict[str, datetime],
    cache: dict,
) -> None:
    person = await session.get(Person, delivery.person_id)
    recipient = Recipient(
        person_id=person.id,
        email=person.email,
        name=person.name,
        slack_user_id=person.slack_user_id,
        teams_user_id=person.teams_user_id,
    )
    port = route(ports, recipient)
    if port is None:
        report.unreachable += 1
        await mark_failed(
            session,
            delivery=delivery,
            reason="no configured platform reaches this person",
            retry_at=None,
        )
        return
    if port.platform in paused:
        report.deferred += 1
        await defer(session, delivery=delivery, until=paused[port.platform])
        return
    key = (delivery.kind, delivery.week)
    message = cache.get(key) if delivery.kind == DeliveryKind.DIGEST else None
    if message is None:
        message = await delivery_message(session, delivery=delivery)
        if delivery.kind == DeliveryKind.DIGEST:
            cache[key] = message
    await mark_sending(session, delivery=delivery)
    try:
        ref = await port.send(recipient=recipient, message=message)
    except SendError as exc:
        if exc.retry_after is not None:
            paused[port.platform] = now + timedelta(seconds=exc.retry_after)
            report.deferred += 1
            await defer(session, delivery=delivery, until=paused[port.platform])
            return
        report.failed += 1
        log.warning("send %s failed: %s", delivery.idempotency_key, exc.reason)
        await mark_failed(session, delivery=delivery, reason=exc.reason, retry_at=None)
        return
    except OutcomeUnknown as exc:
        report.unknown += 1
        await mark_unknown(session, delivery=delivery, reason=str(exc) or "outcome unknown")
        return
    report.sent += 1
    await mark_sent(session, delivery=delivery, ref=ref, now=now)
