"""The department heat map's data: withheld cells for small departments, and no figure for a
group below the threshold left over when the shown departments are taken from the
organisation, in any column (engagement, eNPS, response rate, each item)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from bot.insights.charts import digest_chart
from bot.insights.digest import build_digest
from bot.insights.digest_data import DigestData
from bot.insights.heatmap import ENGAGEMENT, ENPS, RESPONSE_RATE
from bot.store.db import Database
from tests.bot.test_anonymity import _org
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import World, make_world

SENT = datetime(2026, 11, 3, 11, 0, tzinfo=UTC)
K = 5


async def _answer(world: World, rng: random.Random, share: float = 1.0) -> None:
    """Everyone (or `share` of them) answers, each scale item at a random point."""
    await world.tick(SENT)
    for email, items in list(world.port.inbox.items()):
        if rng.random() >= share:
            continue
        message = items[-1].message
        answers = good_answers(message)
        for item in message.inputs:
            if item.kind == "scale":
                answers[item.key] = rng.choice(item.choices).value
        await world.channel.act(
            email, action="checkin", value=message.submit.value, answers=answers
        )
    await world.close_open_rounds()


async def _digest(world: World) -> DigestData:
    survey = await world.survey()
    async with world.db.session() as session:
        return await build_digest(session, survey=survey, week="2026-W45")


def _cells(digest: DigestData) -> dict[str, dict[str, float | None]]:
    assert digest.heatmap is not None
    return {
        row.name: dict(zip(digest.heatmap.columns, row.values, strict=True))
        for row in digest.heatmap.rows
    }


def _residuals(digest: DigestData) -> dict[str, int]:
    """Per column: how many answers "organisation minus the departments whose cell is shown"
    leaves. Every scale item is answered by everyone who checks in, so a cell's group is the
    department's respondents."""
    assert digest.heatmap is not None
    responded = {d.name: d.responded for d in digest.departments}
    cells = _cells(digest)
    residual = {}
    for column in digest.heatmap.columns:
        if cells["organisation"][column] is None:
            continue
        shown = [
            name
            for name, row in cells.items()
            if name != "organisation" and row[column] is not None
        ]
        assert all(responded[name] is not None and responded[name] >= K for name in shown)
        residual[column] = (digest.responded or 0) - sum(responded[name] or 0 for name in shown)
    return residual


async def test_small_departments_are_withheld_cells_never_numbers(db: Database) -> None:
    world = await make_world(db, _org({"Alpha": 9, "Beta": 6, "Gamma": 3}), start=date(2026, 11, 3))
    await _answer(world, random.Random(1))
    digest = await _digest(world)
    assert digest.heatmap is not None
    columns = digest.heatmap.columns
    assert columns[:3] == (ENGAGEMENT, ENPS, RESPONSE_RATE)
    assert [c for c in columns[3:] if c.startswith("bank.")], "the week's rotating items"
    cells = _cells(digest)
    assert list(cells) == ["organisation", "Alpha", "Beta", "Board", "Gamma"]
    # Gamma (3) and Board (1) are too small; together 4 < 5, so Beta (6) goes too.
    for name in ("Gamma", "Board", "Beta"):
        assert set(cells[name].values()) == {None}, name
    assert None not in cells["Alpha"].values()
    assert None not in cells["organisation"].values()
    assert all(v == 0 or v >= K for v in _residuals(digest).values())
    exported = digest.to_json()["heatmap"]
    gamma = next(r for r in exported["rows"] if r["name"] == "Gamma")
    assert gamma["suppressed"] is True
    assert all(c == {"value": None, "suppressed": True} for c in gamma["cells"].values())
    alpha = next(r for r in exported["rows"] if r["name"] == "Alpha")
    assert alpha["cells"][ENGAGEMENT]["value"] == cells["Alpha"][ENGAGEMENT]


@pytest.mark.parametrize("seed", range(4))
async def test_organisation_minus_shown_cells_never_leaves_a_small_group(
    db: Database, seed: int
) -> None:
    rng = random.Random(seed)
    sizes = {
        name: rng.choice([1, 2, 3, 4, 5, 6, 8]) for name in ("Alpha", "Beta", "Gamma", "Delta")
    }
    world = await make_world(db, _org(sizes), start=date(2026, 11, 3))
    await _answer(world, rng, share=0.85)
    digest = await _digest(world)
    if digest.suppressed:
        assert digest.heatmap is None
        return
    for column, left in _residuals(digest).items():
        assert left == 0 or left >= K, f"{column}: organisation minus shown leaves {left} answers"
    for row in digest.heatmap.rows:  # type: ignore[union-attr]
        department = next((d for d in digest.departments if d.name == row.name), None)
        if department is not None and department.suppressed:
            assert set(row.values) == {None}, "a withheld department shows no cell"


async def test_the_chart_draws_the_heat_map_with_alt_text(db: Database) -> None:
    long_name = "Customer Success and Partner Enablement Operations"
    csv = _org({"Alpha": 9, "Gamma": 3}) + "".join(
        f"cs{i}@example.com,C S {i},{long_name},Europe/London,member\n" for i in range(6)
    )
    world = await make_world(db, csv, start=date(2026, 11, 3))
    await _answer(world, random.Random(2))
    digest = await _digest(world)
    chart = digest_chart(digest)
    assert chart is not None and chart.png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "heat map of 4 departments by Engagement, eNPS, Response rate" in chart.alt
    assert "cells withheld (fewer than 5 answers)" in chart.alt
    height = int.from_bytes(chart.png[20:24], "big")
    assert height > 4.2 * 80, "the heat map is a second panel under the silo map and trend"
