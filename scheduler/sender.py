"""Drain the due outbox through the chat ports: a few sends at a time per rate scope.

Rows are grouped by what the platform's rate limit counts against (a workspace, a tenant),
so a scope paused by a 429 is deferred while the others go on. The tick's instant decides
what is due; real time elapsed during a long drain moves it on, so rows deferred for a
Retry-After become due again within the same drain.

On PostgreSQL every replica drains at once: claims carry the sender's lease id
(`scheduler/lease.py`), the pacers take their turns from a budget in the database
(`bot/pulse/budget.py`), and a 429's pause of a scope is recorded there for every replica.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.compose import delivery_message
from bot.chat.conversations import conversation_message
from bot.config import load_settings
from bot.connect.making import PARTNER_GONE, introduction_id, parties
from bot.enums import DeliveryKind
from bot.i18n import choose_language, use_locale
from bot.listening.conversations import Queued, opened
from bot.logcontext import delivery_id, workspace
from bot.messages import Message
from bot.people.identity import identities_of, recipient, recipient_of
from bot.people.languages import language_of, organisation_language
from bot.ports import NOT_DELIVERED, ChatPort, MessageRef, OutcomeUnknown, Recipient, SendError
from bot.pulse.budget import SharedBudget, pause, paused_until, shared_budget
from bot.pulse.outbox import (
    claim_due,
    deferred,
    failed,
    mark_failed,
    mark_sending_many,
    record,
    retrying,
    sent,
    unknown,
)
from bot.pulse.sealing import Sealer, sealer_for
from bot.store.db import Database
from bot.store.models import Comment, ConversationThread, Delivery, Person
from bot.telemetry import DELIVERIES, RATE_LIMITED, RETRY_AFTER, scope_label
from scheduler.lease import SenderLease
from scheduler.report import TickReport

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
    queued: Queued | None = None  # a conversation delivery, opened with the secret
    partner: Recipient | None = None  # an introduction's second person (`ChatPort.introduce`)


class _Drain:
    def __init__(
        self, db: Database, *, now: datetime, report: TickReport, secret: bytes | None = None
    ) -> None:
        self.db = db
        self._secret = secret
        self._sealer: Sealer | None = None
        self.shared = db.url.startswith("postgresql")  # several replicas may be sending
        self.report = report
        self.at = now  # the tick's instant: claims and sends are recorded at it
        self._started = time.monotonic()
        self.paused: dict[tuple[str, str], datetime] = {}
        self._pause_read: dict[tuple[str, str], float] = {}
        # Messages are the same for everyone of a department and timezone in a round (and
        # for every executive in a week): rendered once per drain, not once per person.
        self.messages: dict[tuple, Message] = {}
        self.languages: dict[int, str | None] = {}  # tenant -> its default language

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

    def sealer(self) -> Sealer:
        """Opens conversation deliveries; the settings' secret unless one was given. Made
        once a drain: deriving its keys is not free, and every conversation row needs it."""
        if self._sealer is None:
            self._sealer = sealer_for(self._secret or load_settings().secret_bytes)
        return self._sealer


async def send_due(
    db: Database,
    *,
    now: datetime,
    ports: dict[str, ChatPort],
    report: TickReport,
    lease: SenderLease | None = None,
    secret: bytes | None = None,
) -> None:
    """Send everything due. `lease`: this process's sender identity, kept across drains;
    without one, the drain takes its own for its duration. `secret` opens conversation
    deliveries (default: the settings')."""
    drain = _Drain(db, now=now, report=report, secret=secret)
    own_lease = lease is None
    lease = lease or SenderLease(db)
    budget = shared_budget.set(SharedBudget(db)) if drain.shared else None

    async def claim(session: AsyncSession) -> list[_Job] | None:
        """None when nothing was due; [] when every claimed row was unreachable."""
        owner = await lease.hold()
        batch = await claim_due(session, now=drain.at, due_by=drain.now(), limit=BATCH, owner=owner)
        return (
            await _route(session, batch, ports=ports, report=report, drain=drain) if batch else None
        )

    try:
        while (jobs := await _with_database(db, claim)) is not None:
            by_scope: defaultdict[tuple[str, str], list[_Job]] = defaultdict(list)
            for job in jobs:
                by_scope[job.scope].append(job)
            await asyncio.gather(*(_drain_scope(drain, j) for j in by_scope.values()))
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
    drain: _Drain,
) -> list[_Job]:
    # A conversation row is filed under its thread's leader; its sealed key names whom it
    # goes to (the author, or the leader), so only the secret routes it.
    queued = {
        id(d): opened(d, sealer=drain.sealer())
        for d in batch
        if d.kind == DeliveryKind.CONVERSATION
    }
    ids = {d.person_id for d in batch} | {q.recipient_id for q in queued.values() if q}
    people = {
        p.id: p for p in (await session.exec(select(Person).where(col(Person.id).in_(ids)))).all()
    }
    accounts = await identities_of(session, person_ids=ids)
    jobs = []
    for delivery in batch:
        conversation = queued.get(id(delivery))
        to = conversation.recipient_id if conversation else delivery.person_id
        person = people.get(to)
        gone = delivery.kind == DeliveryKind.CONVERSATION and (
            not conversation
            or await session.get(ConversationThread, conversation.thread_id) is None
        )
        if gone:
            report.failed += 1
            await mark_failed(session, delivery=delivery, reason="recipient gone", retry_at=None)
            continue
        if conversation is not None and not await _reaches(session, conversation, drain):
            # An erased author (their decoy opens to nobody, or a reply queued before): the
            # row reads as any sent reply, so neither the leader nor a dump learns it was them.
            report.sent += 1
            DELIVERIES.labels(platform="none", kind=delivery.kind, outcome="sent").inc()
            await record(session, [(delivery, _sent_quietly(drain.at))])
            continue
        if person is None:
            report.failed += 1
            await mark_failed(session, delivery=delivery, reason="recipient gone", retry_at=None)
            continue
        recipient = recipient_of(person, accounts.get(person.id, ()))
        port = route(ports, recipient)
        partner = None
        if delivery.kind in (DeliveryKind.INTRO, DeliveryKind.INTRO_ASK):
            partner, problem = await _partner(session, delivery, recipient)
            if partner is not None:
                port = route_both(ports, recipient, partner)
            if problem or port is None:
                report.failed += 1
                DELIVERIES.labels(platform="none", kind=delivery.kind, outcome="failed").inc()
                reason = problem or "no configured platform reaches both people"
                await mark_failed(session, delivery=delivery, reason=reason, retry_at=None)
                continue
        if port is None:
            report.unreachable += 1
            DELIVERIES.labels(platform="none", kind=delivery.kind, outcome="unreachable").inc()
            reason = "no configured platform reaches this person"
            await mark_failed(
                session,
                delivery=delivery,
                reason=NOT_DELIVERED if conversation is not None else reason,
                retry_at=None,
            )
            continue
        scope = (port.platform, port.rate_scope(recipient))
        jobs.append(
            _Job(delivery, person, recipient, port, scope, queued=conversation, partner=partner)
        )
    return jobs


async def _reaches(session: AsyncSession, queued: Queued, drain: _Drain) -> bool:
    """Whether a conversation delivery goes to someone: its thread's leader, or the person
    the comment's sealed author names now (not an erased author, nor whoever got their id)."""
    thread = await session.get(ConversationThread, queued.thread_id)
    if thread is None:
        return False
    if queued.recipient_id == thread.leader_id:
        return await session.get(Person, queued.recipient_id) is not None
    comment = await session.get(Comment, thread.comment_id)
    author = drain.sealer().open_author(comment.author or b"") if comment else None
    return author == queued.recipient_id and await session.get(Person, author) is not None


def _sent_quietly(at: datetime) -> dict[str, object]:
    """What a sent conversation delivery keeps (`_record`: no chat address, no platform)."""
    return {**sent(MessageRef(platform="", channel="", id=""), now=at), "message_ref": None,
            "platform": None}


def route_both(ports: dict[str, ChatPort], first: Recipient, second: Recipient) -> ChatPort | None:
    """The first configured platform that reaches both people of an introduction."""
    for port in ports.values():
        if port.can_reach(first) and port.can_reach(second):
            return port
    return None


async def _partner(
    session: AsyncSession, delivery: Delivery, first: Recipient
) -> tuple[Recipient | None, str]:
    """An introduction's second person (None for its follow-up question, sent to one), or
    why it cannot be sent: either of the two erased, inactive or opted out since."""
    found = await parties(session, intro_id=introduction_id(delivery))
    if found is None:
        return None, PARTNER_GONE
    if delivery.kind != DeliveryKind.INTRO:
        return None, ""
    if found.first.id != first.person_id:
        return None, "the introduction names someone else"
    return await recipient(session, person=found.second), ""


async def _drain_scope(drain: _Drain, jobs: list[_Job]) -> None:
    """The scope's rows in groups of WORKERS_PER_SCOPE: each group marked `sending` in one
    commit, sent concurrently, and its outcomes recorded in one commit (two commits per group
    rather than two per message; a crash leaves at most one group in doubt)."""
    for start in range(0, len(jobs), WORKERS_PER_SCOPE):
        group = jobs[start : start + WORKERS_PER_SCOPE]
        ready = await _with_database(drain.db, lambda s, g=group: _prepare(s, g, drain))
        if not ready:
            continue
        outcomes = await asyncio.gather(*(_send(job, message, drain) for job, message in ready))
        await _with_database(
            drain.db,
            lambda s, r=ready, o=outcomes: _record(s, [job for job, _ in r], o, drain),
        )


async def _prepare(
    session: AsyncSession, group: list[_Job], drain: _Drain
) -> list[tuple[_Job, Message]]:
    """The group's messages, and the rows marked `sending`: those still ours, in a scope not
    paused (rows of a paused scope go back to pending until the pause ends)."""
    scope = group[0].scope
    if drain.shared and drain.pause_stale(scope):  # another replica's 429 pauses us too
        await _read_pause(session, drain, scope)
    if (until := drain.paused.get(scope)) and until > drain.now():
        changes = [(job.delivery, deferred(job.delivery, until=until)) for job in group]
        await record(session, changes)
        drain.report.deferred += len(group)
        for job in group:
            _count(job, "deferred")
        return []
    messages = {id(job): await _message(session, job, drain) for job in group}
    ours = await mark_sending_many(session, deliveries=[job.delivery for job in group])
    taken = {id(delivery) for delivery in ours}
    for job in group:
        if id(job.delivery) not in taken:
            key = job.delivery.idempotency_key
            log.info("%s was taken over by another sender; not sending", key)
    return [(job, messages[id(job)]) for job in group if id(job.delivery) in taken]


async def _read_pause(session: AsyncSession, drain: _Drain, scope: tuple[str, str]) -> None:
    """Another replica's 429 in this scope pauses us too."""
    if until := await paused_until(session, scope=_key(scope)):
        drain.paused[scope] = max(until, drain.paused.get(scope, until))


@dataclass
class _Outcome:
    ref: MessageRef | None = None
    retry_after: float | None = None  # a 429: the scope pauses this long
    refused: str | None = None
    retry_in: float | None = None
    unknown: str | None = None


async def _send(job: _Job, message: Message, drain: _Drain) -> _Outcome:
    """The platform call alone: never repeated, whatever it answers. Runs in its own task,
    so the delivery and workspace set here mark only this send's log lines."""
    delivery_id.set(job.delivery.id)
    workspace.set(job.scope[1] or None)
    try:
        if job.partner is not None:
            recipients = (job.recipient, job.partner)
            return _Outcome(ref=await job.port.introduce(recipients=recipients, message=message))
        return _Outcome(ref=await job.port.send(recipient=job.recipient, message=message))
    except SendError as exc:
        if exc.retry_after is not None:
            until = drain.now() + timedelta(seconds=exc.retry_after)
            drain.paused[job.scope] = max(until, drain.paused.get(job.scope, until))
            scope = scope_label(job.scope[1])
            RATE_LIMITED.labels(platform=job.scope[0], scope=scope).inc()
            RETRY_AFTER.labels(platform=job.scope[0], scope=scope).observe(exc.retry_after)
            log.warning("%s rate limit: pausing the scope %.0f s", job.scope[0], exc.retry_after)
            return _Outcome(retry_after=exc.retry_after)
        log.warning("send %s failed: %s", job.delivery.idempotency_key, exc.reason)
        return _Outcome(refused=exc.reason, retry_in=exc.retry_in)
    except OutcomeUnknown as exc:
        return _Outcome(unknown=str(exc) or "outcome unknown")


async def _record(
    session: AsyncSession, jobs: list[_Job], outcomes: list[_Outcome], drain: _Drain
) -> None:
    """Every outcome of a group in one commit (a 429's pause first: every replica stops
    sending in that scope, not only this one)."""
    report, changes = drain.report, []
    for job, outcome in zip(jobs, outcomes, strict=True):
        delivery = job.delivery
        if outcome.ref is not None:
            report.sent += 1
            _count(job, "sent")
            done = sent(outcome.ref, now=drain.at)
            if job.queued is not None:  # where it went (the author's chat, platform) is not kept
                done["message_ref"] = done["platform"] = None
            changes.append((delivery, done))
        elif outcome.retry_after is not None:
            report.deferred += 1
            _count(job, "rate_limited")
            changes.append((delivery, deferred(delivery, until=drain.paused[job.scope])))
        elif outcome.refused is not None:
            retry_at = (
                drain.now() + timedelta(seconds=outcome.retry_in) if outcome.retry_in else None
            )
            if retrying(delivery, retry_at=retry_at):
                report.deferred += 1  # this one alone, later; its scope goes on
                _count(job, "retrying")
            else:
                report.failed += 1
                _count(job, "failed")
            # Why an author's platform refused is theirs: the leader's row says only this.
            reason = NOT_DELIVERED if job.queued is not None else outcome.refused
            changes.append((delivery, failed(delivery, reason=reason, retry_at=retry_at)))
        else:
            report.unknown += 1
            _count(job, "unknown")
            why = None if job.queued is not None else outcome.unknown
            changes.append((delivery, unknown(why or "outcome unknown")))
    if drain.shared:
        paused = {j.scope for j, o in zip(jobs, outcomes, strict=True) if o.retry_after}
        for scope in paused:
            await pause(session, scope=_key(scope), until=drain.paused[scope])
    await record(session, changes)


def _count(job: _Job, outcome: str) -> None:
    DELIVERIES.labels(platform=job.scope[0], kind=job.delivery.kind, outcome=outcome).inc()


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
    if person.tenant_id not in drain.languages:  # the organisation default, read once a drain
        drain.languages[person.tenant_id] = await organisation_language(
            session, tenant_id=person.tenant_id
        )
    language = language_of(person, organisation=drain.languages[person.tenant_id])
    if job.queued is not None:  # one thread, to one side, in its reader's language: never shared
        with use_locale(language):
            message = await conversation_message(session, queued=job.queued)
        assert message is not None, "checked when routed"
        return message
    if delivery.kind == DeliveryKind.DIGEST:
        key: tuple = (delivery.kind, delivery.week)
    elif delivery.kind in (DeliveryKind.INTRO, DeliveryKind.INTRO_ASK):
        key = (delivery.kind, delivery.id)
    elif delivery.kind == DeliveryKind.TOUR_SUMMARY:  # the tour is the key's second part
        key = (delivery.kind, delivery.idempotency_key.split(":")[1])
    elif delivery.kind in (DeliveryKind.TOUR, DeliveryKind.TOUR_NUDGE):
        key = (delivery.kind, delivery.idempotency_key.split(":")[1], person.timezone)
    else:
        key = (delivery.kind, delivery.round_id, person.department_id, person.timezone)
        key += (delivery.closes_at,)
    organisation = drain.languages[person.tenant_id]
    if delivery.kind == DeliveryKind.INTRO and job.partner is not None:  # one text, two readers
        partner = await session.get(Person, job.partner.person_id)
        if partner is None or language_of(partner, organisation=organisation) != language:
            language = choose_language(organisation)
    # A drain sends for every organisation: a digest of one week is only ever shared within
    # its own organisation, and each recipient reads it in their own language.
    key += (person.tenant_id, language)
    if key not in drain.messages:
        drain.messages[key] = await delivery_message(
            session, delivery=delivery, language=language
        )
    return drain.messages[key]
