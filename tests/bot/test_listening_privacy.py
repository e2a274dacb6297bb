"""An outsider against the listening tour: what the database dump and the summary's numbers
give away about a group under the comment threshold (k_comments, 10 here).

The scenario: a tour to Support (40), Engineering (15) and Legal (3) where only Dana of Legal
answers. Her nudges and the "already answered" cancellations tell anyone with the database
that she answered; so the rows without a department must never be Legal's alone, nor carry
anything that groups her answers together."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.listening.sheets import Sheet, SheetSealer
from bot.listening.summary import ORGANISATION, POOLED, _Answer, build_summary, summarise
from bot.listening.tours import ANSWER_MAX, MAX_QUESTIONS
from bot.store.models import ListeningTour
from tests.conftest import World, make_world
from tests.dump import query, raw_dump

K = 10
SIZES = {"Support": 40, "Engineering": 15, "Legal": 3}
ORG = (
    "email,name,department,timezone,role,country,manager_email\n"
    "ceo@example.com,Casey Chief,Leadership,Europe/London,executive,GB,\n"
    "legal0@example.com,Dana Lawson,Legal,Europe/London,member,GB,\n"
    "legal1@example.com,Robin Lawson,Legal,Europe/London,member,GB,\n"
    "legal2@example.com,Sam Lawson,Legal,Europe/London,member,GB,\n"
    + "".join(
        f"{dept.lower()}{i}@example.com,Person Q{dept[:2]}{i},{dept},Europe/London,member,GB,\n"
        for dept in ("Support", "Engineering")
        for i in range(SIZES[dept])
    )
)
START = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
SENT = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
CLOSED = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
DANA = {
    "measured": "contract turnaround for the deal desk",
    "depends": "Sales for contract drafts and deal desk",
    "customers": "Sales",
    "easier": "my manager never reads the contract queue",
}


def answers_for(dept: str, i: int, rng: random.Random) -> dict[str, str]:
    if dept == "Support":
        return {
            "measured": rng.choice(["resolution time and csat", "csat", "first response time"]),
            "depends": "Engineering for bug fixes",
            "customers": "our customers outside the company",
            "easier": rng.choice(["shared roadmap", "fewer handoffs", "clear owners"]),
        }
    return {
        "measured": rng.choice(["uptime and release cadence", "release cadence"]),
        "depends": rng.choice(["Support for bug reports", "Support, bug reports"]),
        "customers": "Support is our main customer",
        "easier": rng.choice(["shared roadmap", "clear owners", "fewer meetings"]),
    }


@pytest.fixture
async def org(db) -> World:  # type: ignore[no-untyped-def]
    return await make_world(db, ORG)


async def run_tour(world: World, departments: list[str], who: list[str]) -> int:
    world.clock.at = START
    (form,) = await world.channel.command("ceo@example.com", "/pulse listen")
    answers = {i.key: i.initial for i in form.inputs if isinstance(i.initial, str)}
    answers |= {"departments": departments, "until": "2026-12-04"}
    (started,) = await world.channel.act(
        "ceo@example.com", action=form.submit.id, value=form.submit.value, answers=answers
    )
    assert started.title == "Listening tour started", started.fallback_text
    await world.tick(SENT)
    rng = random.Random(11)
    for email in who:
        delivered = world.port.latest(email, "tour")
        dept = email.split("@")[0].rstrip("0123456789").capitalize()
        given = DANA if email == "legal0@example.com" else answers_for(dept, 0, rng)
        (shown,) = await world.channel.act(
            email, action="tour_answer", value=delivered.message.submit.value, answers=given
        )
        assert shown.title == "Answers received", shown.fallback_text
    await world.tick(CLOSED)
    async with world.db.session() as session:
        return (await session.exec(select(ListeningTour.id))).one()


def everyone_but_two_of_legal() -> list[str]:
    return ["legal0@example.com"] + [
        f"{d.lower()}{i}@example.com" for d in ("Support", "Engineering") for i in range(SIZES[d])
    ]


async def test_the_answers_without_a_department_are_never_a_small_groups(org: World) -> None:
    world = org
    tour_id = await run_tour(world, list(SIZES), everyone_but_two_of_legal())
    url = world.db.url
    names = dict(query(url, "SELECT id, name FROM department"))
    rows = query(url, "SELECT sheet, department_id, question, text FROM listening_answer")
    assert query(url, "SELECT count(*) FROM listening_sheet") == [(0,)]
    stored = Counter(names.get(d) for _s, d, _q, _t in rows)
    # Legal (1 answered) alone would be pooled as one person: Engineering, the smallest
    # shown, is pooled with it, so the pooled answers are 16 people's.
    assert set(stored) == {"Support", None}, stored
    pooled = [(s, q, t) for s, d, q, t in rows if d is None]
    assert DANA["easier"] in {t for _s, _q, t in pooled}
    per_question = Counter(q for _s, q, _t in pooled)
    assert min(per_question.values()) >= K and len(per_question) == 4
    # Nothing groups a pooled person's answers: one answer that gives Legal away ("contract
    # turnaround") must not carry her others with it.
    assert len({s for s, _q, _t in pooled}) == len(pooled)
    by_sheet: dict[str, set[str]] = defaultdict(set)
    for sheet, dept, _q, _t in rows:
        if dept is not None:
            by_sheet[sheet].add(names[dept])
    people = Counter(next(iter(d)) for d in by_sheet.values())
    assert all(len(d) == 1 for d in by_sheet.values()) and people == {"Support": 40}
    # Dana's words are in the clear only among 16 people's, never as "the Legal answers".
    assert b"contract turnaround" in raw_dump(url)

    async with world.db.session() as session:
        tour = await session.get(ListeningTour, tour_id)
        data = (await build_summary(session, tour=tour)).to_json()
    assert data["answered"] == 56
    assert [s["scope"] for s in data["scopes"]] == [ORGANISATION, "Support"]
    assert set(data["withheld"]) == {"Engineering", "Legal"}
    assert_no_small_remainder(data, k=K)
    teams = {d["team"] for d in data["dependencies"]}
    assert teams <= {"Support", POOLED} and POOLED in teams, "16 pooled reach the threshold"
    summary = world.port.latest("ceo@example.com", "tour_summary").message.fallback_text
    assert "56 people answered" in summary and "contract" not in summary
    (status,) = await world.channel.command("ceo@example.com", "/pulse listen status")
    assert "56" in status.fallback_text


async def test_a_tour_too_few_answered_keeps_no_answer(org: World) -> None:
    world = org
    await run_tour(world, ["Legal"], ["legal0@example.com"])
    url = world.db.url
    assert query(url, "SELECT count(*) FROM listening_answer") == [(0,)]
    assert query(url, "SELECT count(*) FROM listening_sheet") == [(0,)]
    assert b"contract turnaround" not in raw_dump(url)
    summary = world.port.latest("ceo@example.com", "tour_summary").message.fallback_text
    assert "Fewer than 10 people answered" in summary and "contract" not in summary


def assert_no_small_remainder(data: dict, *, k: int) -> None:
    """Every organisation count, less the shown departments' counts of the same phrase,
    leaves nobody or at least k people (or cannot be read as a group: below zero)."""
    scopes = {s["scope"]: s for s in data["scopes"]}
    departments = [s for name, s in scopes.items() if name != ORGANISATION]
    if not departments:
        return
    for index, question in enumerate(scopes[ORGANISATION]["questions"]):
        for theme in question["themes"]:
            if theme["people"] is None:
                continue
            inside = sum(
                t["people"] or 0
                for scope in departments
                for t in scope["questions"][index]["themes"]
                if t["phrase"] == theme["phrase"]
            )
            rest = theme["people"] - inside
            assert rest <= 0 or rest >= k, (question["key"], theme, inside)


PHRASES = ["bug fixes", "release notes", "shared roadmap", "launch dates", "contract drafts"]


@pytest.mark.parametrize("seed", range(40))
def test_the_summarys_numbers_never_subtract_to_a_group_under_k(seed: int) -> None:
    """Also on answers stored before pooling was secondary (a pooled group of 1 to k-1)."""
    rng = random.Random(seed)
    tour = ListeningTour(
        id=1,
        tenant_id=1,
        departments=["A", "B", "C", "D"],
        questions=[{"key": "easier", "text": "What would make it easier?"}],
        week="2026-W49",
        opened_at=START,
        closes_at=CLOSED,
        state="closed",
        k_comments=K,
    )
    answers = []
    sizes = {"A": rng.randint(10, 30), "B": rng.randint(10, 20), None: rng.randint(1, 14)}
    for group, size in sizes.items():
        for i in range(size):
            words = rng.sample(PHRASES, rng.randint(1, 2))
            answers.append(_Answer(f"{group}{i}", group, "easier", " and ".join(words)))
    data = summarise(tour=tour, answers=answers, departments={1: "A", 2: "B"}).to_json()
    assert_no_small_remainder(data, k=K)
    teams = {d["team"] for d in data["dependencies"]}
    assert POOLED not in teams or sizes[None] >= K


JAPANESE = "私たちのチームは顧客満足度と解決までの時間で評価されています。"


def japanese(n: int = ANSWER_MAX) -> str:
    return (JAPANESE * (n // len(JAPANESE) + 1))[:n]


async def test_japanese_answers_at_the_full_length_are_kept(org: World) -> None:
    world = org
    who = everyone_but_two_of_legal()[:12]
    world.clock.at = START
    (form,) = await world.channel.command("ceo@example.com", "/pulse listen")
    answers = {i.key: i.initial for i in form.inputs if isinstance(i.initial, str)}
    answers |= {"departments": ["Support", "Legal"], "until": "2026-12-04"}
    await world.channel.act(
        "ceo@example.com", action=form.submit.id, value=form.submit.value, answers=answers
    )
    await world.tick(SENT)
    for email in who:
        delivered = world.port.latest(email, "tour")
        full = {i.key: japanese() for i in delivered.message.inputs}
        (shown,) = await world.channel.act(
            email, action="tour_answer", value=delivered.message.submit.value, answers=full
        )
        assert shown.title == "Answers received", shown.fallback_text
    await world.tick(CLOSED)
    texts = [t for (t,) in query(world.db.url, "SELECT text FROM listening_answer")]
    assert len(texts) == 12 * 4 and set(texts) == {japanese()}


def test_a_sheet_of_every_question_at_the_full_length_fits_in_any_script() -> None:
    sealer = SheetSealer(b"s" * 32)
    worst = {
        "japanese": japanese(),
        "emoji": "🙂" * ANSWER_MAX,
        "cyrillic": ("Отдел продаж и юристы " * 100)[:ANSWER_MAX],
        "quotes": '"\\' * (ANSWER_MAX // 2),
        "controls": "\x01" * ANSWER_MAX,
    }
    keys = [f"q{n}" for n in range(1, MAX_QUESTIONS + 1)]
    for text in worst.values():
        sheet = Sheet(department_id=2**31 - 1, answers={key: text for key in keys})
        small = Sheet(1, {"q1": "x"})
        boxes = {len(sealer.seal(sheet, tour_id=1)), len(sealer.seal(small, tour_id=1))}
        assert len(boxes) == 1, "one size whatever was written"
        assert sealer.unseal(sealer.seal(sheet, tour_id=1), tour_id=1) == sheet
