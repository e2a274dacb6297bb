"""What sealing costs per answer: recording a check-in sealed (scrub, seal, one box and the
participation row) against the unsealed write it replaced (participation, the response rows,
the comment and the rollup upsert in the answer's transaction), measured in the same run,
alternating one of each; and publishing a round at close against inserting its rows as is.

    .venv/bin/python bench/sealing.py [--db sqlite|postgresql|both] [--answers N] [--people N]

Realistic data: a 25,000-person directory with real-looking names (the comment scrubber
checks every name), 20 departments, answers with two bank items, two teams named, a blocker
and a 200-character comment naming a colleague and an e-mail address. Medians.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import scratch_db
from bot.pulse.checkins import _check_window, record_checkin
from bot.pulse.publish import publish_round
from bot.pulse.rollup import RESPONDENTS, Increments
from bot.pulse.sealing import Sealer
from bot.pulse.surveys import Question, round_questions, validate_checkin
from bot.store.db import Database, insert_unless_present
from bot.store.models import (
    Comment,
    Department,
    Participation,
    Person,
    Response,
    Round,
    Survey,
    Tenant,
)

PG_NAME = "crosspulse_bench_sealing"
SECRET = b"bench-secret-bench-secret-bench-secret"
DEPARTMENTS = 20
FIRST = ["Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Frances", "Ken"]
LAST = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Ritchie", "Allen"]
NOW = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)


async def populate(db: Database, *, people: int) -> tuple[Survey, list[Round], dict[int, str]]:
    await db.migrate(secret=SECRET)
    async with db.session() as session:
        tenant = Tenant(name="Bench")
        session.add(tenant)
        await session.flush()
        survey = Survey(tenant_id=tenant.id, starts_on=date(2026, 11, 3))
        session.add(survey)
        session.add_all(
            Department(tenant_id=tenant.id, name=f"Dept {i:02d}") for i in range(DEPARTMENTS)
        )
        await session.flush()
        rounds = [
            Round(
                survey_id=survey.id,
                slot=date(2026, 11, 3) + timedelta(weeks=w),
                week=f"2026-W{45 + w}",
                questions=round_questions(round_number=0, per_round=2, custom=[]),
                closes_at=NOW + timedelta(days=30),
            )
            for w in range(2)
        ]
        session.add_all(rounds)
        await session.commit()
        names = dict(
            (await session.exec(select(Department.id, Department.name))).all()
        )
    rng = random.Random(1)
    rows = [
        {
            "tenant_id": 1,
            "email": f"p{i}@example.com",
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}-{i}",
            "department_id": 1 + i % DEPARTMENTS,
            "timezone": "Europe/London",
            "role": "member",
            "pseudonym_salt": f"{rng.getrandbits(128):032x}",
            "opted_out": False,
            "nudges_muted": False,
            "active": True,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in range(people)
    ]
    async with db.engine.begin() as conn:
        await conn.execute(insert(Person), rows)
        for r in rounds:
            await conn.execute(
                text(
                    "INSERT INTO delivery (tenant_id, person_id, round_id, kind, "
                    "idempotency_key, week, due_at, closes_at, state, attempts, nudges_sent) "
                    "SELECT 1, id, :r, 'pulse', 'pulse:' || :r || ':' || id, :w, :due, :closes, "
                    "'sent', 1, 0 FROM person"
                ),
                {"r": r.id, "w": r.week, "due": NOW - timedelta(hours=2),
                 "closes": NOW + timedelta(days=3)},
            )
    return survey, rounds, names


def answers_for(number: int, person: Person, names: dict[int, str], questions: list) -> dict:
    rng = random.Random(number)
    others = [str(d) for d in names if d != person.department_id]
    return {
        **{q["key"]: str(rng.randint(q["low"], q["high"])) for q in questions
           if q["kind"] == "scale"},
        "worked_with": rng.sample(others, 2),
        "blocked_by": rng.choice(others),
        "comment": (
            f"Handover with Grace Hopper-{number % 97} went well but the release notes were "
            "late again; please mail ada.lovelace@contractor.example before Friday so the "
            f"platform team can plan the next sprint properly. Ticket {number}."
        ),
    }


async def unsealed_write(
    db: Database, *, person: Person, round_: Round, answers: dict, names: dict[int, str]
) -> None:
    """The write before sealing, as it was: everything in the clear, in the answer's
    transaction, the rollup upserted at once."""
    async with db.session() as session:
        await _check_window(session, person=person, round_=round_, now=NOW)
        checkin = validate_checkin(
            answers,
            questions=[Question.from_dict(q) for q in round_.questions],
            own_department=person.department_id,
            departments=names,
        )
        key = f"{person.id}"
        base = dict(tenant_id=1, round_id=round_.id, respondent=key, week=round_.week,
                    department_id=person.department_id)
        rows = [Response(**base, item=i, value=v) for i, v in checkin.scores.items()]
        rows += [Response(**base, item="worked_with", value=1, target_department_id=d)
                 for d in checkin.worked_with]
        rows.append(Response(**base, item="blocked_by", value=1,
                             target_department_id=checkin.blocked_by))
        await insert_unless_present(session, Participation, round_id=round_.id,
                                    person_id=person.id, week=round_.week)
        session.add_all(rows)
        increments = Increments()
        for row in rows:
            increments.add_item(tenant_id=1, week=row.week, department_id=row.department_id,
                                item=row.item, value=row.value, target=row.target_department_id)
        increments.add(tenant_id=1, week=round_.week, department_id=person.department_id,
                       item=RESPONDENTS)
        await increments.write(session)
        session.add(Comment(**base, text=checkin.comment))
        await session.commit()


async def run(backend: str, answers: int, people: int) -> None:
    url = scratch_db.create(backend, PG_NAME)
    db = Database(url)
    survey, (sealed_round, plain_round), names = await populate(db, people=people)
    async with db.session() as session:
        persons = (await session.exec(select(Person).order_by(Person.id).limit(answers))).all()
    sealed_times, plain_times = [], []
    for number, person in enumerate(persons):
        given = answers_for(number, person, names, sealed_round.questions)
        started = time.perf_counter()
        async with db.session() as session:
            await record_checkin(session, person=person, round_=sealed_round, answers=given,
                                 departments=names, secret=SECRET, now=NOW)
        sealed_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        await unsealed_write(db, person=person, round_=plain_round, answers=given, names=names)
        plain_times.append(time.perf_counter() - started)
    sealed, plain = statistics.median(sealed_times), statistics.median(plain_times)
    print(f"{backend}: {answers:,} answers, a {people:,}-person directory")
    print(f"  sealed check-in (median):   {sealed * 1000:.2f} ms")
    print(f"  unsealed write (median):    {plain * 1000:.2f} ms")
    print(f"  ratio sealed / unsealed:    {sealed / plain:.2f}")

    async with db.session() as session:
        round_ = await session.get(Round, sealed_round.id)
        survey = await session.get(Survey, survey.id)
        started = time.perf_counter()
        await publish_round(session, survey=survey, round_=round_, sealer=Sealer(SECRET))
        await session.commit()
        publish = time.perf_counter() - started
    print(f"  publishing the round at close: {publish:.2f} s "
          f"({publish / answers * 1000:.2f} ms an answer)")
    await db.dispose()
    scratch_db.drop(backend, PG_NAME)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--answers", type=int, default=1_000)
    parser.add_argument("--people", type=int, default=25_000)
    args = parser.parse_args()
    for backend in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        asyncio.run(run(backend, args.answers, args.people))


if __name__ == "__main__":
    main()
