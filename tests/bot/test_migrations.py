"""Migrations: 0007 moves an installation of 0006 (answers in the clear, one pseudonym per
person, written in answer order) to sealed answers and per-round, shuffled, pooled rows."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import func, text
from sqlmodel import select

from bot.insights.digest import build_digest
from bot.store.db import Database, alembic_config, head_revision
from bot.store.models import Comment, Participation, Person, Response, SealedAnswer
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import SECRET, World

W45_SENT = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
W46_SENT = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)


def _to(revision: str, downgrade: bool = False):  # type: ignore[no-untyped-def]
    def run(sync_conn) -> None:  # type: ignore[no-untyped-def]
        config = alembic_config()
        config.attributes["connection"] = sync_conn
        config.attributes["secret"] = SECRET
        (command.downgrade if downgrade else command.upgrade)(config, revision)

    return run


def _old_key(salt: str) -> str:
    """0006's pseudonym: the same for a person every week."""
    return hmac.new(SECRET, salt.encode(), hashlib.sha256).hexdigest()[:40]


async def _write_as_0006(world: World, *, round_id: int, week: str, people: list[Person]) -> None:
    """Answers as 0006 stored them: rows in answer order, comments as typed, a stage and an
    answer time on participation, the rollup counting every department."""
    async with world.db.engine.begin() as conn:
        for number, person in enumerate(people):
            key = _old_key(person.pseudonym_salt)
            for item, value in (("enps", 9 if number % 2 else 3), ("energy", 2 + number % 3)):
                await conn.execute(
                    text(
                        "INSERT INTO response (tenant_id, round_id, respondent, week, "
                        "department_id, item, value) VALUES (:t, :r, :k, :w, :d, :i, :v)"
                    ),
                    dict(t=world.tenant_id, r=round_id, k=key, w=week, d=person.department_id,
                         i=item, v=value),
                )
            await conn.execute(
                text(
                    "INSERT INTO comment (tenant_id, round_id, respondent, week, department_id,"
                    " text) VALUES (:t, :r, :k, :w, :d, :x)"
                ),
                dict(t=world.tenant_id, r=round_id, k=key, w=week, d=person.department_id,
                     x=f"ask Lee Gal or mail {person.email} please"),
            )
            await conn.execute(
                text(
                    "INSERT INTO participation (round_id, person_id, week, stage, answered_at) "
                    "VALUES (:r, :p, :w, 'complete', :at)"
                ),
                dict(r=round_id, p=person.id, w=week, at=datetime(2026, 11, 3, 16, number)),
            )
        await conn.execute(text("DELETE FROM weekly_rollup WHERE item <> 'invited'"))
        await conn.execute(
            text(
                "INSERT INTO weekly_rollup (tenant_id, week, department_id, item, target, n, "
                "total, sumsq) SELECT tenant_id, week, department_id, item, 0, COUNT(*), "
                "SUM(value), SUM(value * value) FROM response GROUP BY tenant_id, week, "
                "department_id, item"
            )
        )


async def test_0007_reseals_open_rounds_and_rewrites_closed_ones(
    world: World, db: Database
) -> None:
    await world.tick(W45_SENT)
    await world.close_open_rounds()
    await world.tick(W46_SENT)  # week 46 open, week 45 closed; nobody has answered yet
    async with db.session() as session:
        people = (
            await session.exec(select(Person).where(Person.role == "member").order_by(Person.id))
        ).all()
        rounds = dict((await session.exec(text("SELECT week, id FROM round"))).all())
    async with db.engine.begin() as conn:
        await conn.run_sync(_to("0006", downgrade=True))
    await _write_as_0006(world, round_id=rounds["2026-W45"], week="2026-W45", people=people)
    await _write_as_0006(world, round_id=rounds["2026-W46"], week="2026-W46", people=people)
    async with db.engine.begin() as conn:
        await conn.run_sync(_to("head"))

    survey = await world.survey()
    async with db.session() as session:
        digest = await build_digest(session, survey=survey, week="2026-W45")
        closed = (await session.exec(select(Response).where(Response.week == "2026-W45"))).all()
        comments = (await session.exec(select(Comment.text))).all()
        sealed = (await session.exec(select(func.count()).select_from(SealedAnswer))).one()
        open_rows = (
            await session.exec(select(func.count()).where(Response.week == "2026-W46"))
        ).one()
        answered = (await session.exec(select(func.count()).select_from(Participation))).one()
    by_department = {d.name: d for d in digest.departments}
    # Figures: the organisation's and every shown department's are those of 0006's rows.
    assert digest.responded == 15
    assert by_department["Engineering"].responded == 8
    assert by_department["Engineering"].enps == 0.0  # 4 promoters, 4 detractors of 8
    assert by_department["Legal"].suppressed, "Legal's one answer is pooled, never shown"
    assert by_department["Sales"].suppressed, "Sales too, or total minus shown = Legal"
    assert {r.department_id for r in closed} == {people[0].department_id, None}
    # Pseudonyms are per round now: none of 0006's keys is left.
    old = {_old_key(p.pseudonym_salt) for p in people}
    assert not old & {r.respondent for r in closed}
    # Comments are scrubbed on disk, not only when shown.
    assert comments and not any("@" in c or "Lee" in c for c in comments)
    # The open week's answers are sealed: no response row, one box per person.
    assert (sealed, open_rows, answered) == (15, 0, 30)
    await world.close_open_rounds()
    async with db.session() as session:
        week46 = await build_digest(session, survey=survey, week="2026-W46")
    assert week46.responded == 15 and week46.enps == digest.enps


async def test_round_trip_to_0001_keeps_sealed_answers(world: World, db: Database) -> None:
    await world.tick(W45_SENT)
    for email in ("eng1@example.com", "eng2@example.com", "sales2@example.com"):
        item = world.port.latest(email, "pulse")
        await world.channel.act(
            email, action="checkin", value=item.message.submit.value,
            answers=good_answers(item.message),
        )
    async with db.engine.begin() as conn:
        await conn.run_sync(_to("0001", downgrade=True))
        await conn.run_sync(_to("head"))
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(SealedAnswer))).one() == 3
    await world.close_open_rounds()
    async with db.session() as session:
        rows = (await session.exec(select(func.count()).where(Response.item == "enps"))).one()
    assert rows == 3


def test_the_head_read_from_the_files_is_alembics() -> None:
    """`Database.migrate` skips Alembic when the database is at this head."""
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_database_at_head_is_not_migrated_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await db.schema_version() == head_revision()

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Alembic ran on a database already at its head")

    monkeypatch.setattr(command, "upgrade", refuse)
    await db.migrate()
