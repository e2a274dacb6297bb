"""Attacks with the database itself, as someone holding a copy would make them: line rows
up by every order the file keeps, join weeks into patterns, compare digests across an
erasure, and grep the raw bytes for what people wrote."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from bot.insights.digest import build_digest
from bot.insights.export import export_csv
from bot.people.org import import_rows
from bot.pulse.privacy import erase_person
from bot.pulse.sealing import SEALED_SIZE, Sealer
from bot.store.db import Database
from bot.store.models import Department, Person, Round, Survey
from tests.bot.test_anonymity import _org
from tests.conftest import SECRET, World, make_world, parse_org
from tests.dump import best_lineup, first_seen, query, raw_dump, rows_in_physical_order

SENT = datetime(2026, 11, 3, 11, 0, tzinfo=UTC)  # 11:00 London: everyone has the pulse
CLOSED = datetime(2026, 11, 6, 12, 0, tzinfo=UTC)  # Friday, after the 3-day window
CHANCE_CEILING = 10  # chance gives about 1 right per order; P(>10) is about 1e-8
LEAKED_EMAIL = "ada.lovelace@contractor.example"
BIG_ORG = {"Alpha": 20, "Beta": 20, "Gamma": 20, "Delta": 20, "Epsilon": 20, "Zeta": 20, "Tiny": 3}


async def _answer_all(world: World, *, seed: int, rate: float = 1.0) -> list[str]:
    """Everyone with a pulse answers, in a shuffled order, with distinct answers; some
    name teams and rate them, some comment (naming a colleague and an e-mail address)."""
    rng = random.Random(seed)
    emails = [e for e in world.port.inbox if world.port.latest(e, "pulse") is not None]
    rng.shuffle(emails)
    answered = []
    for number, email in enumerate(emails):
        if rng.random() >= rate:
            continue
        message = world.port.latest(email, "pulse").message
        answers: dict = {}
        for item in message.inputs:
            if item.kind == "scale":
                answers[item.key] = rng.choice(item.choices).value
        teams = [c.value for c in message.inputs[-3].choices if c.value != "none"]
        if number % 2:
            answers["worked_with"] = rng.sample(teams, 2)
        if number % 3 == 0:
            answers["comment"] = f"ask P Alpha 1 about it, or mail {LEAKED_EMAIL} ({number})"
        shown = await world.channel.act(
            email, action="checkin", value=message.submit.value, answers=answers
        )
        if shown[0].kind == "followup":
            await world.channel.act(
                email,
                action="smoothness",
                value=shown[0].submit.value,
                answers={i.key: str(rng.randint(1, 5)) for i in shown[0].inputs},
            )
        answered.append(email)
    return answered


async def _truth(db: Database, round_id: int) -> dict[int, str]:
    """Who is behind each pseudonym of a round: only the secret tells."""
    sealer = Sealer(SECRET)
    async with db.session() as session:
        people = (await session.exec(select(Person))).all()
    return {p.id: sealer.respondent(round_id=round_id, salt=p.pseudonym_salt) for p in people}


def _time_columns(url: str) -> list[tuple]:
    """Columns that could time an answer, in the tables an answer writes to."""
    tables = ("participation", "response", "comment", "sealed_answer")
    if url.startswith("sqlite"):
        return [
            (table, name)
            for table in tables
            for _, name, kind, *_ in query(url, f"PRAGMA table_info({table})")
            if "DATE" in kind.upper() or "TIME" in kind.upper()
        ]
    names = ", ".join(f"'{t}'" for t in tables)
    return query(
        url,
        "SELECT table_name, column_name FROM information_schema.columns WHERE "
        f"data_type LIKE 'timestamp%' AND table_name IN ({names})",
    )


def _orders(url: str) -> tuple[list[list[int]], list[list[str]], list[list[str]]]:
    """Every order a dump gives: participation by id and as stored; pseudonyms of responses
    and of comments by first id and first stored position."""
    people = [
        [p for (p,) in query(url, "SELECT person_id FROM participation ORDER BY id")],
        [p for (p,) in rows_in_physical_order(url, "participation", ["person_id"])],
    ]
    responses = [
        first_seen(k for (k,) in query(url, "SELECT respondent FROM response ORDER BY id")),
        first_seen(k for (k,) in rows_in_physical_order(url, "response", ["respondent"])),
    ]
    comments = [
        first_seen(k for (k,) in query(url, "SELECT respondent FROM comment ORDER BY id")),
        first_seen(k for (k,) in rows_in_physical_order(url, "comment", ["respondent"])),
    ]
    return people, responses, comments


async def test_a_dump_lines_up_no_one_mid_round_or_after_close(
    db: Database, database_url: str
) -> None:
    world = await make_world(db, _org(BIG_ORG), start=date(2026, 11, 3))
    await world.tick(SENT)
    answered = await _answer_all(world, seed=11)
    assert len(answered) == 124  # everyone, the boss too

    # Mid-round: nothing readable, nothing to order but boxes of one size.
    assert query(database_url, "SELECT count(*) FROM response") == [(0,)]
    assert query(database_url, "SELECT count(*) FROM comment") == [(0,)]
    boxes = [bytes(b) for (b,) in query(database_url, "SELECT box FROM sealed_answer")]
    assert len(boxes) == 124 and {len(b) for b in boxes} == {SEALED_SIZE}
    dump = raw_dump(database_url)
    assert LEAKED_EMAIL.encode() not in dump and b"ask P Alpha" not in dump
    assert _time_columns(database_url) == [], "a row of an answer says when it was written"

    await world.tick(CLOSED)
    async with db.session() as session:
        round_id = (await session.exec(select(Round.id))).one()
    truth = await _truth(db, round_id)
    people, responses, comments = _orders(database_url)
    assert set(responses[0]) <= set(truth.values()), "the test's truth is the real one"
    assert best_lineup(people, responses, truth) <= CHANCE_CEILING
    assert best_lineup(people, comments, truth) <= CHANCE_CEILING
    commenters = [[p for p in order if truth[p] in set(comments[0])] for order in people]
    assert best_lineup(commenters, comments, truth) <= CHANCE_CEILING
    assert query(database_url, "SELECT count(*) FROM sealed_answer") == [(0,)]
    dump = raw_dump(database_url)
    assert LEAKED_EMAIL.encode() not in dump and b"ask P Alpha" not in dump
    assert b"[email]" in dump, "the comments are there, scrubbed"


async def test_weeks_answered_cannot_be_joined_into_a_pattern(
    db: Database, database_url: str
) -> None:
    world = await make_world(
        db, _org({"Alpha": 8, "Beta": 7, "Gamma": 6, "Tiny": 3}), start=date(2026, 11, 3)
    )
    for week in range(8):
        await world.tick(SENT + timedelta(weeks=week))
        await _answer_all(world, seed=week, rate=0.7)
        await world.tick(CLOSED + timedelta(weeks=week))
    weeks_of: dict[str, set[str]] = defaultdict(set)
    department_of: dict[str, int | None] = {}
    for key, week, department in query(
        database_url, "SELECT respondent, week, department_id FROM response"
    ):
        weeks_of[key].add(week)
        department_of[key] = department
    answered: dict[int, set[str]] = defaultdict(set)
    for person, week in query(database_url, "SELECT person_id, week FROM participation"):
        answered[person].add(week)
    home = dict(query(database_url, "SELECT id, department_id FROM person"))
    assert len({w for ws in weeks_of.values() for w in ws}) == 8
    assert all(len(ws) == 1 for ws in weeks_of.values()), "a pseudonym lives one round"
    identified = 0
    for key, weeks in weeks_of.items():
        candidates = [
            p
            for p, done in answered.items()
            if weeks <= done and department_of[key] in (home[p], None)
        ]
        identified += len(candidates) == 1
    assert identified == 0
    # Every stored group is one of at least k respondents (pools included).
    sizes = query(
        database_url,
        "SELECT week, department_id, count(DISTINCT respondent) FROM response "
        "GROUP BY week, department_id",
    )
    assert sizes and min(n for _, _, n in sizes) >= 5, sizes


async def _everything_published(db: Database) -> tuple:
    async with db.session() as session:
        survey = (await session.exec(select(Survey))).one()
        names = (await session.exec(select(Department.name))).all()
        digests = [await build_digest(session, survey=survey, week="2026-W45")]
        for name in sorted(names):
            digests.append(
                await build_digest(session, survey=survey, week="2026-W45", department=name)
            )
        return tuple(d.to_json() for d in digests), await export_csv(session, survey=survey)


async def test_erasure_threshold_and_import_move_no_published_figure(db: Database) -> None:
    world = await make_world(
        db, _org({"Alpha": 12, "Beta": 9, "Gamma": 6, "Small": 4}), start=date(2026, 11, 3)
    )
    await world.tick(SENT)
    await _answer_all(world, seed=5)
    await world.tick(CLOSED)
    before = await _everything_published(db)
    org = before[0][0]
    assert org["comments"], "the organisation's comments are shown"
    shown = {d["name"] for d in org["departments"] if not d["suppressed"]}
    assert shown == {"Alpha", "Beta", "Gamma"}

    async with db.session() as session:
        for email in ("alpha3@example.com", "small1@example.com"):
            person = (await session.exec(select(Person).where(Person.email == email))).one()
            await erase_person(session, person=person, secret=SECRET, actor="test")
    assert await _everything_published(db) == before, "an erasure moved a published figure"

    async with db.session() as session:
        await session.exec(update(Survey).values(k_scores=3, k_comments=3))
        await session.commit()
    assert await _everything_published(db) == before, "a lower threshold showed a pool"

    late = "email,name,department,timezone\n" + "".join(
        f"late{i}@example.com,Late {i},Small,Europe/London\n" for i in range(6)
    ) + "gamma0@example.com,P Gamma 0,Small,Europe/London\n"
    async with db.session() as session:
        await import_rows(session, tenant_id=world.tenant_id, rows=parse_org(late), actor="t")
        await session.commit()
    assert await _everything_published(db) == before, "a late import moved a figure"
