"""The demo's database, as `make demo` leaves it, attacked like any dump: no round's answers
line up with who answered, and weeks answered join into no pattern."""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

from rich.console import Console

from adapters.demo import run_demo
from adapters.settings import load_settings
from bot.pulse.sealing import Sealer
from tests.conftest import SECRET
from tests.dump import best_lineup, first_seen, query, rows_in_physical_order

CHANCE_CEILING = 10  # chance gives about 1 right per order of 200; P(>10) is about 1e-8


async def test_the_demo_database_withstands_the_dump_and_pattern_attacks(
    database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(database_url=database_url)
    await run_demo(
        settings,
        output=tmp_path / "out",
        reset=True,
        people=200,
        out=Console(file=io.StringIO(), width=100),
    )
    sealer = Sealer(SECRET)
    salts = dict(query(database_url, "SELECT id, pseudonym_salt FROM person"))
    closed = [r for (r,) in query(database_url, "SELECT id FROM round WHERE state = 'closed'")]
    assert len(closed) >= 7
    participation = rows_in_physical_order(database_url, "participation", ["round_id", "person_id"])
    by_id = query(database_url, "SELECT round_id, person_id FROM participation ORDER BY id")
    stored = rows_in_physical_order(database_url, "response", ["round_id", "respondent"])
    numbered = query(database_url, "SELECT round_id, respondent FROM response ORDER BY id")
    for round_id in closed:
        truth = {p: sealer.respondent(round_id=round_id, salt=s) for p, s in salts.items()}
        people = [[p for r, p in rows if r == round_id] for rows in (participation, by_id)]
        keys = [first_seen(k for r, k in rows if r == round_id) for rows in (stored, numbered)]
        assert len(people[0]) >= 150 and set(keys[0]) <= set(truth.values())
        assert best_lineup(people, keys, truth) <= CHANCE_CEILING, f"round {round_id}"

    weeks_of: dict[str, set[str]] = defaultdict(set)
    for key, week in query(database_url, "SELECT respondent, week FROM response"):
        weeks_of[key].add(week)
    assert weeks_of and all(len(w) == 1 for w in weeks_of.values()), "one round a pseudonym"
    groups = query(
        database_url,
        "SELECT week, department_id, count(DISTINCT respondent) FROM response "
        "GROUP BY week, department_id",
    )
    assert min(n for _, _, n in groups) >= 5, "no stored group smaller than the threshold"
