"""A listening tour through the real path, on a real database: an executive starts it in the
chat, 60 people get the intake through the outbox at their morning, answer it (some not, and
they are reminded), the tour closes and the executive gets the summary: the planted themes and
dependency show, a department under the comment threshold gets no themes of its own, and
nothing stored links an answer to a person."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.listening.summary import POOLED, build_summary
from bot.listening.tours import DEFAULT_QUESTIONS
from bot.store.models import (
    Delivery,
    ListeningSheet,
    ListeningTour,
    Person,
)
from tests.conftest import World, make_world
from tests.dump import query, raw_dump

SIZES = {"Support": 18, "Engineering": 15, "Sales": 12, "Marketing": 12, "Legal": 3}
ZONES = {
    "Support": ("Europe/London", "GB"),
    "Engineering": ("Europe/Helsinki", "FI"),
    "Sales": ("America/New_York", "US"),
    "Marketing": ("Europe/London", "GB"),
    "Legal": ("Europe/London", "GB"),
}
NAMES = ("Avery", "Blake", "Corin", "Dana", "Emery", "Finley", "Harper", "Jules", "Kai")
SILENT = {"sales0", "sales1", "sales2", "sales3", "marketing0", "marketing1"}
ORG = (
    "email,name,department,timezone,role,country,manager_email\n"
    "ceo@example.com,Casey Chief,Leadership,Europe/London,executive,GB,\n"
    + "".join(
        f"{dept.lower()}{i}@example.com,{NAMES[i % len(NAMES)]} Q{dept[:2]}{i},{dept},"
        f"{ZONES[dept][0]},member,"
        f"{ZONES[dept][1]},\n"
        for dept, size in SIZES.items()
        for i in range(size)
    )
)
START = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # a Tuesday
SENT_BY_EVENING = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
NUDGE_TIME = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
CLOSED = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # the day after `until`, everywhere

MEASURED = {
    "Support": ["resolution time and csat", "csat and resolution time", "first response time"],
    "Engineering": ["uptime and release cadence", "release cadence", "uptime, incidents"],
    "Sales": ["quota attainment", "pipeline and quota attainment"],
    "Marketing": ["qualified leads", "qualified leads and launches"],
    "Legal": ["contract turnaround"],
}
SUPPORT_BUGS = [
    "We depend on Engineering for bug fixes",
    "Engineering, mostly for bug fixes",
    "bug fixes from engineering",
    "The dev team: bug fixes and hotfixes",
    "Engineering for bug fixes and release notes",
    "engineers, for bug fixes",
]


def answers_for(dept: str, i: int, rng: random.Random) -> dict[str, str]:
    if dept == "Support":
        depends = (
            SUPPORT_BUGS[i]
            if i < 6
            else rng.choice(["Sales for account context", "Sales, account context for escalations"])
        )
        customers = "our customers outside the company"
    elif dept == "Engineering":
        depends = rng.choice(["Marketing for launch dates", "Product launch dates from Marketing"])
        customers = "Support is our main customer" if i < 8 else "Support and the customers"
    elif dept == "Sales":
        depends = rng.choice(["Marketing for qualified leads", "Marketing, lead quality"])
        customers = "clients"
    elif dept == "Marketing":
        depends = rng.choice(["Sales for customer feedback", "Sales feedback on campaigns"])
        customers = "Sales"
    else:
        depends = "Sales for contract drafts and deal desk"
        customers = "Sales"
    easier = rng.choice(
        ["shared roadmap", "a shared roadmap and fewer handoffs", "clear owners for handoffs"]
    )
    if dept == "Sales" and i == 5:
        easier = "Casey Chief should answer emails"  # a name, scrubbed before it is stored
    return {
        "measured": rng.choice(MEASURED[dept]),
        "depends": depends,
        "customers": customers,
        "easier": easier,
    }


@pytest.fixture
async def org(db) -> World:  # type: ignore[no-untyped-def]
    return await make_world(db, ORG)


async def start_tour(world: World) -> int:
    world.clock.at = START
    (form,) = await world.channel.command("ceo@example.com", "/pulse listen")
    assert form.kind == "listen_form"
    defaults = [i.initial for i in form.inputs if i.key.startswith("question_")]
    assert defaults[:4] == [text for _key, text in DEFAULT_QUESTIONS] and defaults[4] is None
    answers = {i.key: i.initial for i in form.inputs if isinstance(i.initial, str)}
    answers |= {"departments": list(SIZES), "until": "2026-12-04"}
    (started,) = await world.channel.act(
        "ceo@example.com", action=form.submit.id, value=form.submit.value, answers=answers
    )
    assert started.title == "Listening tour started", started.fallback_text
    assert "60 people in Support, Engineering, Sales, Marketing, Legal" in started.fallback_text
    async with world.db.session() as session:
        return (await session.exec(select(ListeningTour.id))).one()


async def test_a_tour_to_sixty_people_yields_the_planted_themes(org: World) -> None:
    world = org
    tour_id = await start_tour(world)
    await world.tick(START)
    assert world.port.latest("support0@example.com", "tour") is None, "before 10:00 London"
    await world.tick(SENT_BY_EVENING)
    emails = [f"{d.lower()}{i}@example.com" for d, n in SIZES.items() for i in range(n)]
    intakes = {e: world.port.latest(e, "tour") for e in emails}
    assert all(intakes.values()) and world.port.latest("ceo@example.com", "tour") is None
    assert [i.key for i in intakes["legal0@example.com"].message.inputs] == [
        "measured",
        "depends",
        "customers",
        "easier",
    ]
    again = await world.tick(SENT_BY_EVENING)  # exactly once
    assert sum(1 for d in world.port.inbox["support0@example.com"] if d.message.kind == "tour") == 1
    assert again.sent == 0

    rng = random.Random(17)
    for dept, size in SIZES.items():
        for i in range(size):
            email = f"{dept.lower()}{i}@example.com"
            if email.split("@")[0] in SILENT:
                continue
            delivered = intakes[email]
            (shown,) = await world.channel.act(
                email,
                action="tour_answer",
                value=delivered.message.submit.value,
                answers=answers_for(dept, i, rng),
                ref=delivered.ref,
            )
            assert shown.title == "Answers received", shown.fallback_text
    (twice,) = await world.channel.act(
        "support0@example.com", action="tour_answer", value=str(tour_id), answers={"easier": "x"}
    )
    assert twice.title == "Already answered"
    (forged,) = await world.channel.act(
        "support1@example.com", action="tour_answer", value="999", answers={"easier": "x"}
    )
    assert "doesn't exist" in forged.title

    # While open: sealed, one size, nothing readable in the database's bytes.
    async with world.db.session() as session:
        boxes = (await session.exec(select(ListeningSheet.box))).all()
    assert len(boxes) == 54 and len({len(b) for b in boxes}) == 1
    assert b"bug fixes" not in raw_dump(world.db.url)

    report = await world.tick(NUDGE_TIME)
    reminded = world.port.latest("marketing0@example.com", "tour")
    assert reminded is not None and reminded.message.title.startswith("Reminder")
    assert "support0@example.com" not in {
        e for e in emails if (d := world.port.latest(e, "tour")) and d.message.title.startswith("R")
    }
    assert report.nudges >= 2

    await world.tick(CLOSED)
    summary_msg = world.port.latest("ceo@example.com", "tour_summary")
    assert summary_msg is not None
    message = summary_msg.message
    assert message.image is not None and message.image.png.startswith(b"\x89PNG")
    text = message.fallback_text
    assert "54 people answered" in text
    assert "Support → Engineering: 6 people — for bug fixes (6 people)" in text
    headings = [s.heading for s in message.sections if s.heading]
    assert "Support" in headings and "Engineering" in headings and "Marketing" in headings
    assert "Sales" not in headings and "Legal" not in headings, "under the threshold of 10"
    assert "Fewer than 10 answered in Sales, Legal" in text
    assert "Engineering serves Support" in text
    assert "Engineering → Support → customers outside the company" in text

    async with world.db.session() as session:
        tour = await session.get(ListeningTour, tour_id)
        summary = await build_summary(session, tour=tour)
    data = summary.to_json()
    scopes = {s["scope"]: s for s in data["scopes"]}
    assert set(scopes) == {"Organisation", "Support", "Engineering", "Marketing"}
    support = {q["key"]: q["themes"] for q in scopes["Support"]["questions"]}
    assert any(t["phrase"] == "resolution time" and t["people"] >= 2 for t in support["measured"])
    deps = {(d["team"], d["depends_on"]): d for d in data["dependencies"]}
    assert deps[("Support", "Engineering")]["people"] == 6
    assert deps[("Support", "Engineering")]["for"][0]["phrase"] == "bug fixes"
    # Sales (8 answered) and Legal (3) are pooled: 11 people, one group in the map.
    assert (POOLED, "Marketing") in deps and not any(d[0] in ("Sales", "Legal") for d in deps)
    for theme in (t for s in data["scopes"] for q in s["questions"] for t in q["themes"]):
        assert theme["people"] is None or theme["people"] >= 2
    for dep in data["dependencies"]:
        assert dep["people"] >= 2
    # No raw answer is ever shown.
    assert "We depend on Engineering for bug fixes" not in text
    assert "Casey" not in str(data)


async def test_a_database_dump_links_no_answer_to_a_person(org: World) -> None:
    world = org
    await start_tour(world)
    await world.tick(SENT_BY_EVENING)
    rng = random.Random(3)
    for dept, size in SIZES.items():
        for i in range(size):
            email = f"{dept.lower()}{i}@example.com"
            delivered = world.port.latest(email, "tour")
            await world.channel.act(
                email,
                action="tour_answer",
                value=delivered.message.submit.value,
                answers=answers_for(dept, i, rng),
            )
    await world.tick(CLOSED)
    url = world.db.url
    columns = {r[0] for r in query(url, _columns_sql(url, "listening_answer"))}
    assert columns == {
        "id",
        "tenant_id",
        "tour_id",
        "week",
        "sheet",
        "department_id",
        "question",
        "text",
    }
    assert query(url, "SELECT count(*) FROM listening_sheet") == [(0,)]
    rows = query(url, "SELECT sheet, department_id, text FROM listening_answer ORDER BY id")
    async with world.db.session() as session:
        people = (await session.exec(select(Person))).all()
        salts = {p.pseudonym_salt for p in people}
        ids = {str(p.id) for p in people}
    assert not {r[0] for r in rows} & (salts | ids)
    scrubbed = [r[2] for r in rows if "emails" in r[2]]
    assert scrubbed == ["[name] should answer emails"]
    # Stored shuffled: the answers' order is not the order people answered in (Support
    # answered first, Legal last).
    by_id = [r[1] for r in rows]
    assert by_id != sorted(by_id, key=lambda d: (d is None, d))
    async with world.db.session() as session:
        answered = (
            await session.exec(
                select(func.count()).where(Delivery.kind == "tour", Delivery.state == "sent")
            )
        ).one()
    assert answered == 60


def _columns_sql(url: str, table: str) -> str:
    if url.startswith("sqlite"):
        return f"SELECT name FROM pragma_table_info('{table}')"
    return f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'"
