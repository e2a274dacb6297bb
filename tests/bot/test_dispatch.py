"""The dispatcher's tables: every command and every button has a handler, the ids on the wire
are the ones already sent in people's chats, and an unknown button is answered politely."""

from __future__ import annotations

from bot.chat.commands import Verb
from bot.chat.handlers import ACTIONS, BUTTON_COMMANDS, COMMANDS
from bot.messages import ActionId
from tests.conftest import World


def test_every_verb_and_action_id_is_routed() -> None:
    assert set(COMMANDS) == set(Verb) - {Verb.UNKNOWN}
    assert set(BUTTON_COMMANDS) | set(ACTIONS) == set(ActionId)
    assert not set(BUTTON_COMMANDS) & set(ACTIONS)


def test_action_ids_keep_their_wire_values() -> None:
    assert {a.value for a in ActionId} == {
        "checkin",
        "smoothness",
        "checkin_now",
        "status",
        "digest",
        "silos",
        "optout",
        "optin",
        "forget_me",
        "forget_confirm",
        "forget_cancel",
        "admin",
        "admin_save",
        "import_confirm",
        "import_cancel",
        "convo_reply",
        "convo_send",
        "convo_answer",
        "convo_close",
        "convo_open",
        "introduce",
        "intro_met",
        "listen_start",
        "tour_answer",
    }


async def test_an_unknown_button_is_out_of_date(world: World) -> None:
    shown = await world.channel.act("eng1@example.com", action="launch_rockets")
    assert shown[0].title == "That button is out of date"


async def test_buttons_that_are_commands_answer_as_the_command(world: World) -> None:
    by_button = await world.channel.act("eng1@example.com", action=ActionId.STATUS)
    by_command = await world.channel.command("eng1@example.com", "/pulse status")
    assert by_button == by_command
    shown = await world.channel.act("eng1@example.com", action="forget_cancel")
    assert shown[0].title == "Nothing erased"
