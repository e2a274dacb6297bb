"""The /pulse grammar as a person meets it: help, status, thanks, opt-out, forget, digest."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import select

from bot.chat.commands import Verb, parse
from bot.store.models import Comment, Kudos, Participation, Person, Response, SealedAnswer
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import World


def test_grammar() -> None:
    assert parse("").verb == Verb.CHECKIN
    assert parse("/pulse HELP").verb == Verb.HELP
    thanks = parse("thanks <@U123|ada> for the review")
    assert (thanks.verb, thanks.target, thanks.argument) == (Verb.THANKS, "U123", "for the review")
    assert parse("digest Sales").argument == "Sales"
    assert parse("rm -rf /").verb == Verb.UNKNOWN


async def test_unknown_command_gets_help_not_a_trace(world: World) -> None:
    shown = await world.channel.command("eng1@example.com", "/pulse launch-rockets")
    assert shown[0].kind == "help"
    assert "launch-rockets" in shown[0].fallback_text
    assert "/pulse digest" not in shown[0].fallback_text, "members are not shown leader commands"


async def test_stranger_is_told_how_to_get_in(world: World) -> None:
    shown = await world.channel.command("nobody@example.com", "/pulse")
    assert shown[0].title == "I don't know you yet"


async def test_checkin_now_shows_the_open_pulse_then_says_done(world: World) -> None:
    shown = await world.channel.command("sales1@example.com", "/pulse")
    assert shown[0].title == "No pulse is open right now"
    assert "Tue 3 Nov, 10:00 your time" in shown[0].fallback_text
    await world.tick(datetime(2026, 11, 3, 6, 0, tzinfo=UTC))  # open, not yet sent in NY
    shown = await world.channel.command("sales1@example.com", "/pulse")
    assert shown[0].kind == "pulse"
    await world.channel.act(
        "sales1@example.com",
        action="checkin",
        value=shown[0].submit.value,
        answers=good_answers(shown[0]),
    )
    shown = await world.channel.command("sales1@example.com", "/pulse")
    assert shown[0].title == "You're all checked in"
    # The scheduled DM for someone who already answered is cancelled, not sent.
    before = len(world.port.inbox["sales1@example.com"])
    report = await world.tick(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    assert len(world.port.inbox["sales1@example.com"]) == before
    assert report.sent == 16  # everyone else: Helsinki, London and the other sellers


async def test_status_shows_streak_and_hides_small_team_trend(world: World) -> None:
    await world.tick(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    item = world.port.latest("legal0@example.com", "pulse")
    await world.channel.act(
        "legal0@example.com",
        action="checkin",
        value=item.message.submit.value,
        answers=good_answers(item.message),
    )
    shown = await world.channel.command("legal0@example.com", "status")
    text = shown[0].fallback_text
    assert "Last check-in: 2026-W45" in text and "Streak: 1 in a row" in text
    assert "Legal's figures are shown once at least 5 people there answer" in text


async def test_thanks_reaches_the_other_person(world: World) -> None:
    shown = await world.channel.command(
        "sales2@example.com", "/pulse thanks eng3@example.com for the quick fix"
    )
    assert shown[0].title == "Thank-you sent"
    kudos = world.port.latest("eng3@example.com", "kudos").message
    assert "Seller 2 (Sales) says thank you" in kudos.fallback_text
    shown = await world.channel.command("sales2@example.com", "/pulse thanks @ghost hi")
    assert shown[0].title == "I couldn't find that person"
    shown = await world.channel.command("sales2@example.com", "/pulse thanks")
    assert shown[0].title == "Who and what for?"
    async with world.db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Kudos))).one() == 1


async def test_optout_and_back(world: World) -> None:
    shown = await world.channel.command("eng6@example.com", "optout")
    assert shown[0].title == "Opted out"
    await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    assert world.port.latest("eng6@example.com", "pulse") is None
    shown = await world.channel.command("eng6@example.com", "optin")
    assert shown[0].title == "Welcome back"


async def test_forget_me_asks_then_erases_everything(world: World) -> None:
    await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    item = world.port.latest("eng7@example.com", "pulse")
    await world.channel.act(
        "eng7@example.com",
        action="checkin",
        value=item.message.submit.value,
        answers={**good_answers(item.message), "comment": "bye"},
    )
    await world.channel.command("eng7@example.com", "thanks eng1@example.com cheers")
    shown = await world.channel.command("eng7@example.com", "forget-me")
    assert [a.id for a in shown[0].actions] == ["forget_confirm", "forget_cancel"]
    async with world.db.session() as session:
        assert (await session.exec(select(func.count()).select_from(SealedAnswer))).one() > 0
    shown = await world.channel.act("eng7@example.com", action="forget_confirm")
    assert shown[0].title == "Your data is erased"
    await world.close_open_rounds()
    async with world.db.session() as session:
        for model in (SealedAnswer, Response, Comment, Participation, Kudos):
            assert (await session.exec(select(func.count()).select_from(model))).one() == 0
        assert (
            await session.exec(select(Person).where(Person.email == "eng7@example.com"))
        ).first() is None


async def test_digest_is_for_leaders(world: World) -> None:
    await world.tick(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    await world.close_open_rounds()
    shown = await world.channel.command("sales3@example.com", "digest")
    assert shown[0].title == "The digest is for leaders"
    assert "Ari Admin" in shown[0].fallback_text
    shown = await world.channel.command("ceo@example.com", "digest Nowhere")
    assert shown[0].title == "Unknown department"
    shown = await world.channel.command("ceo@example.com", "digest")
    assert shown[0].kind == "digest"
    assert "Fewer than 5 people answered" in shown[0].fallback_text
    # A manager sees the people who report to them (seven engineers; none answered).
    shown = await world.channel.command("eng0@example.com", "digest")
    assert shown[0].title == "Collaboration digest: people reporting to Engineer 0, 2026-W45"
    assert "No figures for your people" in shown[0].fallback_text
