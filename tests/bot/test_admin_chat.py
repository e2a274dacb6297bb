"""Admin in the chat, through the console channel on a real database: the settings form shows
the current settings, a bad field is refused with its reason and nothing changes, a good
change is applied and audited, and nobody but an admin gets the form or changes anything."""

from __future__ import annotations

from sqlmodel import select

from bot.enums import Role
from bot.messages import ActionId, Message, MessageKind
from bot.store.models import AuditLog
from tests.conftest import World

ADMIN = "admin@example.com"


def _form(message: Message) -> dict[str, object]:
    """What the form submits untouched: every input's starting value."""
    return {
        i.key: list(i.initial) if isinstance(i.initial, tuple) else i.initial
        for i in message.inputs
        if i.initial
    }


async def _admin_card(world: World, email: str = ADMIN) -> Message:
    (card,) = await world.channel.command(email, "/pulse admin")
    return card


async def test_the_form_shows_the_settings_and_the_delivery_status(world: World) -> None:
    card = await _admin_card(world)
    assert card.kind == MessageKind.ADMIN and card.submit.id == ActionId.ADMIN_SAVE
    form = _form(card)
    assert form["time"] == "10:00" and form["k_scores"] == "5" and form["weekday"] == "tue"
    assert form["executives"] == ["ceo@example.com"]
    assert "Last round: none yet" in card.fallback_text
    assert "Next pulse: Tue 3 Nov, 10:00" in card.fallback_text


async def test_bad_fields_are_all_named_and_nothing_changes(world: World) -> None:
    card = await _admin_card(world)
    answers = _form(card) | {"time": "25:00", "k_scores": "2", "window_days": "4"}
    (reply,) = await world.channel.act(ADMIN, action=ActionId.ADMIN_SAVE, answers=answers)
    assert reply.title == "Nothing changed"
    assert "time must be HH:MM on a 24-hour clock, e.g. 10:00; got '25:00'" in reply.fallback_text
    assert "k_scores must be a whole number from 3 to 50; got '2'" in reply.fallback_text
    survey = await world.survey()
    assert (survey.local_time, survey.k_scores, survey.window_days) == ("10:00", 5, 3)
    async with world.db.session() as session:
        assert not (
            await session.exec(select(AuditLog).where(AuditLog.action == "survey.set"))
        ).all()


async def test_a_good_change_is_applied_and_audited(world: World) -> None:
    card = await _admin_card(world)
    engineering = next(c.value for c in card.inputs[6].choices if c.label == "Engineering")
    answers = _form(card) | {
        "time": "09:30",
        "k_scores": "6",
        "audience": [engineering],
        "executives": ["ceo@example.com", "eng1@example.com"],
    }
    (saved,) = await world.channel.act(ADMIN, action=ActionId.ADMIN_SAVE, answers=answers)
    assert saved.kind == MessageKind.ADMIN
    assert "Saved: time, audience, executives, k_scores." in saved.fallback_text
    survey = await world.survey()
    assert (survey.local_time, survey.k_scores, survey.audience) == ("09:30", 6, ["Engineering"])
    assert (await world.person("eng1@example.com")).role == Role.EXECUTIVE
    admin = await world.person(ADMIN)
    async with world.db.session() as session:
        (row,) = (await session.exec(select(AuditLog).where(AuditLog.action == "survey.set"))).all()
    assert row.actor == f"person:{admin.id}" and row.at is not None
    assert row.detail == {"keys": ["time", "audience", "executives", "k_scores"]}
    (again,) = await world.channel.act(ADMIN, action=ActionId.ADMIN_SAVE, answers=_form(saved))
    assert again.title == "Nothing changed" and "as it was" in again.fallback_text


async def test_no_one_but_an_admin_sees_or_changes_the_settings(world: World) -> None:
    for email in ("ceo@example.com", "eng1@example.com"):
        (refused,) = await world.channel.command(email, "/pulse admin")
        assert refused.title == "Admins only" and not refused.inputs
        (forged,) = await world.channel.act(
            email, action=ActionId.ADMIN_SAVE, answers={"time": "07:00", "k_scores": "3"}
        )
        assert forged.title == "Admins only"
    survey = await world.survey()
    assert (survey.local_time, survey.k_scores) == ("10:00", 5)
