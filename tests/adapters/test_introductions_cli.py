"""`crosspulse survey set pairings=...`, `pairings run` and `intros list` on a real database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from adapters.cli import app
from bot.store.db import Database
from bot.store.models import IntroSetting, Person
from tests.conftest import SMALL_ORG

runner = CliRunner()
OPTED_IN = ("eng1@example.com", "eng2@example.com", "sales1@example.com", "legal0@example.com")


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", database_url)

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args))

    (tmp_path / "org.csv").write_text(SMALL_ORG)
    assert run("tick", "--at", "2026-11-02T00:00:00+00:00").exit_code == 0
    assert run("org", "import", str(tmp_path / "org.csv")).exit_code == 0

    async def opt_in() -> None:
        db = Database(database_url)
        async with db.session() as session:
            people = (
                await session.exec(select(Person).where(Person.email.in_(OPTED_IN)))  # type: ignore[attr-defined]
            ).all()
            for person in people:
                session.add(IntroSetting(person_id=person.id, enabled=True))
            await session.commit()
        await db.dispose()

    asyncio.run(opt_in())
    return run


def test_a_pairing_round_runs_once_per_period(cli) -> None:  # type: ignore[no-untyped-def]
    assert "No introductions yet" in cli("intros", "list").output
    off = cli("pairings", "run", "--at", "2026-11-30T09:00:00+00:00")
    assert off.exit_code == 0 and "No pairing round due" in off.output
    assert cli("survey", "set", "pairings=weekly", "pairings_no_repeat=3").exit_code == 0
    assert "weekly" in cli("survey", "show").output
    first = cli("pairings", "run", "--at", "2026-11-30T09:00:00+00:00")
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {"round": 1, "pairs": 2, "left_out": 0}
    again = cli("pairings", "run", "--at", "2026-12-03T09:00:00+00:00")
    assert "No pairing round due" in again.output  # the same week: never twice
    listed = cli("intros", "list").output
    assert listed.count("pairing") == 2 and "Engineer 1" not in listed and "Seller" not in listed


def test_bad_input_is_refused(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("survey", "set", "pairings=daily").exit_code == 2
    assert cli("survey", "set", "pairings=weekly", "pairings_no_repeat=99").exit_code == 2
    assert cli("pairings", "run", "--at", "someday").exit_code == 2
