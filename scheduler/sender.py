"""Drain the due outbox through the chat ports: a few sends at a time per rate scope.

Rows are grouped by what the platform's rate limit counts against (a Slack workspace), so a
workspace paused by a 429 is deferred while the others go on. The tick's instant decides
what is due; real time elapsed during a long drain moves it on, so rows deferred for a
Retry-After become due again within the same drain.

On PostgreSQL every replica drains at once: claims carry the sender's lease id
(`scheduler/lease.py`), the pacers take their turns from a budget in the database
(`bot/budget.py`), and a 429's pause of a scope is recorded there for every replica.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.budget import SharedBudget, pause, paused_until, shared_budget
from bot.compose import delivery_message
from bot.db import Database
from bot.enums import DeliveryKind
from bot.messages import Message
from bot.models import Delivery, Person
from bot.org import recipient_of
from bot.outbox import claim_due, defer, mark_failed, mark_sending, mark_sent, mark_unknown
from bot.ports import ChatPort, OutcomeUnknown, Recipient, SendError
from scheduler.lease import SenderLease

if TYPE_CHECKING:
    from scheduler.jobs import TickReport

log = logging.getLogger("crosspulse.scheduler")
BATCH = 100
WORKERS_PER_SCOPE = 8  # sends in flight per scope: a crash leaves at most this many unknown
RECONNECT_SECONDS = 120  # how long a sender waits for a lost database before giving up
PAUSE_READ_SECONDS = 0.5  # how often a drain reads a scope's pause shared by the replicas
T = TypeVar("T")


@dataclass
class _Job:
    delivery: Delivery
    person: Person
    recipient: Recipient
    port: ChatPort
    scope: tuple[str, str]


class _Drain:
    def __init__(self, db: Database, *, now: datetime, report: TickReport) -> None:
        self.db = db
        self.shared = db.url.startswith("postgresql")  # several replicas may be sending
        self.report = report
        self.at = now  # the tick's instant: claims and sends are recorded at it
        self._started = time.monotonic()
        self.paused: dict[tuple[str, str], datetime] = {}
        self._pause_read: dict[tuple[str, str], float] = {}
        # Messages are the same for everyone of a department and timezone in a round (and
        # for every executive in a week): rendered once per drain, not once per person.
        self.messages: dict[tuple, Message] = {}

    def pause_stale(self, scope: tuple[str, str]) -> bool:
        """Whether to read the scope's shared pause again: at most every PAUSE_READ_SECONDS,
        not once per send (another replica's 429 reaches us within that)."""
        now = time.monotonic()
        if now - self._pause_read.get(scope, -PAUSE_READ_SECONDS) < PAUSE_READ_SECONDS:
            return False
        self._pause_read[scope] = now
        return True

    def now(self) -> datetime:
        """The tick's instant moved on by the real time this drain has taken."""
        return self.at + timedelta(seconds=time.monotonic() - self._started)


async def send_due(
    db: Database,
    *,
    now: datetime,
    ports: dict[str, ChatPort],
    report: TickReport,
    lease: SenderLease | None = None,
) -> None:
    """Send everything due. `lease`: this process's sender identity, kept across drains;
    without one, the drain takes its own for its duration."""
    drain = _Drain(db, now=now, report=report)
    own_lease = lease is None
    lease = lease or SenderLease(db)
    budget = shared_budget.set(SharedBudget(db)) if drain.shared else None

    async def claim(session: AsyncSession) -> list[_Job] | None:
        """None when nothing was due; [] when every claimed row was unreachable."""
        owner = await lease.hold()
        batch = await claim_due(session, now=drain.at, due_by=drain.now(), limit=BATCH, owner=owner)
        return await _route(session, batch, ports=ports, report=report) if batch else None

    try:
        while (jobs := await _with_database(db, claim)) is not None:
            by_scope: defaultdict[tuple[str, str], list[_Job]] = defaultdict(list)
            for job in jobs:
                by_scope[job.scope].append(job)
            await asyncio.gather(*(_drain_scope(drain, iter(j)) for j in by_scope.values()))
    finally:
        if budget is not None:
            shared_budget.reset(budget)
        if own_lease:
            await lease.release()


def route(ports: dict[str, ChatPort], recipient: Recipient) -> ChatPort | None:
    """The first configured platform that can reach the person."""
    for port in ports.values():
        if port.can_reach(recipient):
            return port
    return None


async def _route(
    session: AsyncSession,
    batch: list[Delivery],
    *,
    ports: dict[str, ChatPort],
    report: TickReport,
) -> list[_Job]:
    ids = {d.person_id for d in batch}
    people = {
        p.id: p for p in (await session.exec(select(Person).where(col(Person.id).in_(ids)))).all()
    }
    jobs = []
    for delivery in batch:
        person = people[delivery.person_id]
        recipient = recipient_of(person)
        port = route(ports, recipient)
        if port is None:
            report.unreachable += 1
            await mark_failed(
                session,
                delivery=delivery,
                reason="no configured platform reaches this person",
                retry_at=None,
            )
            continue
        scope = (port.platform, port.rate_scope(recipient))
        jobs.append(_Job(delivery, person, recipient, port, scope))
    return jobs


async def _drain_scope(drain: _Drain, jobs: Iterator[_Job]) -> None:
    """WORKERS_PER_SCOPE workers share one iterator: each job is taken exactly once."""

    async def worker() -> None:
        for job in jobs:
            await _send_one(job, drain=drain)

    first = next(jobs, None)
    if first is None:
        return
    if drain.shared and drain.pause_stale(first.scope):  # before any worker sends
        await _with_database(drain.db, lambda s: _read_pause(s, drain, first.scope))
    jobs = itertools.chain([first], jobs)
    await asyncio.gather(*(worker() for _ in range(WORKERS_PER_SCOPE)))


async def _read_pause(session: AsyncSession, drain: _Drain, scope: tuple[str, str]) -> None:
    """Another replica's 429 in this scope pauses us too."""
    if until := await paused_until(session, scope=_key(scope)):
        drain.paused[scope] = max(until, drain.paused.get(scope, until))


async def _send_one(job: _Job, *, drain: _Drain) -> None:
    """Prepare (database), send (platform), record (database): each database step is
    retried on a new connection when the old one dropped, and the send is never repeated."""
    delivery, report = job.delivery, drain.report

    async def prepare(session: AsyncSession) -> Message | None:
        if drain.shared and drain.pause_stale(job.scope):
            await _read_pause(session, drain, job.scope)
        if (until := drain.paused.get(job.scope)) and until > drain.now():
            await defer(session, delivery=delivery, until=until)
            report.deferred += 1
            return None
        message = await _message(session, job, drain)
        if not await mark_sending(session, delivery=delivery):
            log.info("%s was taken over by another sender; not sending", delivery.idempotency_key)
            return None
        return message

    message = await _with_database(drain.db, prepare)
    if message is None:
        return
    try:
        ref = await job.port.send(recipient=job.recipient, message=message)
    except SendError as exc:
        if exc.retry_after is not None:
            until = drain.now() + timedelta(seconds=exc.retry_after)
            drain.paused[job.scope] = max(until, drain.paused.get(job.scope, until))
            if drain.shared:  # every replica stops sending there, not only this one
                until = drain.paused[job.scope]
                await _with_database(
                    drain.db, lambda s: pause(s, scope=_key(job.scope), until=until)
                )
            await _with_database(
                drain.db, lambda s: defer(s, delivery=delivery, until=drain.paused[job.scope])
            )
            report.deferred += 1
            return
        refused = exc.reason
        retry_at = drain.now() + timedelta(seconds=exc.retry_in) if exc.retry_in else None
        log.warning("send %s failed: %s", delivery.idempotency_key, refused)
        retrying = await _with_database(
            drain.db,
            lambda s: mark_failed(s, delivery=delivery, reason=refused, retry_at=retry_at),
        )
        if retrying:
            report.deferred += 1  # this one alone, later; its scope goes on
        else:
            report.failed += 1
        return
    except OutcomeUnknown as exc:
        report.unknown += 1
        reason = str(exc) or "outcome unknown"
        await _with_database(drain.db, lambda s: mark_unknown(s, delivery=delivery, reason=reason))
        return
    report.sent += 1
    await _with_database(drain.db, lambda s: mark_sent(s, delivery=delivery, ref=ref, now=drain.at))


def _key(scope: tuple[str, str]) -> str:
    """The shared row of a scope's pause (`send_budget`)."""
    return "pause:" + ":".join(scope)


async def _with_database(db: Database, step: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `step` in a session; when the connection is lost (a database restart, a dropped
    network), wait and run it again on a new one, for up to RECONNECT_SECONDS."""
    delay, deadline = 0.25, time.monotonic() + RECONNECT_SECONDS
    while True:
        try:
            async with db.session() as session:
                return await step(session)
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("database unavailable (%s); retrying in %.2f s", type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _message(session: AsyncSession, job: _Job, drain: _Drain) -> Message:
    delivery, person = job.delivery, job.person
    if delivery.kind == DeliveryKind.DIGEST:
        key: tuple = (delivery.kind, delivery.week)
    else:
        key = (delivery.kind, delivery.round_id, person.department_id, person.timezone)
        key += (delivery.closes_at,)
    if key not in drain.messages:
        drain.messages[key] = await delivery_message(session, delivery=delivery)
    return drain.messages[key]
