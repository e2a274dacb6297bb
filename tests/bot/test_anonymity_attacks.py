"""Attacks through outputs other than the score table: comments, live figures, kudos."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.chat.compose import latest_week
from bot.insights.digest import build_digest
from bot.store.db import Database
from tests.bot.test_anonymity import _org
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import World, make_world

SENT = datetime(2026, 11, 3, 11, 0, tzinfo=UTC)  # 11:00 London: everyone has the pulse
CLOSED = datetime(2026, 11, 6, 12, 0, tzinfo=UTC)  # Friday, after the 3-day window


async def _everyone_answers(world: World, comment: bool = False) -> None:
    await world.tick(SENT)
    for number, email in enumerate(list(world.port.inbox)):
        message = world.port.latest(email, "pulse").message
        answers = good_answers(message)
        if comment:
            answers["comment"] = f"the build is slow, note {number}"
        await world.channel.act(
            email, action="checkin", value=message.submit.value, answers=answers
        )


async def test_organisation_comments_minus_a_department_reveal_no_small_group(
    db: Database,
) -> None:
    world = await make_world(db, _org({"Alpha": 12, "Beta": 3}), start=date(2026, 11, 3))
    await _everyone_answers(world, comment=True)
    await world.tick(CLOSED)
    survey = await world.survey()
    async with db.session() as session:
        org = await build_digest(session, survey=survey, week="2026-W45")
        alpha = await build_digest(session, survey=survey, week="2026-W45", department="Alpha")
    assert org.comments, "the organisation has 15 commenters, above the comment threshold"
    residual = [c for c in org.comments if c not in alpha.comments]
    assert len(residual) == 0 or len(residual) >= 10, (
        f"organisation minus Alpha leaves {len(residual)} comments: Beta's 3 people"
    )


async def test_no_figures_while_the_round_is_open(db: Database) -> None:
    """Live figures move with each answer: two looks a minute apart reveal one person's."""
    world = await make_world(db, _org({"Alpha": 9, "Beta": 8}), start=date(2026, 11, 3))
    await _everyone_answers(world)
    survey = await world.survey()
    async with db.session() as session:
        assert await latest_week(session, survey=survey) is None
    boss = await world.channel.command("boss@example.com", "digest")
    assert boss[0].title == "No digest yet", boss[0].fallback_text
    status = await world.channel.command("alpha0@example.com", "status")
    assert "engagement" not in status[0].fallback_text.lower() or "not yet" in (
        status[0].fallback_text.lower()
    )
    await world.tick(CLOSED)
    async with db.session() as session:
        assert await latest_week(session, survey=survey) == "2026-W45"
    boss = await world.channel.command("boss@example.com", "digest")
    assert boss[0].kind == "digest", boss[0].fallback_text


async def test_kudos_counts_need_k_givers_and_stay_in_scope(db: Database) -> None:
    world = await make_world(
        db,
        _org({"Alpha": 6, "Beta": 6, "Gamma": 6, "Delta": 5, "Solo": 1}),
        start=date(2026, 11, 3),
    )
    await world.tick(SENT)
    world.clock.at = SENT
    for i in range(5):
        await world.channel.command(f"alpha{i}@example.com", "thanks beta0@example.com for help")
    await world.channel.command("solo0@example.com", "thanks gamma0@example.com for the fix")
    await world.channel.command("beta0@example.com", "thanks gamma1@example.com for the fix")
    await _everyone_answers(world)
    await world.tick(CLOSED)
    survey = await world.survey()
    async with db.session() as session:
        org = await build_digest(session, survey=survey, week="2026-W45")
        gamma = await build_digest(session, survey=survey, week="2026-W45", department="Gamma")
    assert org.kudos == (("Alpha", "Beta", 5),), "pairs with fewer than k givers are withheld"
    assert gamma.kudos == (), "a department's digest shows only its own pairs"
