"""`crosspulse listen start|status|summary` on a real database: bad input is refused with
every reason and starts nothing; a tour started from the command line reaches people through
the scheduler, `status` follows it, `summary` waits for the close and then prints the text
or the JSON and writes the dependency map."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from adapters.cli import app
from bot.store.models import ListeningTour, Survey
from tests.conftest import World

runner = CliRunner()
STARTS = "2026-11-10T07:00:00+00:00"  # a Tuesday
SENT = datetime(2026, 11, 10, 16, 0, tzinfo=UTC)
CLOSES = datetime(2026, 11, 14, 12, 0, tzinfo=UTC)  # the day after --until 2026-11-13


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", database_url)

    async def run(*args: str):  # type: ignore[no-untyped-def]
        """In a thread: the command runs its own event loop, beside the test's."""
        return await asyncio.to_thread(runner.invoke, app, list(args))

    return run


async def test_a_tour_from_the_command_line(cli, world: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async with world.db.session() as session:
        survey = (await session.exec(select(Survey))).one()
        survey.k_scores, survey.k_comments = 3, 3  # a small org: a low comment threshold
        session.add(survey)
        await session.commit()
    bad = await cli(
        "listen", "start", "-d", "Engineering,Nowhere", "--until", "2026-11-09", "--at", STARTS
    )
    assert bad.exit_code == 2
    assert "No department named 'Nowhere'" in bad.output and "after today" in bad.output
    assert (await cli("listen", "summary")).exit_code == 1
    async with world.db.session() as session:
        assert (await session.exec(select(ListeningTour))).all() == []

    started = await cli(
        "listen",
        "start",
        "-d",
        "Engineering",
        "-d",
        "Sales",
        "--until",
        "2026-11-13",
        "--at",
        STARTS,
        "--by",
        "ceo@example.com",
    )
    assert started.exit_code == 0, started.output
    assert "14 people in Engineering, Sales" in started.output

    await world.tick(SENT)
    for n in range(8):
        await _answer(world, f"eng{n}@example.com", "Sales for renewal dates", "Sales")
    for n in range(6):
        await _answer(world, f"sales{n}@example.com", "Engineering for product demos", "clients")
    status = json.loads((await cli("listen", "status", "--format", "json")).output)
    assert (status["state"], status["invited"], status["answered"]) == ("open", 14, 14)
    waiting = await cli("listen", "summary")
    assert waiting.exit_code == 1 and "open until" in waiting.output

    await world.tick(CLOSES)
    text = await cli("listen", "summary")
    assert text.exit_code == 0, text.output
    assert "Engineering → Sales: 8 people" in text.output
    chart = tmp_path / "map.png"
    shown = await cli("listen", "summary", "--format", "json", "--chart", str(chart))
    data = json.loads(shown.stdout)
    deps = {(d["team"], d["depends_on"]): d for d in data["dependencies"]}
    assert deps[("Engineering", "Sales")]["for"][0]["phrase"] == "renewal dates"
    assert deps[("Sales", "Engineering")]["people"] == 6
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert world.port.latest("ceo@example.com", "tour_summary") is not None


async def _answer(world: World, email: str, depends: str, customers: str) -> None:
    delivered = world.port.latest(email, "tour")
    assert delivered is not None, email
    (shown,) = await world.channel.act(
        email,
        action="tour_answer",
        value=delivered.message.submit.value,
        answers={"depends": depends, "customers": customers, "measured": "on time delivery"},
    )
    assert shown.title == "Answers received"
