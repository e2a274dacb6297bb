"""Attacks on the anonymity promise: no shown figure, alone or subtracted, covers fewer
than k people."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from bot.anonymity import suppressed_groups
from bot.insights.digest import build_digest
from bot.store.db import Database
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import make_world


@pytest.mark.parametrize("seed", range(200))
def test_no_subtraction_reveals_a_small_group(seed: int) -> None:
    rng = random.Random(seed)
    k = rng.choice([3, 5, 7])
    sizes = {d: rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 30]) for d in range(rng.randint(1, 9))}
    hidden = suppressed_groups(sizes, k=k)
    assert all(sizes[d] >= k for d in sizes if d not in hidden), "primary suppression"
    withheld = sum(sizes[d] for d in hidden)
    # Organisation total minus every shown department = the withheld departments together.
    assert withheld == 0 or withheld >= k or len(hidden) == len(sizes)


def test_k_never_below_three() -> None:
    assert suppressed_groups({1: 2, 2: 40}, k=1) == {1, 2}


def _org(sizes: dict[str, int]) -> str:
    rows = ["email,name,department,timezone,role"]
    rows.append("boss@example.com,Boss,Board,Europe/London,executive")
    for department, size in sizes.items():
        rows += [
            f"{department.lower()}{i}@example.com,P {department} {i},{department},"
            "Europe/London,member"
            for i in range(size)
        ]
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("seed", range(3))
async def test_digest_of_a_random_org_never_shows_a_small_group(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    sizes = {name: rng.choice([1, 2, 4, 6, 9]) for name in ("Alpha", "Beta", "Gamma", "Delta")}
    world = await make_world(db, _org(sizes), start=date(2026, 11, 3))
    await world.tick(datetime(2026, 11, 3, 11, 0, tzinfo=UTC))
    names = list(sizes)
    for email, items in list(world.port.inbox.items()):
        message = items[-1].message
        if rng.random() < 0.9:
            answers = good_answers(message)
            answers["comment"] = f"comment from {email}"
            ids = [c.value for c in message.inputs[-3].choices] if message.inputs else []
            if ids:
                answers["blocked_by"] = rng.choice(ids)
            await world.channel.act(
                email, action="checkin", value=message.submit.value, answers=answers
            )
    await world.close_open_rounds()
    survey = await world.survey()
    async with db.session() as session:
        digest = await build_digest(session, survey=survey, week="2026-W45")
    if digest.suppressed:
        return
    shown = [d for d in digest.departments if not d.suppressed]
    assert all(d.responded >= 5 for d in shown)
    hidden_total = digest.responded - sum(d.responded for d in shown)
    assert hidden_total == 0 or hidden_total >= 5, "org minus shown departments"
    for pair in digest.collaboration:
        assert pair.ties is None or pair.ties >= 5
        assert pair.blocked is None or pair.blocked >= 5
    assert not digest.comments or digest.responded >= 10
    assert all("@" not in c for c in digest.comments), "e-mail addresses are scrubbed"
    assert names  # the org had departments of every size


async def test_a_department_filter_shows_nothing_the_organisation_view_withholds(
    db: Database,
) -> None:
    """One filter minus another: a department's own digest must agree with its row in the
    organisation digest, and be refused where that row is withheld (secondary included)."""
    sizes = {"Alpha": 9, "Beta": 6, "Gamma": 4, "Delta": 2}
    world = await make_world(db, _org(sizes), start=date(2026, 11, 3))
    await world.tick(datetime(2026, 11, 3, 11, 0, tzinfo=UTC))
    for email, items in list(world.port.inbox.items()):
        message = items[-1].message
        await world.channel.act(
            email, action="checkin", value=message.submit.value, answers=good_answers(message)
        )
    await world.close_open_rounds()
    survey = await world.survey()
    async with db.session() as session:
        org = await build_digest(session, survey=survey, week="2026-W45")
        rows = {d.name: d for d in org.departments}
        # Gamma (4) and Delta (2) together hold 6 >= 5: both withheld, Beta shown.
        assert rows["Gamma"].suppressed and rows["Delta"].suppressed
        assert not rows["Beta"].suppressed
        for name, row in rows.items():
            scoped = await build_digest(session, survey=survey, week="2026-W45", department=name)
            assert scoped.suppressed == row.suppressed, name
            if not row.suppressed:
                assert (scoped.responded, scoped.engagement) == (row.responded, row.engagement)
    # Secondary suppression at work: with Gamma at 4 and Delta gone, Beta (6) must hide too.
    assert suppressed_groups({1: 9, 2: 6, 3: 4}, k=5) == {2, 3}
