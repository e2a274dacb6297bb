"""APScheduler 3.x as the clock only: what is due lives in our tables, not in its job store."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.ports import ChatPort
from bot.store.db import Database
from scheduler.jobs import send_only, tick
from scheduler.leader import Leader
from scheduler.lease import SenderLease

log = logging.getLogger("crosspulse.scheduler")
TICK_SECONDS = 60
SEND_SECONDS = 5  # how soon a follower picks up what became due (PostgreSQL)
JOB_DEFAULTS = {
    "coalesce": True,  # after a pause, run once, not once per missed interval
    "max_instances": 1,  # never two ticks at once in one process
    "misfire_grace_time": TICK_SECONDS,  # a tick later than this is skipped; the next covers it
}


def start_scheduler(
    db: Database, *, ports: dict[str, ChatPort], leader: Leader, secret: bytes
) -> AsyncIOScheduler:
    """Tick every minute while this replica is the leader; followers retry each minute. On
    PostgreSQL every replica also drains the outbox every few seconds, so sending scales
    with the replicas (claims, pacing and pauses are shared in the database)."""
    lease = SenderLease(db)

    async def run() -> None:
        if not await leader.acquire():
            return
        report = await tick(db, now=datetime.now(UTC), ports=ports, secret=secret, lease=lease)
        if report.sent or report.opened or report.failed:
            log.info("tick: %s", report)

    async def send() -> None:
        report = await send_only(
            db, now=datetime.now(UTC), ports=ports, lease=lease, secret=secret
        )
        if report.sent or report.failed:
            log.info("sent: %s", report)

    scheduler = AsyncIOScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC)
    scheduler.add_job(
        run, "interval", seconds=TICK_SECONDS, id="tick", next_run_time=datetime.now(UTC)
    )
    if db.url.startswith("postgresql"):
        scheduler.add_job(send, "interval", seconds=SEND_SECONDS, id="send")
    scheduler.start()
    return scheduler
