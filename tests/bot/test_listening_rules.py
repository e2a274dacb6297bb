"""The listening tour's rules, each on its own: who may start one and with what, who may
answer and when, the summary's anonymity floor, erasure and retention, and themes that are
deterministic and never one person's phrase."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from bot.listening.care import enforce_tour_retention
from bot.listening.themes import themes
from bot.people.tenancy import active_survey
from bot.store.models import ListeningAnswer, ListeningSheet, ListeningTour
from tests.conftest import World

MONDAY = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)


async def _form(world: World, email: str = "ceo@example.com"):  # type: ignore[no-untyped-def]
    world.clock.at = MONDAY
    return await world.channel.command(email, "/pulse listen")


async def _start(world: World, departments: list[str], until: str = "2026-11-13"):  # type: ignore[no-untyped-def]
    (form,) = await _form(world)
    answers = {i.key: i.initial for i in form.inputs if isinstance(i.initial, str)}
    answers |= {"departments": departments, "until": until}
    return await world.channel.act("ceo@example.com", action="listen_start", answers=answers)


async def _tours(world: World) -> int:
    async with world.db.session() as session:
        return (await session.exec(select(func.count()).select_from(ListeningTour))).one()


async def test_only_executives_start_a_tour(world: World) -> None:
    for email in ("eng1@example.com", "admin@example.com"):
        (refused,) = await _form(world, email)
        assert refused.title == "Executives only"
        (forged,) = await world.channel.act(
            email, action="listen_start", answers={"departments": ["Sales"], "until": "2026-11-13"}
        )
        assert forged.title == "Executives only"
    assert await _tours(world) == 0


async def test_a_bad_form_names_every_problem_and_starts_nothing(world: World) -> None:
    (form,) = await _form(world)
    assert [i.key for i in form.inputs][:2] == ["departments", "until"]
    assert form.inputs[1].initial == "2026-11-23", "two weeks ahead by default"
    (shown,) = await world.channel.act(
        "ceo@example.com",
        action="listen_start",
        answers={"departments": ["Sales", "Nowhere"], "until": "2026-11-01", "question_1": ""},
    )
    assert shown.title == "Nothing started"
    text = shown.fallback_text
    assert "No department named 'Nowhere'" in text and "after today" in text
    assert "at least one question" in text
    (shown,) = await world.channel.act(
        "ceo@example.com",
        action="listen_start",
        answers={"departments": "Sales", "until": "2027-06-01", "question_1": "x" * 301},
    )
    assert "at most 60 days" in shown.fallback_text and "longer than 300" in shown.fallback_text
    assert await _tours(world) == 0
    (unknown,) = await world.channel.command("ceo@example.com", "/pulse listen everything")
    assert unknown.title == "Unknown listening command"


async def test_who_may_answer_and_when(world: World) -> None:
    (started,) = await _start(world, ["Sales"], until="2026-11-10")
    assert "6 people in Sales" in started.fallback_text
    await world.tick(datetime(2026, 11, 9, 16, 0, tzinfo=UTC))  # 11:00 in New York
    intake = world.port.latest("sales0@example.com", "tour")
    assert intake is not None and world.port.latest("eng0@example.com", "tour") is None
    tour_id = intake.message.submit.value
    (stranger,) = await world.channel.act(
        "eng0@example.com", action="tour_answer", value=tour_id, answers={"easier": "more docs"}
    )
    assert stranger.title == "Your answers were not recorded" and "not sent to you" in (
        stranger.fallback_text
    )
    (empty,) = await world.channel.act(
        "sales0@example.com", action="tour_answer", value=tour_id, answers={"easier": "  "}
    )
    assert "empty" in empty.fallback_text
    (long,) = await world.channel.act(
        "sales0@example.com", action="tour_answer", value=tour_id, answers={"easier": "x" * 2001}
    )
    assert "longer than 2000" in long.fallback_text
    for forged in ("abc", "-1", "9" * 40):
        (shown,) = await world.channel.act(
            "sales0@example.com", action="tour_answer", value=forged, answers={"easier": "docs"}
        )
        assert "doesn't exist" in shown.title
    async with world.db.session() as session:
        assert (await session.exec(select(ListeningSheet))).all() == []
    await world.tick(datetime(2026, 11, 11, 12, 0, tzinfo=UTC))  # closed
    (late,) = await world.channel.act(
        "sales1@example.com", action="tour_answer", value=tour_id, answers={"easier": "docs"}
    )
    assert "closed" in late.fallback_text


async def test_too_few_answers_show_nothing(world: World) -> None:
    await _start(world, ["Sales", "Legal"])
    await world.tick(datetime(2026, 11, 9, 16, 0, tzinfo=UTC))
    for email in ("sales0@example.com", "sales1@example.com", "legal0@example.com"):
        intake = world.port.latest(email, "tour")
        await world.channel.act(
            email,
            action="tour_answer",
            value=intake.message.submit.value,
            answers={"depends": "Engineering for bug fixes", "easier": "bug fixes"},
        )
    (status,) = await world.channel.command("ceo@example.com", "/pulse listen status")
    assert "Fewer than 5 of 7 have answered" in status.fallback_text, "3 is under k_scores"
    (waiting,) = await world.channel.command("ceo@example.com", "/pulse listen summary")
    assert waiting.title == "Not closed yet"
    await world.tick(datetime(2026, 11, 14, 12, 0, tzinfo=UTC))
    summary = world.port.latest("ceo@example.com", "tour_summary").message
    assert "Fewer than 10 people answered" in summary.fallback_text
    assert "3 people" not in summary.fallback_text
    assert "bug fixes" not in summary.fallback_text and summary.image is None
    (again,) = await world.channel.command("ceo@example.com", "/pulse listen summary")
    assert again.fallback_text == summary.fallback_text
    async with world.db.session() as session:
        rows = (await session.exec(select(ListeningAnswer))).all()
    assert rows == [], "fewer than the threshold answered: no answer is kept"


async def test_erasure_takes_an_open_tours_answers_and_retention_the_old(world: World) -> None:
    async with world.db.session() as session:
        survey = await active_survey(session, tenant_id=world.tenant_id)
        survey.k_comments = 3  # Sales' 6 people can then reach the threshold
        session.add(survey)
        await session.commit()
    await _start(world, ["Sales"])
    await world.tick(datetime(2026, 11, 9, 16, 0, tzinfo=UTC))
    intake = world.port.latest("sales0@example.com", "tour")
    for email, text in (
        ("sales0@example.com", "fewer meetings"),
        ("sales1@example.com", "docs"),
        ("sales2@example.com", "docs"),
        ("sales3@example.com", "docs"),
    ):
        await world.channel.act(
            email,
            action="tour_answer",
            value=intake.message.submit.value,
            answers={"easier": text},
        )
    await world.channel.command("sales0@example.com", "/pulse forget-me")
    await world.channel.act("sales0@example.com", action="forget_confirm")
    async with world.db.session() as session:
        assert len((await session.exec(select(ListeningSheet))).all()) == 3
    await world.tick(datetime(2026, 11, 14, 12, 0, tzinfo=UTC))
    async with world.db.session() as session:
        texts = [a.text for a in (await session.exec(select(ListeningAnswer))).all()]
        assert texts == ["docs"] * 3
        kept = await enforce_tour_retention(
            session, tenant_id=world.tenant_id, weeks=104, now=MONDAY + timedelta(weeks=100)
        )
        gone = await enforce_tour_retention(
            session, tenant_id=world.tenant_id, weeks=104, now=MONDAY + timedelta(weeks=106)
        )
        assert (kept, gone) == (0, 3)


def test_themes_are_deterministic_and_never_one_persons_phrase() -> None:
    docs = (
        ["Engineering for bug fixes"] * 4
        + ["Marketing for launch dates", "launch dates from marketing"]
        + ["a purple elephant in accounting"]
    )
    found = themes(docs, drop=["Engineering", "Marketing"])
    assert [(t.phrase, t.people) for t in found] == [("bug fixes", 4), ("launch dates", 2)]
    shuffled = docs[:]
    random.Random(5).shuffle(shuffled)
    assert themes(shuffled, drop=["Engineering", "Marketing"]) == found
    assert all("elephant" not in t.phrase for t in found)
    assert themes(["only me"]) == [] and themes([]) == []


def test_each_department_named_gets_what_was_said_of_it() -> None:
    from bot.listening.dependencies import DepartmentMatcher

    matcher = DepartmentMatcher({1: "Sales", 2: "Engineering", 3: "Customer Support"})
    assert matcher.reasons("Sales for leads, and Engineering for bug fixes") == {
        1: "Sales for leads",
        2: "and Engineering for bug fixes",
    }
    assert matcher.reasons("Sales and Engineering for launches") == {
        1: "Engineering for launches",
        2: "Engineering for launches",
    }
    assert matcher.reasons("the devs, mostly for bug fixes") == {
        2: "the devs, mostly for bug fixes"
    }
    assert matcher.named("customer support and our customers") == [3]
    assert matcher.masked("Customer Support and our customers").strip() == "and our customers"
