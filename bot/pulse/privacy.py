"""Opting out and in, erasure, retention: the person's and the law's rights over data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind, DeliveryState
from bot.pulse.schedule import iso_week
from bot.pulse.sealing import NOBODY, Sealer, sealer_for
from bot.store import audit
from bot.store.models import (
    AuditLog,
    Comment,
    ConversationMessage,
    ConversationThread,
    Delivery,
    Introduction,
    IntroductionAnswer,
    IntroSetting,
    Kudos,
    Participation,
    Person,
    PlatformIdentity,
    Response,
    Round,
    SealedAnswer,
    Survey,
    WeeklyRollup,
)


async def set_opted_out(session: AsyncSession, *, person: Person, opted_out: bool) -> None:
    person.opted_out = opted_out
    session.add(person)
    if opted_out:
        await session.exec(
            update(Delivery)
            .where(
                Delivery.person_id == person.id,
                Delivery.state == DeliveryState.PENDING,
                # A conversation's replies are filed under its leader and are not pulses.
                Delivery.kind != DeliveryKind.CONVERSATION,
            )
            .values(state=DeliveryState.CANCELLED, last_error="opted out")
        )
    audit.record(
        session,
        tenant_id=person.tenant_id,
        actor=f"person:{person.id}",
        action="person.opt_out" if opted_out else "person.opt_in",
    )
    await session.commit()


async def erase_person(session: AsyncSession, *, person: Person, secret: bytes, actor: str) -> None:
    """Delete the person and everything stored under them or their pseudonyms.

    Their responses are found by recomputing each round's pseudonym from their salt, and an
    open round's sealed answer by its keyed id. The figures of closed weeks stay as published
    (the rollup is not rebuilt), and their comments stay in those weeks' digests but lose
    their pseudonym: taking either out would tell whoever compares two digests which figure
    or comment was theirs. With the salt gone, nothing links them to the person again.
    """
    sealer = sealer_for(secret)
    person_id, tenant_id, salt = person.id, person.tenant_id, person.pseudonym_salt
    rounds = (
        await session.exec(
            select(Round.id).join(Survey).where(Survey.tenant_id == tenant_id)
        )
    ).all()
    keys = [sealer.respondent(round_id=r, salt=salt) for r in rounds]
    boxes = [sealer.row_id(round_id=r, salt=salt) for r in rounds]
    await session.exec(delete(Response).where(col(Response.respondent).in_(keys)))
    await _erase_conversations(session, person_id=person_id, keys=keys, sealer=sealer)
    await session.exec(
        update(Comment).where(col(Comment.respondent).in_(keys)).values(respondent=None)
    )
    await session.exec(delete(SealedAnswer).where(col(SealedAnswer.id).in_(boxes)))
    await session.exec(delete(Participation).where(Participation.person_id == person_id))
    await session.exec(delete(Delivery).where(Delivery.person_id == person_id))
    await session.exec(delete(PlatformIdentity).where(PlatformIdentity.person_id == person_id))
    await session.exec(
        delete(Kudos).where(or_(Kudos.from_person_id == person_id, Kudos.to_person_id == person_id))
    )
    await session.exec(update(Person).where(Person.manager_id == person_id).values(manager_id=None))
    await _forget_introductions(session, person_id=person_id)
    await session.exec(delete(Person).where(Person.id == person_id))
    audit.record(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="person.erased",
        person_id=person_id,
    )
    await session.commit()


async def _erase_conversations(
    session: AsyncSession, *, person_id: int, keys: list[str], sealer: Sealer
) -> None:
    """As an author (their comments, found by pseudonym): each comment's sealed author becomes
    a decoy, a fresh box of the same size that opens to nobody (`NOBODY`), so no reply reaches
    them (nor whoever gets their id later). Everything a leader or a dump sees stays as it
    was: the comment keeps its Reply button, the thread its state and both sides' words (like
    the comment itself), and a later reply is taken and recorded like any other (the sender
    drops it quietly, `scheduler/sender.py`). Closing the threads or removing their words
    would tell a leader which comments were theirs. As a leader: the threads they started go."""
    authored = (
        await session.exec(select(Comment.id).where(col(Comment.respondent).in_(keys)))
    ).all()
    for comment_id in authored:
        await session.exec(
            update(Comment)
            .where(Comment.id == comment_id, col(Comment.author).is_not(None))
            .values(author=sealer.seal_author(NOBODY))
        )
    await _delete_threads(session, ConversationThread.leader_id == person_id)


async def _delete_threads(session: AsyncSession, where) -> int:  # type: ignore[no-untyped-def]
    """Threads matching `where`, with their messages; returns the threads deleted."""
    threads = select(ConversationThread.id).where(where)
    await session.exec(
        delete(ConversationMessage).where(col(ConversationMessage.thread_id).in_(threads))
    )
    result = await session.exec(delete(ConversationThread).where(where))
    return result.rowcount or 0


FINISHED = (
    DeliveryState.SENT,
    DeliveryState.FAILED,
    DeliveryState.UNKNOWN,
    DeliveryState.MISSED,
    DeliveryState.CANCELLED,
)


async def enforce_retention(
    session: AsyncSession, *, tenant_id: int, weeks: int, now: datetime
) -> int:
    """Delete what is older than the retention period (answers, comments, kudos, figures,
    who answered, finished deliveries, audit rows, introductions and their answers); returns
    the rows deleted."""
    before = now - timedelta(weeks=weeks)
    cutoff = iso_week(before.date())
    # Conversations go with their comment's week (they name no time of their own).
    deleted = await _delete_threads(
        session,
        (ConversationThread.tenant_id == tenant_id) & (col(ConversationThread.week) < cutoff),
    )
    for table in (Response, Comment, Kudos):
        result = await session.exec(
            delete(table).where(table.tenant_id == tenant_id, col(table.week) < cutoff)
        )
        deleted += result.rowcount or 0
    tenant_rounds = select(Round.id).join(Survey).where(Survey.tenant_id == tenant_id)
    result = await session.exec(
        delete(Participation).where(
            col(Participation.round_id).in_(tenant_rounds), col(Participation.week) < cutoff
        )
    )
    deleted += result.rowcount or 0
    await session.exec(
        delete(WeeklyRollup).where(
            WeeklyRollup.tenant_id == tenant_id, col(WeeklyRollup.week) < cutoff
        )
    )
    result = await session.exec(
        delete(Delivery).where(
            Delivery.tenant_id == tenant_id,
            col(Delivery.week) < cutoff,
            col(Delivery.state).in_(FINISHED),
        )
    )
    deleted += result.rowcount or 0
    result = await session.exec(
        delete(AuditLog).where(AuditLog.tenant_id == tenant_id, col(AuditLog.at) < before)
    )
    deleted += result.rowcount or 0
    deleted += await _expire_introductions(session, tenant_id=tenant_id, cutoff=cutoff)
    if deleted:
        audit.record(
            session,
            tenant_id=tenant_id,
            actor="scheduler",
            action="retention.deleted",
            rows=deleted,
            before_week=cutoff,
        )
    await session.commit()
    return deleted


async def _forget_introductions(session: AsyncSession, *, person_id: int) -> None:
    """Their introduction answers and setting go; introductions keep only the departments
    and their outcome (`met`, frozen when the answer window closed: a count already published
    must not drop by their answer)."""
    await session.exec(delete(IntroductionAnswer).where(IntroductionAnswer.person_id == person_id))
    await session.exec(delete(IntroSetting).where(IntroSetting.person_id == person_id))
    for column in ("person_a_id", "person_b_id", "requested_by"):
        await session.exec(
            update(Introduction)
            .where(getattr(Introduction, column) == person_id)
            .values({column: None})
        )


async def _expire_introductions(session: AsyncSession, *, tenant_id: int, cutoff: str) -> int:
    """Introductions made before the cut-off week, and the answers about them. The "met"
    figure counts fixed blocks (`Introduction.seq`), so a block losing some leaves the figure
    whole and no later block shifts."""
    old = select(Introduction.id).where(
        Introduction.tenant_id == tenant_id, col(Introduction.week) < cutoff
    )
    answers = await session.exec(
        delete(IntroductionAnswer).where(col(IntroductionAnswer.introduction_id).in_(old))
    )
    made = await session.exec(
        delete(Introduction).where(
            Introduction.tenant_id == tenant_id, col(Introduction.week) < cutoff
        )
    )
    return (answers.rowcount or 0) + (made.rowcount or 0)
