"""One command registry: the parser, the help message, Slack's usage hint and Teams' command
menus all say what `bot.chat.commands.REGISTRY` says, so adding a command there shows up in every
one of them (or this file fails)."""

from __future__ import annotations

import pytest

from adapters.slack.manifest import slack_manifest, usage_hint
from adapters.teams.manifest import MAX_COMMANDS, command_menu, teams_manifest
from bot.chat.commands import REGISTRY, Audience, Verb, commands_for, parse
from bot.chat.templates import help as help_template
from tests.conftest import World

APP_ID = "11111111-2222-3333-4444-555555555555"


def test_every_verb_has_one_entry_and_every_word_parses_to_it() -> None:
    assert sorted(c.verb for c in REGISTRY) == sorted(v for v in Verb if v != Verb.UNKNOWN)
    for spec in REGISTRY:
        for word in spec.words:
            typed = f"/pulse {word.upper()} x" if word else "/pulse"
            assert parse(typed).verb == spec.verb, word
        assert parse(spec.usage).verb == spec.verb


@pytest.mark.parametrize("leader", [False, True])
def test_help_lists_exactly_what_this_person_may_use(leader: bool) -> None:
    shown = help_template.render(help_template.HelpData(leader=leader)).fallback_text
    for spec in REGISTRY:
        line = f"`{spec.usage}`: {spec.help}"
        visible = leader or spec.audience is Audience.EVERYONE
        assert (line in shown) == visible, line
    listed = [line for line in shown.splitlines() if line.startswith("`/pulse")]
    assert len(listed) == len(commands_for(leader=leader))


def test_slack_usage_hint_names_every_command() -> None:
    hint = slack_manifest(url=None)["features"]["slash_commands"][0]["usage_hint"]
    assert hint == usage_hint() and hint.startswith("[") and hint.endswith("]")
    typed = hint[1:-1].split(" | ")
    assert [parse(t).verb for t in typed] == [c.verb for c in REGISTRY if not c.bare]
    assert "thanks @person message" in typed and "digest [department]" in typed


def test_teams_menus_follow_the_registry() -> None:
    menus = teams_manifest(app_id=APP_ID, url="https://pulse.example.com")["bots"][0][
        "commandLists"
    ]
    personal = {tuple(m["scopes"]): m["commands"] for m in menus}[("personal",)]
    assert [c["title"] for c in personal] == [c.name for c in REGISTRY if c.menu]
    assert len(personal) <= MAX_COMMANDS
    for shown, spec in zip(personal, (c for c in REGISTRY if c.menu), strict=True):
        assert parse(shown["title"]).verb == spec.verb
        assert spec.help.lower() in shown["description"].lower()
        assert shown["description"].endswith("(leaders)") == (spec.audience is Audience.LEADERS)
    team = {tuple(m["scopes"]): m["commands"] for m in menus}[("team",)]
    assert [c["title"] for c in team] == [c.name for c in REGISTRY if c.menu and c.shared]
    assert command_menu(shared=True) == team


async def test_every_command_reaches_a_handler(world: World) -> None:
    """A registry entry without a handler would answer "I didn't recognise" like a typo."""
    for spec in REGISTRY:
        if spec.verb == Verb.FORGET:
            continue  # asks first; its confirmation is tested in tests/bot/test_commands.py
        shown = await world.channel.command("ceo@example.com", spec.usage)
        assert shown, spec.usage
        assert "didn't recognise" not in shown[0].fallback_text, spec.usage
