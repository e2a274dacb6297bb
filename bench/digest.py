"""Digest speed: one week's org digest over a million check-ins (25,000 people, 40 weeks,
about 7% of check-ins with a comment naming a colleague, people with real-looking names)
against the raw SQL aggregate over the same rows, measured in the same run; then the whole
`crosspulse digest --format json` process on the same database.

    .venv/bin/python bench/digest.py [--db sqlite|postgresql|both] [--people N] [--weeks N]

Each check-in is five response rows (eNPS, energy, one bank item, one team worked with and
its smoothness), so a million check-ins are five million rows. Rows are generated in SQL,
then the rollup is rebuilt from them with the same code erasure uses. Medians of 7 runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import scratch_db
from bot.insights.digest import build_digest
from bot.pulse.rollup import rebuild
from bot.pulse.schedule import iso_week, previous_week
from bot.store.db import Database
from bot.store.models import Department, Round, Survey, Tenant

PG_NAME = "crosspulse_bench"
DEPARTMENTS = 20
RUNS = 7
SERIES = "WITH RECURSIVE s(p) AS (SELECT 0 UNION ALL SELECT p + 1 FROM s WHERE p < {last}) "
FIRST = ["Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Frances", "Ken"]
LAST = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Ritchie", "Allen"]


def _pick(words: list[str], expression: str) -> str:
    """SQL choosing one of the words by an integer expression (no arrays: SQLite has none)."""
    cases = " ".join(f"WHEN {i} THEN '{w}'" for i, w in enumerate(words))
    return f"(CASE ({expression}) % {len(words)} {cases} END)"


NAME = f"{_pick(FIRST, 's.p')} || ' ' || {_pick(LAST, 's.p / 9')} || '-' || s.p"
COMMENT = (
    f"'Handover with ' || {_pick(FIRST, 's.p + r.id')} || ' ' || {_pick(LAST, 's.p * 7')} || "
    "' went fine, but the release notes were late again and the on-call rota is unclear; "
    "could we agree who owns the checklist? Ticket ' || s.p"
)
COMMENT_SHARE = 7  # percent of check-ins with a comment


def raw_aggregate_sql(weeks: list[str]) -> str:
    """What the digest shows, straight from the raw rows: per week, department, item and
    target the n, sum and sum of squares, respondents per department, and invitations."""
    quoted = ", ".join(f"'{w}'" for w in weeks)
    return (
        "SELECT week, department_id, item, COALESCE(target_department_id, 0), COUNT(*), "
        "SUM(value), SUM(value * value), COUNT(DISTINCT respondent) FROM response "
        f"WHERE tenant_id = 1 AND week IN ({quoted}) "
        "GROUP BY week, department_id, item, COALESCE(target_department_id, 0) "
        "UNION ALL SELECT d.week, p.department_id, 'invited', 0, COUNT(*), 0, 0, 0 "
        "FROM delivery d JOIN person p ON p.id = d.person_id "
        f"WHERE d.tenant_id = 1 AND d.kind = 'pulse' AND d.week IN ({quoted}) "
        "GROUP BY d.week, p.department_id"
    )


async def populate(db: Database, *, people: int, weeks: int) -> tuple[Survey, str]:
    await db.migrate()
    first = date(2025, 12, 2)
    async with db.session() as session:
        tenant = Tenant(name="Bench")
        session.add(tenant)
        await session.flush()
        survey = Survey(tenant_id=tenant.id, starts_on=first)
        session.add(survey)
        session.add_all(
            Department(tenant_id=tenant.id, name=f"Dept {i:02d}") for i in range(DEPARTMENTS)
        )
        await session.flush()
        for w in range(weeks):
            slot = first + timedelta(weeks=w)
            session.add(
                Round(
                    survey_id=survey.id,
                    slot=slot,
                    week=iso_week(slot),
                    questions=[],
                    state="closed",
                    closes_at=datetime.now(UTC),
                )
            )
        await session.commit()
    series = SERIES.format(last=people - 1)
    dept = f"1 + (s.p % {DEPARTMENTS})"
    other = f"1 + ((s.p + 1 + r.id % {DEPARTMENTS - 1}) % {DEPARTMENTS})"
    statements = [
        f"INSERT INTO person (tenant_id, email, name, department_id, timezone, role, "
        f"pseudonym_salt, opted_out, nudges_muted, active, created_at, updated_at) {series}"
        f"SELECT 1, 'p' || s.p || '@example.com', {NAME}, {dept}, 'UTC', 'member', "
        "'salt' || s.p, false, false, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM s",
        "INSERT INTO delivery (tenant_id, person_id, round_id, kind, idempotency_key, week, "
        "due_at, state, attempts, nudges_sent) SELECT 1, p.id, r.id, 'pulse', "
        "'pulse:' || r.id || ':' || p.id, r.week, CURRENT_TIMESTAMP, 'sent', 1, 0 "
        "FROM person p CROSS JOIN round r",
    ]
    items = [
        ("enps", "(s.p * 7 + r.id * 13) % 11", "NULL"),
        ("energy", "1 + (s.p * 31 + r.id * 17) % 5", "NULL"),
        ("bank.clarity", "1 + (s.p * 11 + r.id * 5) % 5", "NULL"),
        ("worked_with", "1", other),
        ("smoothness", "1 + (s.p * 3 + r.id) % 5", other),
    ]
    for item, value, target in items:
        statements.append(
            "INSERT INTO response (tenant_id, round_id, respondent, week, department_id, item, "
            f"value, target_department_id) {series}SELECT 1, r.id, 'r' || s.p, r.week, {dept}, "
            f"'{item}', {value}, {target} FROM s CROSS JOIN round r"
        )
    statements.append(
        "INSERT INTO comment (tenant_id, round_id, respondent, week, department_id, text) "
        f"{series}SELECT 1, r.id, 'r' || s.p, r.week, {dept}, {COMMENT} FROM s CROSS JOIN "
        f"round r WHERE (s.p * 13 + r.id * 7) % 100 < {COMMENT_SHARE}"
    )
    async with db.engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    last_week = iso_week(first + timedelta(weeks=weeks - 1))
    async with db.session() as session:
        started = time.perf_counter()
        all_weeks = {iso_week(first + timedelta(weeks=w)) for w in range(weeks)}
        await rebuild(session, tenant_id=1, weeks=all_weeks)
        await session.commit()
        print(f"  rollup rebuilt from the raw rows in {time.perf_counter() - started:.1f} s")
        survey = await session.get(Survey, survey.id)
    async with db.engine.connect() as conn:  # fresh planner statistics, as a live DB has
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE" if db.url.startswith("postgresql") else "ANALYZE"))
    return survey, last_week


async def measure(db: Database, survey: Survey, week: str) -> tuple[float, float, int]:
    weeks = [week]
    for _ in range(3):
        weeks.insert(0, previous_week(weeks[0]))
    raw_sql = text(raw_aggregate_sql(weeks))
    digest_times, raw_times = [], []
    responded = comments = 0
    for _ in range(RUNS):  # alternate, so both see the same cache state
        started = time.perf_counter()
        async with db.session() as session:
            digest = await build_digest(session, survey=survey, week=week)
        digest_times.append(time.perf_counter() - started)
        responded, comments = digest.responded or 0, len(digest.comments)
        started = time.perf_counter()
        async with db.engine.connect() as conn:
            (await conn.execute(raw_sql)).all()
        raw_times.append(time.perf_counter() - started)
    return statistics.median(digest_times), statistics.median(raw_times), responded, comments


def whole_process(url: str, week: str) -> float:
    """`crosspulse digest --format json` as a script runs it: start-up, migrations check,
    the digest, the JSON; median of 3."""
    env = {
        **os.environ,
        "DATABASE_URL": url.replace("+aiosqlite", "").replace("+psycopg", ""),
        "CROSSPULSE_SECRET": "bench-secret-bench-secret-bench-secret",
    }
    command = [str(Path(sys.executable).parent / "crosspulse"), "digest", "--format", "json",
               "--week", week]
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def run(backend: str, people: int, weeks: int) -> None:
    print(
        f"{backend}: {people:,} people x {weeks} weeks = {people * weeks:,} check-ins, "
        f"{people * weeks * 5:,} response rows"
    )
    url = scratch_db.create(backend, PG_NAME)
    db = Database(url)
    started = time.perf_counter()
    survey, week = await populate(db, people=people, weeks=weeks)
    print(f"  generated in {time.perf_counter() - started:.0f} s")
    digest, raw, responded, comments = await measure(db, survey, week)
    await db.dispose()
    print(f"  week {week}: {responded:,} respondents, {comments:,} comments shown")
    print(f"  org digest (median of {RUNS}): {digest * 1000:.1f} ms")
    print(f"  raw SQL aggregate of the same 4 weeks (median of {RUNS}): {raw * 1000:.1f} ms")
    print(f"  ratio digest / raw aggregate: {digest / raw:.2f} (goal: at most 2, and under 1 s)")
    process = whole_process(url, week)
    print(f"  whole `crosspulse digest --format json` process (median of 3): {process:.2f} s")
    scratch_db.drop(backend, PG_NAME)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--people", type=int, default=25_000)
    parser.add_argument("--weeks", type=int, default=40)
    args = parser.parse_args()
    for backend in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        asyncio.run(run(backend, args.people, args.weeks))


if __name__ == "__main__":
    main()
