"""Anonymous conversations, through the console stand-in on a real database: an executive
replies to a comment of the digest, its author (and only its author) gets it and answers, the
executive sees the answer; forged values, the reply cap, non-leaders, closing, erasure and
retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.messages import Message
from bot.pulse.privacy import enforce_retention
from bot.pulse.sealing import Sealer
from bot.store.db import Database
from bot.store.models import (
    Comment,
    ConversationMessage,
    ConversationThread,
    Delivery,
    Person,
    Round,
    Tenant,
)
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import SECRET, World, link, make_world
from tests.dump import query, raw_dump, rows_in_physical_order

SENT = datetime(2026, 11, 3, 11, 0, tzinfo=UTC)  # Tuesday 11:00 London: everyone has the pulse
DIGEST = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)  # Monday: the W45 digest goes out
LATER = DIGEST + timedelta(hours=1)
TALK_ENDS = LATER + timedelta(minutes=1)  # the last tick of a conversation in these tests
ORG = (
    "email,name,department,timezone,role,country,manager_email\n"
    "ceo@example.com,Casey Chief,Leadership,Europe/London,executive,GB,\n"
    "admin@example.com,Ari Admin,People,Europe/London,admin,GB,\n"
    + "".join(
        f"eng{i}@example.com,Engineer {i},Engineering,Europe/London,member,GB,"
        f"{'eng0@example.com' if i else ''}\n"
        for i in range(12)
    )
    + "".join(
        f"sales{i}@example.com,Seller {i},Sales,Europe/London,member,GB,\n" for i in range(12)
    )
)
AUTHOR = "eng3@example.com"
HANDOFFS = "Handoffs with Sales keep breaking."


def _comment_of(email: str) -> str | None:
    if email == AUTHOR:
        return HANDOFFS
    if email.endswith(("1@example.com", "7@example.com")):
        return f"More time for deep work ({email.split('@')[0]})."
    return None


async def _answer_all(world: World) -> None:
    for email in list(world.port.inbox):
        pulse = world.port.latest(email, "pulse")
        if pulse is None:
            continue
        answers = good_answers(pulse.message)
        if comment := _comment_of(email):
            answers["comment"] = comment
        await world.channel.act(
            email, action="checkin", value=pulse.message.submit.value, answers=answers
        )


async def talking_world(db: Database) -> World:
    """W45 answered by everyone, closed, and its digest in the leaders' chats."""
    world = await make_world(db, ORG)
    await world.tick(SENT)
    await _answer_all(world)
    await world.close_open_rounds()
    await world.tick(DIGEST)
    return world


@pytest.fixture
async def talk(db: Database) -> World:
    return await talking_world(db)


def reply_button(world: World, text: str, email: str = "ceo@example.com") -> str:
    digest = world.port.latest(email, "digest")
    assert digest is not None
    (button,) = [
        a for a in digest.message.actions if a.id == "convo_reply" and text[:31] in a.label
    ]
    return button.value


def conversations_of(world: World, email: str) -> list[Message]:
    return [d.message for d in world.port.inbox.get(email, []) if d.message.kind == "conversation"]


def said(message: Message) -> str:
    return message.fallback_text


async def leader_replies(world: World, text: str, *, email: str = "ceo@example.com") -> Message:
    value = reply_button(world, HANDOFFS)
    (form,) = await world.channel.act(email, action="convo_reply", value=value)
    assert form.kind == "conversation" and form.inputs[0].kind == "text"
    assert HANDOFFS in said(form)
    assert form.submit is not None
    (shown,) = await world.channel.act(
        email, action=form.submit.id, value=form.submit.value, answers={"text": text}
    )
    return shown


async def count(world: World, model, **where) -> int:  # type: ignore[no-untyped-def]
    async with world.db.session() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return (await session.exec(query)).one()


async def test_reply_reaches_only_the_author_who_answers_back(talk: World) -> None:
    digest = talk.port.latest("ceo@example.com", "digest")
    assert digest is not None and HANDOFFS in said(digest.message)
    shown = await leader_replies(talk, "Thank you. Which handoffs, and what breaks?")
    assert "Reply sent" in said(shown)
    assert conversations_of(talk, AUTHOR) == [], "queued, sent by the scheduler"

    report = await talk.tick(LATER)
    assert report.sent == 1
    (dm,) = conversations_of(talk, AUTHOR)
    assert "A leader replied to what you wrote in week 45." in said(dm)
    assert HANDOFFS in said(dm)
    assert "Leader: Thank you. Which handoffs, and what breaks?" in said(dm)
    everyone_else = [e for e in talk.port.inbox if e not in (AUTHOR, "ceo@example.com")]
    assert all(conversations_of(talk, e) == [] for e in everyone_else)

    assert dm.submit is not None and dm.submit.id == "convo_answer"
    (answered,) = await talk.channel.act(
        AUTHOR,
        action=dm.submit.id,
        value=dm.submit.value,
        answers={"text": "The quotes Seller 4 sends; mail ops@example.com"},
    )
    assert "Answer sent" in said(answered)
    await talk.tick(LATER + timedelta(minutes=1))
    ceo = conversations_of(talk, "ceo@example.com")
    back = next(m for m in ceo if "answered you" in said(m))
    assert "Author: The quotes [name] 4 sends; mail [email]" in said(back)  # scrubbed
    assert "Seller" not in said(back) and "ops@" not in said(back)
    assert back.submit is not None and back.submit.id == "convo_send", "the leader may reply"
    sent_to_author = [
        m for m in conversations_of(talk, AUTHOR) if "A leader replied to what" in said(m)
    ]
    assert sent_to_author == [dm], "the author got nothing more"
    assert all(conversations_of(talk, e) == [] for e in everyone_else)


async def test_a_second_tick_sends_nothing_twice(talk: World) -> None:
    await leader_replies(talk, "Which handoffs?")
    await talk.tick(LATER)
    await talk.tick(LATER + timedelta(minutes=5))
    assert len(conversations_of(talk, AUTHOR)) == 1
    assert await count(talk, Delivery, kind="convo", state="sent") == 1


async def test_a_send_cut_short_is_never_repeated(talk: World) -> None:
    """A crash after the row went `sending`: it may have left, so it is never resent."""
    await leader_replies(talk, "Which handoffs?")
    async with talk.db.session() as session:
        row = (await session.exec(select(Delivery).where(Delivery.kind == "convo"))).one()
        row.state, row.claimed_at = "sending", LATER - timedelta(hours=1)
        session.add(row)
        await session.commit()
    await talk.tick(LATER)
    assert conversations_of(talk, AUTHOR) == []
    assert await count(talk, Delivery, kind="convo", state="unknown") == 1
    (listed,) = await talk.channel.command(AUTHOR, "/pulse conversations")
    assert "Which handoffs?" in said(listed), "the reply itself is never lost"


async def test_forged_values_change_nothing(talk: World) -> None:
    await leader_replies(talk, "Which handoffs?")
    async with talk.db.session() as session:
        thread = (await session.exec(select(ConversationThread))).one()
        hidden = Comment(
            tenant_id=talk.tenant_id,
            round_id=1,
            week="2026-W44",  # no digest shows it
            department_id=None,
            text="never shown",
            author=b"x" * 36,
        )
        session.add(hidden)
        await session.commit()
        await session.refresh(hidden)
    before = (
        await count(talk, ConversationMessage),
        await count(talk, Delivery, kind="convo"),
    )
    for value in (
        "999999",
        "abc",
        "-1",
        "",
        "1e3",
        "²",
        "9" * 40,
        str(hidden.id),
        str(hidden.id + 1),
    ):
        (shown,) = await talk.channel.act(
            "ceo@example.com", action="convo_send", value=value, answers={"text": "hi"}
        )
        assert shown.title in ("That comment doesn't exist", "That comment can't be answered")
    # Someone other than the author cannot answer or read the thread, however they name it.
    for email in ("eng4@example.com", "admin@example.com", "sales0@example.com"):
        for action in ("convo_answer", "convo_open", "convo_close"):
            (shown,) = await talk.channel.act(
                email, action=action, value=str(thread.id), answers={"text": "me"}
            )
            assert shown.title == "That conversation doesn't exist"
            assert "Which handoffs?" not in said(shown)
    after = (
        await count(talk, ConversationMessage),
        await count(talk, Delivery, kind="convo"),
    )
    assert after == before
    assert await count(talk, ConversationThread, state="open") == 1


async def test_a_comment_not_shown_in_a_digest_cannot_be_reached(db: Database) -> None:
    """A comment in the database that no digest shows (its week's organisation under the
    comment threshold) is refused, even with its real id."""
    small = ORG.replace(",Engineering,", ",Engineering,", 1)
    world = await make_world(db, small)
    await world.tick(SENT)
    for email in ("eng3@example.com", "eng1@example.com"):  # two answers: under 10
        pulse = world.port.latest(email, "pulse")
        assert pulse is not None
        answers = good_answers(pulse.message) | {"comment": "only two of us answered"}
        await world.channel.act(
            email, action="checkin", value=pulse.message.submit.value, answers=answers
        )
    await world.close_open_rounds()
    async with db.session() as session:
        ids = (await session.exec(select(Comment.id))).all()
    assert ids
    for comment_id in ids:
        (shown,) = await world.channel.act(
            "ceo@example.com", action="convo_reply", value=str(comment_id)
        )
        assert shown.title == "That comment can't be answered"
    assert await count(world, ConversationThread) == 0


async def test_non_leaders_cannot_reply(talk: World) -> None:
    value = reply_button(talk, HANDOFFS)
    for email in ("eng0@example.com", "sales2@example.com", AUTHOR):  # a manager, members
        for action in ("convo_reply", "convo_send"):
            (shown,) = await talk.channel.act(
                email, action=action, value=value, answers={"text": "who are you?"}
            )
            assert shown.title == "Replies are for leaders"
    assert await count(talk, ConversationThread) == 0
    assert await count(talk, Delivery, kind="convo") == 0


async def test_two_replies_then_wait_for_the_answer(talk: World) -> None:
    await leader_replies(talk, "One?")
    shown = await leader_replies(talk, "Two?")
    assert shown.submit is None and "Wait for their answer" in said(shown)
    value = reply_button(talk, HANDOFFS)
    (third,) = await talk.channel.act(
        "ceo@example.com", action="convo_send", value=value, answers={"text": "Three?"}
    )
    assert third.title == "Wait for their answer"
    assert await count(talk, ConversationMessage) == 2
    await talk.tick(LATER)
    dm = conversations_of(talk, AUTHOR)[-1]
    assert "Leader: One?" in said(dm) and "Leader: Two?" in said(dm)
    assert dm.submit is not None
    await talk.channel.act(
        AUTHOR, action=dm.submit.id, value=dm.submit.value, answers={"text": "Quotes."}
    )
    shown = await leader_replies(talk, "Thanks, which quotes?")
    assert "Reply sent" in said(shown)


async def test_another_leader_has_a_thread_of_their_own(talk: World) -> None:
    await leader_replies(talk, "From the CEO")
    await leader_replies(talk, "From the admin", email="admin@example.com")
    await talk.tick(LATER)
    dms = conversations_of(talk, AUTHOR)
    assert len(dms) == 2
    texts = sorted(said(m) for m in dms)
    assert "From the CEO" in texts[0] + texts[1]
    assert not any("From the CEO" in t and "From the admin" in t for t in texts)


async def test_empty_or_overlong_replies_are_refused(talk: World) -> None:
    value = reply_button(talk, HANDOFFS)
    for text in ("", "   ", "x" * 2001):
        (shown,) = await talk.channel.act(
            "ceo@example.com", action="convo_send", value=value, answers={"text": text}
        )
        assert shown.title in ("Nothing to send", "That is too long")
    assert await count(talk, ConversationThread) in (0, 1)
    assert await count(talk, ConversationMessage) == 0


async def test_conversations_command_lists_each_side(talk: World) -> None:
    (empty,) = await talk.channel.command(AUTHOR, "/pulse conversations")
    assert "no conversations yet" in said(empty)
    await leader_replies(talk, "Which handoffs?")
    (mine,) = await talk.channel.command(AUTHOR, "/pulse conversations")
    assert "your comment from week 45" in said(mine) and HANDOFFS in said(mine)
    assert [a.label for a in mine.actions] == ["Answer #1", "Close #1"]
    (theirs,) = await talk.channel.command("ceo@example.com", "/pulse conversations")
    assert "a comment from week 45" in said(theirs)
    assert [a.label for a in theirs.actions] == ["Reply #1", "Close #1"]
    (other,) = await talk.channel.command("eng4@example.com", "/pulse conversations")
    assert "no conversations yet" in said(other)
    (form,) = await talk.channel.act(AUTHOR, action="convo_open", value=mine.actions[0].value)
    assert form.submit is not None and form.submit.id == "convo_answer"
    assert "Which handoffs?" in said(form)


async def test_the_author_closes_and_the_leader_is_told(talk: World) -> None:
    await leader_replies(talk, "Which handoffs?")
    await talk.tick(LATER)
    (dm,) = conversations_of(talk, AUTHOR)
    close = next(a for a in dm.actions if a.id == "convo_close")
    (shown,) = await talk.channel.act(AUTHOR, action=close.id, value=close.value)
    assert shown.title == "Conversation closed"
    await talk.tick(LATER + timedelta(minutes=1))
    told = conversations_of(talk, "ceo@example.com")[-1]
    assert "was closed" in said(told) and told.submit is None
    (refused,) = await talk.channel.act(
        "ceo@example.com",
        action="convo_send",
        value=reply_button(talk, HANDOFFS),
        answers={"text": "Please?"},
    )
    assert refused.title == "This conversation is closed"
    (late,) = await talk.channel.act(
        AUTHOR, action="convo_answer", value=close.value, answers={"text": "Actually..."}
    )
    assert late.title == "This conversation is closed"


async def _leader_sees(world: World, database_url: str) -> tuple:
    """All a leader (and anyone with the dump but not the secret) can see of W45's comments
    and the conversation: the digest asked for again, its buttons, the thread from either
    of its views, and the rows of comments, threads, messages and conversation deliveries."""
    (digest,) = await world.channel.command("ceo@example.com", "/pulse digest")
    (listed,) = await world.channel.command("ceo@example.com", "/pulse conversations")
    (opened,) = await world.channel.act(
        "ceo@example.com", action="convo_open", value=listed.actions[0].value
    )
    (form,) = await world.channel.act(
        "ceo@example.com", action="convo_reply", value=reply_button(world, HANDOFFS)
    )
    comments = query(
        database_url,
        "SELECT id, round_id, respondent IS NULL, week, department_id, text, author IS NULL, "
        "length(author) FROM comment ORDER BY id",
    )
    threads = query(database_url, "SELECT * FROM conversation_thread ORDER BY id")
    words = query(database_url, "SELECT * FROM conversation_message ORDER BY id")
    convo = query(
        database_url,
        "SELECT person_id, state, attempts, last_error, message_ref, platform, week "
        "FROM delivery WHERE kind = 'convo' ORDER BY id",
    )
    messages = [
        (m.title, said(m), [(a.id, a.label, a.value) for a in m.actions],
         m.submit and (m.submit.id, m.submit.value))
        for m in (digest, listed, opened, form)
    ]
    return messages, comments, threads, words, convo


async def test_erasing_an_author_shows_leaders_nothing(database_url: str, db: Database) -> None:
    """X answered a leader's reply, then is erased: the executive asking for the same week's
    digest again, opening the thread, and a dump before and after, see the same things;
    the comment's sealed author opens to nobody; a later reply goes like any other, reaches
    no one, and leaves the rows an ordinary reply leaves. (Comments never lose their own
    pseudonym this way: `respondent` was already cleared, and the dump cannot read it.)"""
    talk = await talking_world(db)
    await leader_replies(talk, "Which handoffs?")
    await talk.tick(LATER)
    (dm,) = conversations_of(talk, AUTHOR)
    assert dm.submit is not None
    await talk.channel.act(
        AUTHOR, action=dm.submit.id, value=dm.submit.value, answers={"text": "The quotes."}
    )
    await talk.tick(TALK_ENDS)
    talk.clock.at = TALK_ENDS
    before = await _leader_sees(talk, database_url)
    async with db.session() as session:
        author_id = (
            await session.exec(select(Person.id).where(Person.email == AUTHOR))
        ).one()
    await talk.channel.act(AUTHOR, action="forget_confirm")
    after = await _leader_sees(talk, database_url)
    assert after[0] == before[0], "the digest, its Reply buttons and the thread look the same"
    assert "The quotes." in said_text(after[0])
    comments = [row[:2] + row[3:] for row in after[1]]  # `respondent` cleared: unreadable
    assert comments == [row[:2] + row[3:] for row in before[1]]
    assert after[2:] == before[2:], "the thread, its words and its deliveries as they were"

    sealer = Sealer(SECRET)
    boxes = query(database_url, "SELECT author FROM comment WHERE author IS NOT NULL")
    assert author_id not in {sealer.open_author(bytes(box)) for (box,) in boxes}
    async with db.session() as session:
        everyone = set((await session.exec(select(Person.id))).all())
    opened_to = [sealer.open_author(bytes(box)) for (box,) in boxes]
    assert all(o is not None for o in opened_to), "a decoy is a box like the others"
    assert len([o for o in opened_to if o not in everyone]) == 1, "one opens to nobody"

    # A later reply: answered as any other, queued, recorded as any other delivery.
    shown = await leader_replies(talk, "Thanks, we will fix them.")
    assert "Reply sent" in said(shown)
    inbox = len(talk.port.inbox.get(AUTHOR, []))
    report = await talk.tick(TALK_ENDS + timedelta(minutes=1))
    assert report.sent == 1 and report.failed == 0
    assert len(talk.port.inbox.get(AUTHOR, [])) == inbox
    rows = query(
        database_url,
        "SELECT state, attempts, last_error, message_ref, platform FROM delivery "
        "WHERE kind = 'convo' ORDER BY id",
    )
    assert len(rows) == 3 and len({tuple(r) for r in rows}) == 1, rows


def said_text(messages: list) -> str:
    return " ".join(text for _, text, _, _ in messages)


async def test_erasing_the_leader_removes_their_threads(talk: World) -> None:
    await leader_replies(talk, "Which handoffs?")
    await talk.channel.act("ceo@example.com", action="forget_confirm")
    assert await count(talk, ConversationThread) == 0
    assert await count(talk, ConversationMessage) == 0
    await talk.tick(LATER)
    assert conversations_of(talk, AUTHOR) == []


async def test_a_reply_to_an_author_erased_before_it_went_is_not_sent(talk: World) -> None:
    """Nothing reaches them, and the row says what any sent reply says."""
    await leader_replies(talk, "Which handoffs?")
    await talk.channel.act(AUTHOR, action="forget_confirm")
    report = await talk.tick(LATER)
    assert conversations_of(talk, AUTHOR) == []
    assert report.failed == 0
    assert await count(talk, Delivery, kind="convo", state="sent") == 1


async def test_retention_removes_conversations_with_their_comments(talk: World) -> None:
    await leader_replies(talk, "Which handoffs?")
    await talk.tick(LATER)
    async with talk.db.session() as session:
        await enforce_retention(
            session, tenant_id=talk.tenant_id, weeks=4, now=LATER + timedelta(weeks=5)
        )
    assert await count(talk, ConversationThread) == 0
    assert await count(talk, ConversationMessage) == 0
    assert await count(talk, Comment) == 0
    assert await count(talk, Delivery, kind="convo") == 0


async def test_comments_from_before_conversations_have_no_reply_button(talk: World) -> None:
    async with talk.db.session() as session:
        for comment in (await session.exec(select(Comment))).all():
            comment.author = None
            session.add(comment)
        await session.commit()
    await talk.tick(DIGEST + timedelta(days=7))  # W46's digest: no comments at all
    (shown,) = await talk.channel.command("ceo@example.com", "/pulse digest")
    assert not any(a.id == "convo_reply" for a in shown.actions)
    async with talk.db.session() as session:
        ceo = (await session.exec(select(Person).where(Person.email == "ceo@example.com"))).one()
        comment_id = (await session.exec(select(Comment.id))).first()
    assert ceo.id
    (refused,) = await talk.channel.act(
        "ceo@example.com", action="convo_reply", value=str(comment_id)
    )
    assert refused.title == "That comment can't be answered"


async def test_a_dump_links_no_thread_to_its_author(database_url: str, db: Database) -> None:
    """Someone holding the database (every row, every byte) but not CROSSPULSE_SECRET: the
    threads, their words and their deliveries name the leaders only; nothing in them equals
    anything stored about an author; no row naming an author was written while they talked;
    equal authors give unequal boxes, which no other secret opens."""
    world = await talking_world(db)
    authors = {
        AUTHOR: HANDOFFS,
        "eng1@example.com": "More time for deep work (eng1).",
        "eng7@example.com": "More time for deep work (eng7).",
    }
    await link(db, AUTHOR, "slack", "U0AUTHOR3")
    digest = world.port.latest("ceo@example.com", "digest")
    assert digest is not None
    for leader in ("ceo@example.com", "admin@example.com"):
        for text in authors.values():
            (button,) = [
                a for a in digest.message.actions if a.id == "convo_reply" and text[:31] in a.label
            ]
            await world.channel.act(
                leader, action="convo_send", value=button.value, answers={"text": "Tell me more"}
            )
    world.clock.at = LATER
    await world.tick(LATER)
    for email in authors:
        for dm in conversations_of(world, email):
            assert dm.submit is not None
            await world.channel.act(
                email, action=dm.submit.id, value=dm.submit.value, answers={"text": "Sure: more."}
            )
    await world.tick(LATER + timedelta(minutes=1))
    assert await count(world, ConversationMessage, side="author") == 6

    sealer = Sealer(SECRET)
    async with db.session() as session:
        people = {p.email: p for p in (await session.exec(select(Person))).all()}
        rounds = (await session.exec(select(Round.id))).all()
    leaders = {people["ceo@example.com"].id, people["admin@example.com"].id}
    threads = query(database_url, "SELECT leader_id, comment_id FROM conversation_thread")
    assert len(threads) == 6 and {leader for leader, _ in threads} == leaders
    convo = query(
        database_url,
        "SELECT person_id, idempotency_key, message_ref, platform FROM delivery "
        "WHERE kind = 'convo'",
    )
    assert len(convo) == 12  # 6 replies to authors, 6 answers to leaders
    assert {person for person, _, _, _ in convo} == leaders, "filed under the leaders only"
    assert all(ref in (None, "null") for _, _, ref, _ in convo), "no chat address of an author"
    assert all(platform is None for *_, platform in convo), "nor their platform"
    assert len({key for _, key, _, _ in convo}) == 12

    # Nothing stored in a thread, its words or its deliveries equals anything about an author.
    stored = " ".join(
        str(v)
        for table, columns in (
            ("conversation_thread", "id, tenant_id, comment_id, leader_id, week, state"),
            ("conversation_message", "id, thread_id, side, text"),
        )
        for row in rows_in_physical_order(database_url, table, columns.split(", "))
        for v in row
    ) + " ".join(key for _, key, _, _ in convo)
    for email in authors:
        person = people[email]
        secrets_of = [person.email, person.name, person.pseudonym_salt, "U0AUTHOR3"]
        secrets_of += [sealer.respondent(round_id=r, salt=person.pseudonym_salt) for r in rounds]
        assert not [s for s in secrets_of if s in stored], email

    # No row naming an author holds a time from the conversation: nothing to line up.
    for email in authors:
        person_id = people[email].id
        times = query(
            database_url,
            f"SELECT due_at, sent_at, claimed_at FROM delivery WHERE person_id = {person_id}",
        )
        during = [t for row in times for t in row if t and DIGEST <= _utc(t) <= TALK_ENDS]
        assert during == [], email
        (updated,) = query(database_url, f"SELECT updated_at FROM person WHERE id = {person_id}")
        assert not DIGEST <= _utc(updated[0]) <= TALK_ENDS
    audit = query(database_url, "SELECT actor, detail FROM auditlog")
    authored_ids = {str(people[e].id) for e in authors}
    assert not [a for a in audit if a[0] in {f"person:{i}" for i in authored_ids}]

    # The comments' sealed authors: one size, all different, opened by no other secret.
    boxes = [
        bytes(box)
        for (box,) in query(database_url, "SELECT author FROM comment WHERE author IS NOT NULL")
    ]
    assert len(boxes) == len(set(boxes)) == 7 and len({len(b) for b in boxes}) == 1
    again = {sealer.seal_author(people[AUTHOR].id or 0) for _ in range(5)}
    assert len(again) == 5, "the same author never gives the same box"
    stranger = Sealer(b"another-secret-of-at-least-32-bytes!")
    assert all(stranger.open_author(b) is None for b in boxes)
    assert {sealer.open_author(b) for b in boxes} >= {people[e].id for e in authors}
    raw = raw_dump(database_url)
    assert b"Sure: more." in raw and b"U0AUTHOR3" in raw  # the dump is the whole database


def _utc(value: datetime | str) -> datetime:
    """A time as either driver returns it (SQLite: text, naive UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def test_a_leader_opting_out_of_pulses_still_has_the_reply_delivered(talk: World) -> None:
    await leader_replies(talk, "Which handoffs?")
    await talk.channel.command("ceo@example.com", "/pulse optout")
    await talk.tick(LATER)
    assert len(conversations_of(talk, AUTHOR)) == 1


async def test_clicks_at_once_make_one_thread_and_keep_the_cap(talk: World) -> None:
    value = reply_button(talk, HANDOFFS)
    shown = await asyncio.gather(
        *(
            talk.channel.act(
                "ceo@example.com", action="convo_send", value=value, answers={"text": f"#{n}"}
            )
            for n in range(4)
        )
    )
    titles = sorted(m[0].title for m in shown)
    assert titles.count("Wait for their answer") == 2, titles
    assert await count(talk, ConversationThread) == 1
    assert await count(talk, ConversationMessage) == 2
    assert await count(talk, Delivery, kind="convo") == 2


async def test_the_leader_closes_and_the_author_is_told(talk: World) -> None:
    await leader_replies(talk, "Which handoffs?")
    await talk.tick(LATER)
    (listed,) = await talk.channel.command("ceo@example.com", "/pulse conversations")
    close = next(a for a in listed.actions if a.id == "convo_close")
    (shown,) = await talk.channel.act("ceo@example.com", action=close.id, value=close.value)
    assert shown.title == "Conversation closed"
    await talk.tick(LATER + timedelta(minutes=1))
    told = conversations_of(talk, AUTHOR)[-1]
    assert "was closed" in said(told) and told.submit is None and told.actions == ()
    (again,) = await talk.channel.act("ceo@example.com", action=close.id, value=close.value)
    assert again.title == "Conversation closed"
    assert await count(talk, Delivery, kind="convo") == 2, "closing twice tells once"


async def test_a_comment_of_another_organisation_does_not_exist(talk: World) -> None:
    async with talk.db.session() as session:
        other = Tenant(name="Other Co")
        session.add(other)
        await session.flush()
        theirs = Comment(
            tenant_id=other.id or 0,
            round_id=1,
            week="2026-W45",
            text="Their secret",
            author=Sealer(SECRET).seal_author(1),
        )
        session.add(theirs)
        await session.commit()
        await session.refresh(theirs)
    for action in ("convo_reply", "convo_send"):
        (shown,) = await talk.channel.act(
            "ceo@example.com", action=action, value=str(theirs.id), answers={"text": "hi"}
        )
        assert shown.title == "That comment doesn't exist"
        assert "Their secret" not in said(shown)
    assert await count(talk, ConversationThread) == 0


async def test_the_author_reads_the_reply_in_their_own_language(talk: World) -> None:
    async with talk.db.session() as session:
        author = (await session.exec(select(Person).where(Person.email == AUTHOR))).one()
        author.language = "de"
        session.add(author)
        await session.commit()
    await leader_replies(talk, "Which handoffs?")
    await talk.tick(LATER)
    (dm,) = conversations_of(talk, AUTHOR)
    assert "Eine Führungskraft hat auf Ihren Kommentar aus KW 45 geantwortet." in said(dm)
    assert dm.language == "de"
