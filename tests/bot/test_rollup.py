"""The weekly rollup written when a round closes equals a fresh aggregate of the raw rows,
and an erasure afterwards deletes the person's rows without moving a published figure."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import select

from bot.insights.digest import build_digest
from bot.pulse.privacy import erase_person
from bot.pulse.rollup import rebuild
from bot.store.models import Response, WeeklyRollup
from tests.conftest import SECRET, World


async def _snapshot(world: World) -> dict:
    async with world.db.session() as session:
        rows = (await session.exec(select(WeeklyRollup))).all()
    return {
        (r.week, r.department_id, r.item, r.target): (r.n, round(r.total, 6), round(r.sumsq, 6))
        for r in rows
    }


async def _rebuilt(world: World) -> dict:
    async with world.db.session() as session:
        weeks = set((await session.exec(select(WeeklyRollup.week).distinct())).all())
        await rebuild(session, tenant_id=world.tenant_id, weeks=weeks)
        await session.commit()
    return await _snapshot(world)


async def test_published_rollup_equals_rebuild_and_stays_after_erasure(world: World) -> None:
    rng = random.Random(7)
    await world.tick(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    for email, items in list(world.port.inbox.items()):
        message = items[-1].message
        others = [c.value for c in message.inputs[-3].choices]
        answers = {
            key: str(rng.randint(int(v[0]), int(v[1])))
            for key, v in (
                (i.key, (i.choices[0].value, i.choices[-1].value))
                for i in message.inputs
                if i.kind == "scale"
            )
        }
        answers["worked_with"] = rng.sample(others, 2)
        answers["blocked_by"] = rng.choice(others)
        shown = await world.channel.act(
            email, action="checkin", value=message.submit.value, answers=answers
        )
        follow = shown[0]
        await world.channel.act(
            email,
            action="smoothness",
            value=follow.submit.value,
            answers={i.key: str(rng.randint(1, 5)) for i in follow.inputs},
        )
    open_week = await _snapshot(world)
    assert {k[2] for k in open_week} == {"invited"}, "no answer counts before the close"
    await world.close_open_rounds()
    published = await _snapshot(world)
    assert published == await _rebuilt(world)
    respondents = sum(v[0] for k, v in published.items() if k[2] == "respondents")
    assert respondents == 17
    survey = await world.survey()
    async with world.db.session() as session:
        before = await build_digest(session, survey=survey, week="2026-W45")
        rows_before = (await session.exec(select(func.count()).select_from(Response))).one()
        person = await session.merge(await world.person("eng3@example.com"))
        await erase_person(session, person=person, secret=SECRET, actor="test")
    assert await _snapshot(world) == published, "published figures never move"
    async with world.db.session() as session:
        after = await build_digest(session, survey=survey, week="2026-W45")
        rows = (await session.exec(select(func.count()).select_from(Response))).one()
    assert after == before
    assert 0 < rows < rows_before, "the erased person's responses are gone"
