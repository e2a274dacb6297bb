"""Everything due at one instant: `crosspulse tick --at` and the serve loop call `tick`."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime
from weakref import WeakKeyDictionary

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import load_settings
from bot.connect import pairings
from bot.connect.making import schedule_asks
from bot.insights.deliveries import schedule_digests
from bot.listening.care import enforce_tour_retention
from bot.listening.lifecycle import tick_tours
from bot.people.directory import (
    DirectorySource,
    DirectoryUnavailable,
    claim_scheduled_sync,
    sync_directory,
)
from bot.ports import ChatPort
from bot.pulse.outbox import (
    expire,
)
from bot.pulse.privacy import enforce_retention
from bot.pulse.rounds import close_rounds, enrol, open_due_rounds, schedule_nudges
from bot.store.db import Database
from bot.store.dedupe import prune
from bot.store.models import Round, Survey
from bot.telemetry import TICK_SECONDS
from scheduler.lease import SenderLease
from scheduler.report import TickReport
from scheduler.sender import send_due

log = logging.getLogger("crosspulse.scheduler")
# Retention's cut-offs move by the day: it runs once a day per tenant and process (and again
# when the period changes), not on every minute's tick. Keyed by the process's database.
_retention_runs: WeakKeyDictionary[Database, dict[int, tuple[int, date]]] = WeakKeyDictionary()


async def tick(
    db: Database,
    *,
    now: datetime,
    ports: dict[str, ChatPort],
    secret: bytes | None = None,
    lease: SenderLease | None = None,
) -> TickReport:
    """Run all scheduler work due at `now` once: idempotent, safe to repeat or run twice.
    `secret` opens the sealed answers of rounds that close (default: the settings');
    `lease`: the process's sender identity (PostgreSQL), else one for this tick."""
    started = time.perf_counter()
    try:
        return await _tick(db, now=now, ports=ports, secret=secret, lease=lease)
    finally:
        TICK_SECONDS.observe(time.perf_counter() - started)


async def _tick(
    db: Database,
    *,
    now: datetime,
    ports: dict[str, ChatPort],
    secret: bytes | None,
    lease: SenderLease | None,
) -> TickReport:
    secret = secret if secret is not None else load_settings().secret_bytes
    report = TickReport()
    # Before rounds open: who left the workspace gets no pulse from this tick on.
    await sync_directories(db, now=now, ports=ports, report=report)
    async with db.session() as session:
        surveys = (await session.exec(select(Survey).where(Survey.active))).all()
        for survey_id in [s.id for s in surveys]:
            # Re-read each time: a replica winning a race rolls our session back, which
            # expires every object loaded before.
            survey = await _survey(session, survey_id)
            before = {
                r.id
                for r in (
                    await session.exec(select(Round).where(Round.survey_id == survey.id))
                ).all()
            }
            open_ids = [r.id for r in await open_due_rounds(session, survey=survey, now=now)]
            for round_id in open_ids:
                round_ = await session.get(Round, round_id, populate_existing=True)
                survey = await _survey(session, survey_id)
                report.opened += round_id not in before
                report.enrolled += await enrol(session, survey=survey, round_=round_, now=now)
                survey = await _survey(session, survey_id)
            report.nudges += await schedule_nudges(session, survey=survey, now=now)
            survey = await _survey(session, survey_id)
            # Closed before the digest is queued: a digest is only made of closed weeks.
            report.closed += len(await close_rounds(session, survey=survey, now=now, secret=secret))
            survey = await _survey(session, survey_id)
            report.digests += await schedule_digests(session, survey=survey, now=now)
            paired = await pairings.run(session, tenant_id=survey.tenant_id, now=now)
            report.paired += paired.pairs if paired else 0
            # Listening tours: the close that owes the executive its summary, and reminders.
            tenant_id = (await _survey(session, survey_id)).tenant_id
            report.nudges += await tick_tours(session, tenant_id=tenant_id, now=now, secret=secret)
        report.intro_asks += await schedule_asks(session, now=now)
        await expire(session, now=now)
    await prune(db, now=now)
    await send_due(db, now=now, ports=ports, report=report, lease=lease, secret=secret)
    async with db.session() as session:
        for survey in (await session.exec(select(Survey).where(Survey.active))).all():
            done = _retention_runs.setdefault(db, {})
            if done.get(survey.tenant_id) == (survey.retention_weeks, now.date()):
                continue
            report.retention_deleted += await enforce_retention(
                session, tenant_id=survey.tenant_id, weeks=survey.retention_weeks, now=now
            )
            report.retention_deleted += await enforce_tour_retention(
                session, tenant_id=survey.tenant_id, weeks=survey.retention_weeks, now=now
            )
            done[survey.tenant_id] = (survey.retention_weeks, now.date())
    return report


async def sync_directories(
    db: Database, *, now: datetime, ports: dict[str, ChatPort], report: TickReport
) -> None:
    """Each tenant's scheduled directory sync (`directory_sync_hours`), through the ports
    the adapters registered that can list their directory; a failed listing changes nothing
    and is tried again next period."""
    sources = [p for p in ports.values() if isinstance(p, DirectorySource)]
    if not sources:
        return
    async with db.session() as session:
        surveys = (await session.exec(select(Survey).where(Survey.active))).all()
        due = [s for s in surveys if await claim_scheduled_sync(session, survey=s, now=now)]
        tenants = sorted({s.tenant_id for s in due})
    for source in sources:
        if not tenants:
            return
        try:
            members = await source.directory()
        except DirectoryUnavailable as exc:
            log.warning("scheduled %s directory sync skipped: %s", source.platform, exc)
            report.errors.append(f"directory sync ({source.platform}): {exc}")
            continue
        async with db.session() as session:
            for tenant_id in tenants:
                synced = await sync_directory(
                    session,
                    tenant_id=tenant_id,
                    platform=source.platform,
                    members=members,
                    actor="scheduler",
                    complete=True,
                )
                report.directory_left += synced.left + synced.deactivated
            await session.commit()
        report.directory_synced += 1


async def _survey(session: AsyncSession, survey_id: int) -> Survey:
    """The survey, read again only when the session lost it: a replica winning a race rolls
    our session back, which expires every object loaded before."""
    survey = await session.get(Survey, survey_id)
    assert survey is not None
    return survey


async def send_only(
    db: Database,
    *,
    now: datetime,
    ports: dict[str, ChatPort],
    lease: SenderLease | None = None,
    secret: bytes | None = None,
) -> TickReport:
    """A follower's share on PostgreSQL: drain what is due alongside the leader and the other
    replicas; the leader alone opens, enrols, nudges, closes and expires."""
    report = TickReport()
    await send_due(db, now=now, ports=ports, report=report, lease=lease, secret=secret)
    return report
