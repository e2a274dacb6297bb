"""Anonymous conversations: a leader replies to a comment shown in a digest, its author
answers back, and neither the leader nor anyone holding the database learns who the author is.

The author is reached only through the comment's `author` box (`Sealer.seal_author`, AES-GCM
with a random nonce under a key derived from CROSSPULSE_SECRET). A thread names its leader,
never its author, and stores no time. Each reply is queued in the outbox in the same commit
as the thread (exactly once: the sender's state machine never resends a row that may have
left); the row is filed under the thread's leader whichever side it goes to, and its key seals
the thread, the recipient and what happened, so the outbox does not tie an author to a thread
either. Erasing an author changes nothing a leader or a dump can see: their comments' boxes
become decoys that open to nobody, and replies to them are dropped quietly by the sender.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind
from bot.i18n import _
from bot.insights.access import is_leader
from bot.insights.digest import WeekStillOpen, build_digest
from bot.people.names import scrub_comment
from bot.pulse.schedule import iso_week
from bot.pulse.sealing import NOBODY, Sealer
from bot.store.models import (
    Comment,
    ConversationMessage,
    ConversationThread,
    Delivery,
    Person,
    Survey,
)

MAX_UNANSWERED = 2  # a leader's replies before the author must answer: no pressure
MAX_TEXT = 2000
KEY_PREFIX = "convo:"
_PURPOSE = b"conversation delivery"
OPEN, CLOSED = "open", "closed"
LEADER, AUTHOR = "leader", "author"


class Event(IntEnum):
    """What a queued conversation delivery tells its recipient."""

    REPLIED = 1  # to the author: a leader wrote
    ANSWERED = 2  # to the leader: the author wrote back
    CLOSED = 3  # to the other side: the conversation was closed


class Refused(Exception):
    """Nothing changed; `title` and `text` say why, for the person's chat."""

    def __init__(self, title: str, text: str) -> None:
        super().__init__(text)
        self.title = title
        self.text = text


@dataclass(frozen=True)
class ThreadView:
    """A thread as either side sees it: the comment, then both sides in order."""

    thread_id: int | None  # None: no reply yet
    comment_id: int
    week: str
    comment: str
    messages: tuple[tuple[str, str], ...]  # (side, text)
    state: str
    unanswered: int

    @property
    def closed(self) -> bool:
        return self.state == CLOSED

    @property
    def leader_may_reply(self) -> bool:
        return not self.closed and self.unanswered < MAX_UNANSWERED


@dataclass(frozen=True)
class Queued:
    """A conversation delivery opened with the secret."""

    thread_id: int
    recipient_id: int
    event: Event


def _gone() -> Refused:
    return Refused(
        _("That conversation doesn't exist"),
        _("Nothing was sent. Type `/pulse conversations` to see yours."),
    )


def _text(answers: dict, key: str = "text") -> str:
    value = answers.get(key) or ""
    text = (value if isinstance(value, str) else " ".join(value)).strip()
    if not text:
        raise Refused(_("Nothing to send"), _("Write something first, then send it."))
    if len(text) > MAX_TEXT:
        raise Refused(
            _("That is too long"),
            _("Please keep it under {limit} characters; nothing was sent.").format(limit=MAX_TEXT),
        )
    return text


async def replyable_comment(session: AsyncSession, *, leader: Person, comment_id: int) -> Comment:
    """The comment, if `leader` may reply to it: an executive or admin of its organisation,
    a comment the organisation's digest of its week shows (re-checked here, so a forged
    button value reaches nothing else), with a sealed author: comments from before
    conversations existed have none. Erasure never changes this (it leaves a decoy box),
    so whether a comment can be answered says nothing about whose it was."""
    if not is_leader(leader):
        raise Refused(
            _("Replies are for leaders"),
            _("Only executives and admins can reply to comments in the digest."),
        )
    comment = await session.get(Comment, comment_id)
    if comment is None or comment.tenant_id != leader.tenant_id:
        raise Refused(
            _("That comment doesn't exist"),
            _("Nothing was sent. Reply from the buttons under a digest's comments."),
        )
    survey = (
        await session.exec(select(Survey).where(Survey.tenant_id == leader.tenant_id))
    ).first()
    try:
        shown = (
            survey is not None
            and comment_id
            in (await build_digest(session, survey=survey, week=comment.week)).comment_ids
        )
    except WeekStillOpen:
        shown = False
    if not shown or comment.author is None:
        raise Refused(
            _("That comment can't be answered"),
            _("Only comments a digest shows, written since replies exist, can be answered."),
        )
    return comment


async def view(
    session: AsyncSession, *, comment: Comment, thread: ConversationThread | None
) -> ThreadView:
    messages: tuple[tuple[str, str], ...] = ()
    if thread is not None:
        rows = await session.exec(
            select(ConversationMessage.side, ConversationMessage.text)
            .where(ConversationMessage.thread_id == thread.id)
            .order_by(col(ConversationMessage.id))
        )
        messages = tuple((side, text) for side, text in rows.all())
    return ThreadView(
        thread_id=None if thread is None else thread.id,
        comment_id=comment.id or 0,
        week=comment.week,
        # As the digest shows it: scrubbed again for names added since it was written.
        comment=await scrub_comment(session, tenant_id=comment.tenant_id, text=comment.text),
        messages=messages,
        state=OPEN if thread is None else thread.state,
        unanswered=0 if thread is None else thread.unanswered,
    )


async def leader_thread(
    session: AsyncSession, *, leader: Person, comment: Comment
) -> ConversationThread | None:
    return (
        await session.exec(
            select(ConversationThread).where(
                ConversationThread.comment_id == comment.id,
                ConversationThread.leader_id == leader.id,
            )
        )
    ).first()


async def reply(
    session: AsyncSession,
    *,
    leader: Person,
    comment_id: int,
    answers: dict,
    sealer: Sealer,
    now: datetime,
    attempt: int = 1,
) -> ThreadView:
    """A leader's reply, stored and queued to the author in one commit (taken again when a
    concurrent click's transaction got in the way without using up the turn)."""
    comment = await replyable_comment(session, leader=leader, comment_id=comment_id)
    text = _text(answers)
    # Taken and queued whoever the box names: an erased author's decoy opens to nobody, and
    # the sender drops that delivery quietly, so the leader sees what any reply gets.
    author = sealer.open_author(comment.author or b"") or NOBODY
    thread = await _thread_to_reply_in(session, leader=leader, comment=comment)
    # One guarded UPDATE takes the turn, so two clicks at once cannot pass the cap together.
    taken = await session.exec(
        update(ConversationThread)
        .where(
            ConversationThread.id == thread.id,
            ConversationThread.state == OPEN,
            col(ConversationThread.unanswered) < MAX_UNANSWERED,
        )
        .values(unanswered=ConversationThread.unanswered + 1)
    )
    if not taken.rowcount:
        await session.rollback()  # expires what the session holds: read it all again
        await session.refresh(leader)
        await session.refresh(comment)
        # Not a refresh of the thread: one this transaction made is gone with the rollback,
        # and the one a concurrent click made is what counts.
        thread = await leader_thread(session, leader=leader, comment=comment)
        if thread is None or (thread.state == OPEN and thread.unanswered < MAX_UNANSWERED):
            if attempt >= 3:
                raise RuntimeError("a reply could not take its turn three times")
            return await reply(
                session,
                leader=leader,
                comment_id=comment_id,
                answers=answers,
                sealer=sealer,
                now=now,
                attempt=attempt + 1,
            )
        if thread.state == CLOSED:
            raise Refused(
                _("This conversation is closed"),
                _("It was closed, so nothing more can be sent. Your earlier replies stay."),
            )
        raise Refused(
            _("Wait for their answer"),
            _(
                "You have replied {count} times without an answer. The author may answer "
                "when they wish; you can write again after they do."
            ).format(count=thread.unanswered),
        )
    session.add(ConversationMessage(thread_id=thread.id or 0, side=LEADER, text=text))
    _queue(session, thread=thread, to=author, event=Event.REPLIED, sealer=sealer, now=now)
    await session.commit()
    await session.refresh(thread)
    return await view(session, comment=comment, thread=thread)


async def _thread_to_reply_in(
    session: AsyncSession, *, leader: Person, comment: Comment
) -> ConversationThread:
    """The leader's thread on the comment, made on their first reply (a savepoint: a double
    click that made it first leaves the rest of the transaction as it was)."""
    thread = await leader_thread(session, leader=leader, comment=comment)
    if thread is not None:
        return thread
    try:
        async with session.begin_nested():
            thread = ConversationThread(
                tenant_id=comment.tenant_id,
                comment_id=comment.id or 0,
                leader_id=leader.id or 0,
                week=comment.week,
            )
            session.add(thread)
    except IntegrityError:
        thread = await leader_thread(session, leader=leader, comment=comment)
        assert thread is not None
    return thread


async def authored_thread(
    session: AsyncSession, *, person: Person, thread_id: int, sealer: Sealer
) -> tuple[ConversationThread, Comment]:
    """The thread, if `person` wrote its comment (the sealed author says so)."""
    thread = await session.get(ConversationThread, thread_id)
    if thread is None or thread.tenant_id != person.tenant_id:
        raise _gone()
    comment = await session.get(Comment, thread.comment_id)
    if comment is None or sealer.open_author(comment.author or b"") != person.id:
        raise _gone()
    return thread, comment


async def answer(
    session: AsyncSession,
    *,
    person: Person,
    thread_id: int,
    answers: dict,
    sealer: Sealer,
    now: datetime,
) -> ThreadView:
    """The author's answer, scrubbed like a comment, queued to the leader."""
    thread, comment = await authored_thread(
        session, person=person, thread_id=thread_id, sealer=sealer
    )
    if thread.state == CLOSED:
        raise Refused(
            _("This conversation is closed"),
            _("Nothing was sent. The conversation stays in `/pulse conversations`."),
        )
    text = await scrub_comment(session, tenant_id=person.tenant_id, text=_text(answers))
    thread.unanswered = 0
    session.add(thread)
    session.add(ConversationMessage(thread_id=thread.id or 0, side=AUTHOR, text=text))
    to = thread.leader_id
    _queue(session, thread=thread, to=to, event=Event.ANSWERED, sealer=sealer, now=now)
    await session.commit()
    return await view(session, comment=comment, thread=thread)


async def close(
    session: AsyncSession, *, person: Person, thread_id: int, sealer: Sealer, now: datetime
) -> ThreadView:
    """Either side closes the thread; the other is told."""
    thread = await session.get(ConversationThread, thread_id)
    if _led_by(thread, person):
        comment = await session.get(Comment, thread.comment_id)
        assert comment is not None
        other = sealer.open_author(comment.author or b"") or NOBODY  # told, or quietly not
    else:
        thread, comment = await authored_thread(
            session, person=person, thread_id=thread_id, sealer=sealer
        )
        other = thread.leader_id
    if thread.state != CLOSED:
        thread.state = CLOSED
        session.add(thread)
        _queue(session, thread=thread, to=other, event=Event.CLOSED, sealer=sealer, now=now)
        await session.commit()
    return await view(session, comment=comment, thread=thread)


async def thread_for(
    session: AsyncSession, *, person: Person, thread_id: int, sealer: Sealer
) -> tuple[ThreadView, str]:
    """A thread and the side `person` is on in it, if they are on one."""
    thread = await session.get(ConversationThread, thread_id)
    if _led_by(thread, person):
        comment = await session.get(Comment, thread.comment_id)
        assert comment is not None
        return await view(session, comment=comment, thread=thread), LEADER
    thread, comment = await authored_thread(
        session, person=person, thread_id=thread_id, sealer=sealer
    )
    return await view(session, comment=comment, thread=thread), AUTHOR


async def threads_of(
    session: AsyncSession, *, person: Person, sealer: Sealer
) -> list[tuple[ThreadView, str]]:
    """The person's threads: those on their own comments (found by opening each thread's
    sealed author: nothing stored says which are theirs) and those they started."""
    rows = (
        await session.exec(
            select(ConversationThread, Comment)
            .join(Comment, col(Comment.id) == ConversationThread.comment_id)
            .where(ConversationThread.tenant_id == person.tenant_id)
            .order_by(col(ConversationThread.id).desc())
        )
    ).all()
    found = []
    for thread, comment in rows:
        if thread.leader_id == person.id:
            found.append((await view(session, comment=comment, thread=thread), LEADER))
        elif comment.author and sealer.open_author(comment.author) == person.id:
            found.append((await view(session, comment=comment, thread=thread), AUTHOR))
    return found


def _led_by(thread: ConversationThread | None, person: Person) -> bool:
    return (
        thread is not None
        and thread.tenant_id == person.tenant_id
        and thread.leader_id == person.id
    )


def _queue(
    session: AsyncSession,
    *,
    thread: ConversationThread,
    to: int,
    event: Event,
    sealer: Sealer,
    now: datetime,
) -> None:
    """One outbox row, filed under the thread's leader whoever it goes to; its key seals
    the thread, the recipient and the event (random to anyone without the secret)."""
    box = sealer.seal_ints((thread.id or 0, to, int(event)), purpose=_PURPOSE)
    session.add(
        Delivery(
            tenant_id=thread.tenant_id,
            person_id=thread.leader_id,
            kind=DeliveryKind.CONVERSATION,
            idempotency_key=KEY_PREFIX + base64.urlsafe_b64encode(box).decode(),
            week=iso_week(now.date()),
            due_at=now,
        )
    )


def opened(delivery: Delivery, *, sealer: Sealer) -> Queued | None:
    """What a conversation delivery carries; None when its key does not open."""
    key = delivery.idempotency_key
    if not key.startswith(KEY_PREFIX):
        return None
    try:
        box = base64.urlsafe_b64decode(key[len(KEY_PREFIX) :])
    except ValueError:
        return None
    values = sealer.open_ints(box, purpose=_PURPOSE)
    if values is None or len(values) != 3:
        return None
    return Queued(thread_id=values[0], recipient_id=values[1], event=Event(values[2]))


async def queued_view(session: AsyncSession, queued: Queued) -> ThreadView | None:
    """The thread a delivery is about, as it stands when sent (None: erased since)."""
    thread = await session.get(ConversationThread, queued.thread_id)
    if thread is None:
        return None
    comment = await session.get(Comment, thread.comment_id)
    assert comment is not None
    return await view(session, comment=comment, thread=thread)
