"""People's text is cleaned the same way on both databases: a NUL byte (which PostgreSQL
refuses and SQLite keeps) or another control character never loses an answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.people.directory import DirectoryMember
from bot.people.org import OrgImportError, import_rows
from bot.pulse.surveys import AnswerError, _comment
from bot.store.models import Kudos, Participation, Person
from bot.text import clean_text
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import World, parse_org

HELSINKI_TEN = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "multiline", "clean"),
    [
        ("all\x00 good", True, "all good"),
        ("line one\r\nline two\rthree", True, "line one\nline two\nthree"),
        ("tab\tkept\n", True, "tab\tkept"),
        ("\x1b[31mred\x1b[0m \x7f\x85\u2028ok", True, "[31mred[0m ok"),
        ("lone \ud800surrogate", True, "lone surrogate"),
        ("  Ada \n\t Lovelace\x00 ", False, "Ada Lovelace"),
        ("\x00\x01\x02", True, ""),
        ("café – 👍", True, "café – 👍"),
    ],
)
def test_clean_text(raw: str, multiline: bool, clean: str) -> None:
    assert clean_text(raw, multiline=multiline) == clean


def test_comment_is_cleaned_and_still_limited() -> None:
    assert _comment("fine\x00") == "fine"
    assert _comment("\x00\x00") is None, "nothing left: no comment"
    with pytest.raises(AnswerError, match="limited to 1000"):
        _comment("x" * 1001 + "\x00")


async def _checkin_with(world: World, email: str, comment: str) -> list:  # type: ignore[type-arg]
    await world.tick(HELSINKI_TEN)
    delivered = world.port.latest(email, "pulse")
    assert delivered is not None
    pulse = delivered.message
    return await world.channel.act(
        email,
        action="checkin",
        value=pulse.submit.value,
        answers={**good_answers(pulse), "comment": comment},
        ref=delivered.ref,
    )


async def _participations(world: World, email: str) -> int:
    person = await world.person(email)
    async with world.db.session() as session:
        query = select(func.count()).select_from(Participation)
        return (await session.exec(query.where(Participation.person_id == person.id))).one()


async def test_checkin_with_nul_in_comment_is_recorded_and_confirmed(world: World) -> None:
    shown = await _checkin_with(world, "eng1@example.com", "Deploys\x00 were \x07smooth")
    assert [m.kind for m in shown] == ["confirmation"], [m.fallback_text for m in shown]
    assert "2026-W45" in shown[0].fallback_text
    # What the person sees in the chat: the pulse became the confirmation.
    assert world.port.latest("eng1@example.com").message.kind == "confirmation"
    assert await _participations(world, "eng1@example.com") == 1
    status = await world.channel.command("eng1@example.com", "/pulse status")
    assert "Last check-in: 2026-W45" in status[0].fallback_text.replace("*", "")
    assert "1 in a row" in status[0].fallback_text
    # Answers are sealed until the round closes; publishing them stores the comment's text.
    closed = await world.close_open_rounds()
    assert closed.closed == 1 and closed.errors == []


async def test_comment_of_only_control_characters_still_records_the_checkin(
    world: World,
) -> None:
    shown = await _checkin_with(world, "eng2@example.com", "\x00\x01\x1b")
    assert [m.kind for m in shown] == ["confirmation"]
    assert await _participations(world, "eng2@example.com") == 1


async def test_thanks_with_nul_is_delivered(world: World) -> None:
    shown = await world.channel.command(
        "sales2@example.com", "/pulse thanks eng3@example.com for the\x00 quick fix\x07"
    )
    assert shown[0].title == "Thank-you sent"
    kudos = world.port.latest("eng3@example.com", "kudos").message
    assert "for the quick fix" in kudos.fallback_text and "\x00" not in kudos.fallback_text
    async with world.db.session() as session:
        messages = (await session.exec(select(Kudos.message))).all()
    assert messages == ["for the quick fix"]


async def test_thanks_to_a_nul_mention_or_of_only_control_characters_is_answered(
    world: World,
) -> None:
    sales2 = "sales2@example.com"
    shown = await world.channel.command(sales2, "/pulse thanks eng3@exa\x00mple.com hi")
    assert shown[0].title == "Thank-you sent", "the cleaned mention still finds the person"
    shown = await world.channel.command(sales2, "/pulse thanks eng3@example.com \x00")
    assert shown[0].title == "Who and what for?"
    shown = await world.channel.command(sales2, "/pulse thanks \x00 \x00 hi")
    assert shown[0].title in ("Who and what for?", "I couldn't find that person")


async def test_csv_fields_are_cleaned_before_the_database(world: World) -> None:
    rows = parse_org(
        "email,name,department,timezone\n"
        "nul@example.com,Null\x00 Byte\x1b,Engi\x00neering,Europe/Helsinki\n"
    )
    async with world.db.session() as session:
        report = await import_rows(session, tenant_id=world.tenant_id, rows=rows, actor="test")
        await session.commit()
    assert (report.created, report.departments_created) == (1, [])
    person = await world.person("nul@example.com")
    assert person.name == "Null Byte"
    engineering = (await world.person("eng0@example.com")).department_id
    assert person.department_id == engineering, "the cleaned name matches the department"


def test_csv_refuses_values_longer_than_their_columns() -> None:
    with pytest.raises(OrgImportError) as refused:
        parse_org(
            "email,name,department,timezone,slack_user_id\n"
            f"long@example.com,{'N' * 201},Sales,UTC,{'U' * 33}\n"
        )
    assert refused.value.problems == [
        "line 2: name is longer than 200 characters",
        "line 2: slack_user_id is longer than 32 characters",
    ]
    with pytest.raises(OrgImportError, match="not readable as CSV"):
        parse_org('email,name,department,timezone\na@example.com,"' + "x" * 200_000 + '",S,UTC\n')


async def test_directory_names_are_cleaned(world: World) -> None:
    member = DirectoryMember(platform_id="U0NUL", email="dir@example.com", name="Dir\x00 Ectory")
    report = await world.bot.sync_directory(platform="slack", members=[member])
    assert report.created == 1
    async with world.db.session() as session:
        person = (
            await session.exec(select(Person).where(Person.email == "dir@example.com"))
        ).one()
    assert person.name == "Dir Ectory"
