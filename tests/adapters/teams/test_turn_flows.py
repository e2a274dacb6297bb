"""Unit-level Teams flows through botbuilder's TestAdapter: the real activity handler and
bot on a real database, no HTTP. What the user sees is read off the replies and updates
the adapter recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    Entity,
)
from sqlmodel import select

from adapters.teams.bot import CrosspulseTeamsBot
from bot.messages import Message
from bot.store.models import Participation
from tests.conftest import World, link

USER = ChannelAccount(id="29:eng1", name="Engineer 1", aad_object_id="aad-eng1")
BOT = ChannelAccount(id="28:bot", name="Crosspulse")
MENTION = Entity().deserialize(  # as it comes off the wire
    {"type": "mention", "text": "<at>Crosspulse</at>", "mentioned": BOT.serialize()}
)


class Flow:
    """A Teams user talking to the bot through TestAdapter, with private answers (to the
    asker's 1:1 chat) and notifications collected."""

    def __init__(self, world: World, conversation: ConversationAccount) -> None:
        self.whispered: list[tuple[str, Message]] = []
        self.notified: list[tuple[int, Message]] = []

        async def whisper(user_id: str, message: Message) -> str:
            self.whispered.append((user_id, message))
            return "sent"

        async def notify(person_id: int, message: Message) -> None:
            self.notified.append((person_id, message))

        self.bot = CrosspulseTeamsBot(world.bot, notify=notify, whisper=whisper)
        template = Activity(
            channel_id="msteams",
            service_url="https://smba.example.com/",
            from_property=USER,
            recipient=BOT,
            conversation=conversation,
        )
        self.adapter = TestAdapter(self.bot.on_turn, template)

    async def say(self, text: str | None = None, **fields: object) -> list[Activity]:
        """One turn; returns the replies it sent."""
        before = len(self.adapter.activity_buffer)
        activity = Activity(type=ActivityTypes.message, text=text, **fields)
        await self.adapter.process_activity(activity, self.bot.on_turn)
        return self.adapter.activity_buffer[before:]


def _card(activity: Activity) -> dict:
    (attachment,) = activity.attachments
    assert attachment.content_type == "application/vnd.microsoft.card.adaptive"
    return attachment.content


def _first_choices(card: dict) -> dict[str, str]:
    """Answer every choice set of a card with its first choice."""
    return {
        element["id"]: element["choices"][0]["value"]
        for element in card["body"]
        if element.get("type") == "Input.ChoiceSet"
    }


@pytest.fixture
async def linked(world: World) -> World:
    await link(world.db, "eng1@example.com", "teams", USER.aad_object_id)
    return world


PERSONAL = ConversationAccount(id="a:eng1", conversation_type="personal")


async def test_a_stranger_is_told_how_to_get_known(world: World) -> None:
    (reply,) = await Flow(world, PERSONAL).say("help")
    assert "I don't know you yet" in json.dumps(_card(reply))


async def test_help_and_an_unknown_command(linked: World) -> None:
    flow = Flow(linked, PERSONAL)
    (reply,) = await flow.say("help")
    assert "Crosspulse commands" in json.dumps(_card(reply))
    (reply,) = await flow.say("/pulse frobnicate")
    assert "recognise “frobnicate”" in json.dumps(_card(reply), ensure_ascii=False)


async def test_the_pulse_card_is_answered_once_and_replaced_without_echo(
    linked: World,
) -> None:
    await linked.tick(datetime(2026, 11, 3, 6, 0, tzinfo=UTC))  # opens the round
    flow = Flow(linked, PERSONAL)
    (pulse,) = await flow.say("checkin")
    card = _card(pulse)
    submit = next(a for a in card["actions"] if a["data"]["action"] == "submit:checkin")
    value = {**submit["data"], **_first_choices(card), "comment": "the secret plan"}
    # Teams names the card a submit came from in replyToId.
    assert await flow.say(value=value, reply_to_id="pulse-card") == []
    (followup,) = flow.adapter.updated_activities
    assert followup.id == "pulse-card", "the pulse card itself is replaced"
    shown = json.dumps(followup.serialize())
    assert "How smooth was it?" in shown and "the secret plan" not in shown
    followup_card = _card(followup)
    (send,) = followup_card["actions"]
    await flow.say(
        value={**send["data"], **_first_choices(followup_card)}, reply_to_id="pulse-card"
    )
    confirmation = flow.adapter.updated_activities[-1]
    assert confirmation.id == "pulse-card"
    assert "Check-in received" in json.dumps(confirmation.serialize())
    replies = await flow.say(value=value, reply_to_id="pulse-card")  # a double submit
    shown = json.dumps([r.serialize() for r in replies]) + json.dumps(
        flow.adapter.updated_activities[-1].serialize()
    )
    assert "Already answered" in shown
    async with linked.db.session() as session:
        assert len((await session.exec(select(Participation))).all()) == 1


async def test_an_out_of_date_card_gets_a_clear_answer(linked: World) -> None:
    (reply,) = await Flow(linked, PERSONAL).say(value={"action": 42})
    assert reply.text.startswith("That card is out of date")


async def test_a_mention_in_a_group_chat_is_stripped_and_answered_privately(
    linked: World,
) -> None:
    group = ConversationAccount(id="19:group@thread.v2", conversation_type="groupChat")
    flow = Flow(linked, group)
    (notice,) = await flow.say("<at>Crosspulse</at> status", entities=[MENTION])
    assert notice.text == "I've sent you my answer in our 1:1 chat."
    ((user, message),) = flow.whispered
    assert user == USER.aad_object_id and message.title == "Your pulse status"


def test_turn_context_strips_only_the_bots_mention() -> None:
    """What the handler relies on: botbuilder removes our <at> tag and keeps the rest."""
    activity = Activity(
        type="message",
        text="<at>Crosspulse</at> thanks <at>Megan</at> for the review",
        recipient=BOT,
        entities=[MENTION],
    )
    assert TurnContext.remove_recipient_mention(activity).strip() == (
        "thanks <at>Megan</at> for the review"
    )
