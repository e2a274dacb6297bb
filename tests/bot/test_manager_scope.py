"""Managers see their own people: everyone reporting to them, directly or through others,
across departments; a group below the threshold gets no figures; and no figure ever shown
(organisation, departments, heat map, every manager's people) can be combined with the
others into one person's answer, or any group's below the threshold."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from itertools import combinations

import numpy as np
import pytest
from sqlmodel import select

from bot.anonymity import refine_safely
from bot.insights.access import ManagerScope, digest_scope
from bot.insights.analytics import engagement_index, is_engagement_item, rounded
from bot.insights.digest import build_digest
from bot.insights.manager_digest import build_manager_digest
from bot.people.reports import reports_of
from bot.store.db import Database
from bot.store.models import Department, Person, WeeklyRollup
from tests.conftest import World, make_world

SENT = datetime(2026, 11, 3, 11, 0, tzinfo=UTC)
WEEK = "2026-W45"
K = 5


def _org() -> str:
    """Mona (Engineering) manages Design's three and Legal's three through Lee: six people
    across two departments, each too small for its own figures. Eve manages three engineers
    (too few). Olga manages all six others in Ops, which is only them and her (Ops minus her
    people is Olga alone). Carl manages three engineers and three sellers: both departments
    are shown, so his people would be three of each, and matching his figures against
    Engineering's stored answers would find which three."""
    rows = ["email,name,department,timezone,role,country,manager_email"]
    rows.append("boss@example.com,Boss,Board,Europe/London,executive,GB,")

    def person(email: str, name: str, department: str, manager: str = "") -> None:
        rows.append(f"{email},{name},{department},Europe/London,member,GB,{manager}")

    person("mona@example.com", "Mona Manager", "Engineering")
    for i in range(1, 4):
        person(f"dsg{i}@example.com", f"Designer {i}", "Design", "mona@example.com")
    person("lee@example.com", "Lee Counsel", "Legal", "mona@example.com")
    for i in range(1, 3):
        person(f"legal{i}@example.com", f"Lawyer {i}", "Legal", "lee@example.com")
    person("eve@example.com", "Eve Lead", "Engineering")
    for i in range(1, 4):
        person(f"eng{i}@example.com", f"Engineer {i}", "Engineering", "eve@example.com")
    person("carl@example.com", "Carl Cross", "Sales")
    for i in range(4, 7):
        person(f"eng{i}@example.com", f"Engineer {i}", "Engineering", "carl@example.com")
    for i in range(1, 4):
        person(f"sales{i}@example.com", f"Seller {i}", "Sales", "carl@example.com")
    person("eng7@example.com", "Engineer 7", "Engineering")
    for i in range(4, 9):
        person(f"sales{i}@example.com", f"Seller {i}", "Sales")
    person("olga@example.com", "Olga Ops", "Ops")
    for i in range(1, 7):
        person(f"ops{i}@example.com", f"Operator {i}", "Ops", "olga@example.com")
    return "\n".join(rows) + "\n"


MONAS_PEOPLE = {f"dsg{i}@example.com" for i in range(1, 4)} | {
    "lee@example.com",
    "legal1@example.com",
    "legal2@example.com",
}


async def _answer(world: World) -> dict[str, dict[str, int]]:
    """Everyone but the boss answers, each scale item at random; returns what each said."""
    rng = random.Random(45)
    said: dict[str, dict[str, int]] = {}
    await world.tick(SENT)
    for email, items in sorted(world.port.inbox.items()):
        if email == "boss@example.com":
            continue
        message = items[-1].message
        answers = {
            item.key: rng.choice(item.choices).value
            for item in message.inputs
            if item.kind == "scale"
        }
        said[email] = {key: int(value) for key, value in answers.items()}
        await world.channel.act(
            email, action="checkin", value=message.submit.value, answers=answers
        )
    await world.close_open_rounds()
    return said


async def _world(db: Database) -> tuple[World, dict[str, dict[str, int]]]:
    world = await make_world(db, _org(), start=date(2026, 11, 3))
    return world, await _answer(world)


def _engagement(said: dict[str, dict[str, int]], people: set[str]) -> float | None:
    values = [v for p in people for key, v in said[p].items() if is_engagement_item(key)]
    return rounded(engagement_index_of(values))


def engagement_index_of(values: list[int]) -> float | None:
    from bot.insights.analytics import Stat

    return engagement_index(Stat(len(values), float(sum(values)), 0.0))


async def _manager_digest(world: World, email: str):  # type: ignore[no-untyped-def]
    survey = await world.survey()
    async with world.db.session() as session:
        manager = (await session.exec(select(Person).where(Person.email == email))).one()
        reports = await reports_of(session, manager=manager)
        return await build_manager_digest(
            session, survey=survey, week=WEEK, manager=manager, reports=len(reports)
        )


async def test_a_manager_sees_figures_for_exactly_their_people_across_departments(
    db: Database,
) -> None:
    world, said = await _world(db)
    async with world.db.session() as session:
        mona = (await session.exec(select(Person).where(Person.email == "mona@example.com"))).one()
        scope = await digest_scope(session, person=mona, department=None)
        assert scope == ManagerScope(manager_id=mona.id)
        ids = await reports_of(session, manager=mona)
        emails = set(
            (await session.exec(select(Person.email).where(Person.id.in_(ids)))).all()  # type: ignore[union-attr]
        )
    assert emails == MONAS_PEOPLE
    digest = await _manager_digest(world, "mona@example.com")
    assert not digest.suppressed
    assert (digest.responded, digest.invited) == (6, 6)
    assert digest.engagement == _engagement(said, MONAS_PEOPLE)
    assert digest.engagement != _engagement(
        said,
        {p for p in said if p.startswith("eng") or p in ("mona@example.com", "eve@example.com")},
    ), "not her department's figure"
    assert digest.departments == () and digest.collaboration == () and digest.comments == ()
    replies = await world.channel.command("mona@example.com", "digest")
    text = replies[0].fallback_text
    assert replies[0].title == f"Collaboration digest: people reporting to Mona Manager, {WEEK}"
    assert "(6 of 6)" in text and "Engineering" not in text
    async with world.db.session() as session:
        org = await build_digest(session, survey=await world.survey(), week=WEEK)
    rows = {d.name: d for d in org.departments}
    assert rows["Design"].suppressed and rows["Legal"].suppressed, "each too small alone"
    assert replies[0].image is None


async def test_a_manager_with_three_reports_sees_none(db: Database) -> None:
    world, _ = await _world(db)
    for email, count in (("eve@example.com", 3), ("lee@example.com", 2)):
        replies = await world.channel.command(email, "digest")
        assert replies[0].title == "Your group is too small for figures", email
        assert f"{count} people report to you" in replies[0].fallback_text
        assert "groups of 5 or more" in replies[0].fallback_text
    async with world.db.session() as session:
        stored = (await session.exec(select(WeeklyRollup.department_id))).all()
    eve = await world.person("eve@example.com")
    assert -eve.id not in stored, "no figure is even stored for a group below the threshold"


async def test_scopes_that_split_a_department_small_are_withheld(db: Database) -> None:
    """Olga's people are Ops minus Olga; Carl's are three of Engineering's nine and three of
    Sales' nine, which whoever holds the database could pick out of each department's
    stored answers by matching his figures' sums."""
    world, _ = await _world(db)
    for email in ("olga@example.com", "carl@example.com"):
        digest = await _manager_digest(world, email)
        assert digest.suppressed and digest.engagement is None, email
        replies = await world.channel.command(email, "digest")
        assert "No figures for your people" in replies[0].fallback_text
        assert "Engagement" not in replies[0].fallback_text
        manager = await world.person(email)
        async with world.db.session() as session:
            stored = (
                await session.exec(
                    select(WeeklyRollup.id).where(WeeklyRollup.department_id == -manager.id)
                )
            ).all()
        assert stored == [], f"nothing stored for {email}'s people"


async def test_every_figure_ever_shown_cannot_be_subtracted_to_a_small_group(
    db: Database,
) -> None:
    """The attacker holds every figure of the week (a sum, as mean times count, over a
    known group): the organisation, each department, each heat map row, each manager's
    people. No combination of them may equal the sum over fewer than K people."""
    world, said = await _world(db)
    survey = await world.survey()
    respondents = sorted(said)
    groups: list[set[str]] = []
    async with world.db.session() as session:
        people = (await session.exec(select(Person))).all()
        department_of = {p.email: p.department_id for p in people}
        org = await build_digest(session, survey=survey, week=WEEK)
        assert not org.suppressed
        groups.append(set(respondents))
        department_id = dict((await session.exec(select(Department.name, Department.id))).all())
        for row in org.departments:
            scoped = await build_digest(session, survey=survey, week=WEEK, department=row.name)
            assert scoped.suppressed == row.suppressed
            if not row.suppressed:
                groups.append({e for e in said if department_of[e] == department_id[row.name]})
        assert org.heatmap is not None
        for heat_row in org.heatmap.rows:
            shown_row = next((d for d in org.departments if d.name == heat_row.name), None)
            if shown_row is not None and any(v is not None for v in heat_row.values):
                assert not shown_row.suppressed
        for manager in people:
            reports = await reports_of(session, manager=manager)
            if not reports:
                continue
            emails = {p.email for p in people if p.id in reports}
            if len(reports) < K:
                continue
            digest = await build_manager_digest(
                session, survey=survey, week=WEEK, manager=manager, reports=len(reports)
            )
            if not digest.suppressed:
                groups.append(emails & set(said))
                assert digest.responded == len(emails & set(said))
    assert sorted(len(g) for g in groups[1:4]) == [7, 9, 9], "Engineering, Ops, Sales shown"
    shown_managers = len(groups) - 1 - sum(not d.suppressed for d in org.departments)
    assert shown_managers == 1, "Mona's people only; Olga's and Carl's are withheld"
    # The database holder also sorts stored answers by department (small ones pooled):
    # everyone sharing the same memberships is still K people or more.
    shown_names = {d.name for d in org.departments if not d.suppressed}
    names = {i: n for n, i in department_id.items()}
    stored = {
        e: names[department_of[e]] if names[department_of[e]] in shown_names else None
        for e in respondents
    }
    atoms: dict[tuple, int] = {}
    for e in respondents:
        signature = (stored[e], *(e in g for g in groups))
        atoms[signature] = atoms.get(signature, 0) + 1
    assert min(atoms.values()) >= K, atoms
    matrix = np.array([[float(e in g) for e in respondents] for g in groups])
    _, values, rows = np.linalg.svd(matrix, full_matrices=False)
    basis = rows[values > 1e-9]
    for size in range(1, K):
        for chosen in combinations(range(len(respondents)), size):
            vector = np.zeros(len(respondents))
            vector[list(chosen)] = 1.0
            residual = np.linalg.norm(vector - basis.T @ (basis @ vector))
            assert residual > 1e-6, [respondents[i] for i in chosen]


def _span_holds_small_set(groups: list[frozenset[int]], members: int, k: int) -> bool:
    """Member by member (not through atoms): is a sum over 1 to k-1 members computable?"""
    matrix = np.array([[float(m in g) for m in range(members)] for g in groups])
    _, values, rows = np.linalg.svd(matrix, full_matrices=False)
    basis = rows[values > 1e-9]
    for size in range(1, k):
        for chosen in combinations(range(members), size):
            vector = np.zeros(members)
            vector[list(chosen)] = 1.0
            if np.linalg.norm(vector - basis.T @ (basis @ vector)) < 1e-6:
                return True
    return False


def test_the_guard_on_small_cases() -> None:
    engineering, sales, pooled = (
        frozenset(range(10)),
        frozenset(range(10, 19)),
        frozenset(range(19, 25)),
    )
    stored = [engineering, sales, pooled]
    assert refine_safely(stored, [("mona", pooled)], k=5) == ["mona"]
    across = frozenset({1, 2, 3, 10, 11, 12})
    assert refine_safely(stored, [("carl", across)], k=5) == [], "three of each department"
    all_but_one = frozenset(range(1, 10))
    assert refine_safely(stored, [("olga", all_but_one)], k=5) == []
    parent, child = frozenset(range(6)), frozenset(range(5))
    assert refine_safely(stored, [("parent", parent), ("child", child)], k=5) == ["child"]
    whole, half = frozenset(range(10)), frozenset(range(5))  # all of Engineering, then 5 of 10
    assert refine_safely(stored, [("whole", whole), ("half", half)], k=5) == ["whole", "half"]


@pytest.mark.parametrize("seed", range(6))
def test_the_guard_never_accepts_a_disclosing_group(seed: int) -> None:
    """Random overlapping scopes over four departments: what the guard keeps never lets a
    set of fewer than k people be computed from the figures, nor leaves fewer than k people
    with the same memberships; what it refuses would have. Checked member by member."""
    rng = random.Random(seed)
    members, k = 36, 3
    departments = [frozenset(range(i, i + 9)) for i in range(0, members, 9)]
    candidates = []
    for number in range(12):
        base = set(rng.sample(range(members), rng.randint(3, 14)))
        if candidates and rng.random() < 0.4:  # nested and near-nested scopes
            base = set(rng.choice(candidates)[1]) - {rng.randrange(members)}
        candidates.append((number, frozenset(base)))
    kept = refine_safely(departments, candidates, k=k)
    groups = departments + [g for key, g in candidates if key in kept]
    assert not _span_holds_small_set(groups, members, k)
    assert not _small_atom(groups, members, k)
    for key, group in candidates:  # each refusal: beside what was kept before it, too small
        if key not in kept:
            before = departments + [g for j, g in candidates if j in kept and j < key]
            assert len(group) < k or _small_atom([*before, group], members, k), key


def _small_atom(groups: list[frozenset[int]], members: int, k: int) -> bool:
    """Member by member: do some people share exactly the same memberships, fewer than k?"""
    counts: dict[tuple[bool, ...], int] = {}
    for m in range(members):
        signature = tuple(m in g for g in groups)
        if any(signature):
            counts[signature] = counts.get(signature, 0) + 1
    return min(counts.values()) < k
