"""The Teams activity handler: messages and card submits become neutral events; effects
become replies, card updates and proactive messages. Conversation references are stored
on install and on every turn, so pulses can reach people later."""

from __future__ import annotations

import logging

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import Activity, ChannelAccount

from adapters.teams.render import render_activity
from adapters.teams.translate import answers_from_submit
from bot.conversations import mark_unreachable, save_reference
from bot.enums import Platform
from bot.events import ActionEvent, Actor, CommandEvent, Effect, Notify, Replace, Reply
from bot.handlers import Bot
from bot.messages import Message
from bot.ports import MessageRef
from bot.surveys import WORKED_WITH
from bot.templates import welcome

log = logging.getLogger("crosspulse.teams")
MULTI_KEYS = frozenset({WORKED_WITH})


def user_key(account: ChannelAccount) -> str:
    """The AAD object id when Teams gives one (it does for real users), else the channel id."""
    return account.aad_object_id or account.id


def _stranger(effects: list[Effect]) -> bool:
    """The bot answered "I don't know you yet": worth a roster look-up."""
    return bool(effects) and isinstance(effects[0], Reply) and effects[0].message.kind == "stranger"


def activity_from(message: Message) -> Activity:
    return Activity().deserialize(render_activity(message))


class CrosspulseTeamsBot(TeamsActivityHandler):
    def __init__(self, bot: Bot, *, notify) -> None:  # type: ignore[no-untyped-def]
        self.bot = bot
        self.notify = notify  # async (person_id, message) -> None, through the Teams port
        self._stored: dict[str, tuple[str, str]] = {}  # user -> (conversation, service url)

    async def on_turn(self, turn_context: TurnContext) -> None:
        if turn_context.activity.from_property is not None:
            await self._remember(turn_context)
        await super().on_turn(turn_context)

    async def _remember(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.conversation is None or activity.conversation.conversation_type not in (
            None,
            "personal",
        ):
            return  # only 1:1 chats are used for pulses
        user = user_key(activity.from_property)
        current = (activity.conversation.id, activity.service_url)
        if self._stored.get(user) == current:
            return  # already stored by this process: no write on every turn
        reference = TurnContext.get_conversation_reference(activity)
        self._stored[user] = current
        await save_reference(
            self.bot.db,
            platform=Platform.TEAMS,
            user_id=user_key(activity.from_property),
            reference=reference.serialize(),
        )

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await mark_unreachable(
            self.bot.db,
            platform=Platform.TEAMS,
            user_id=user_key(turn_context.activity.from_property),
        )

    async def on_members_added_activity(self, members_added, turn_context: TurnContext) -> None:  # type: ignore[no-untyped-def]
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(m.id == bot_id for m in members_added):
            await self._link_by_email(turn_context)
            await turn_context.send_activity(activity_from(welcome.render()))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        actor = Actor(Platform.TEAMS, user_key(activity.from_property))
        if activity.value:
            try:
                action, value, answers = answers_from_submit(activity.value, multi_keys=MULTI_KEYS)
            except ValueError:
                await turn_context.send_activity(
                    MessageFactory.text("That card is out of date. Type `help` for what I can do.")
                )
                return
            ref = None
            if activity.reply_to_id and activity.conversation:
                ref = MessageRef(Platform.TEAMS, activity.conversation.id, activity.reply_to_id)
            event = ActionEvent(actor, action, value, answers, ref)
        else:
            text = TurnContext.remove_recipient_mention(activity) or activity.text or ""
            event = CommandEvent(actor, text.strip())
        effects = await self.bot.handle(event)
        if _stranger(effects) and await self._link_by_email(turn_context):
            effects = await self.bot.handle(event)  # now we know who they are
        await self.apply(turn_context, effects)

    async def _link_by_email(self, turn_context: TurnContext) -> bool:
        """Teams gives no e-mail in the activity; the roster does. True when linked."""
        account = turn_context.activity.from_property
        try:
            member = await TeamsInfo.get_member(turn_context, account.id)
        except Exception as exc:
            log.warning("roster lookup failed: %s", type(exc).__name__)
            return False
        email = member.email or member.user_principal_name
        if not email:
            return False
        return await self.bot.link_platform_id(
            platform=Platform.TEAMS, email=email, user_id=user_key(account)
        )

    async def apply(self, turn_context: TurnContext, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Reply):
                await turn_context.send_activity(activity_from(effect.message))
            elif isinstance(effect, Replace):
                reply_to = turn_context.activity.reply_to_id
                if reply_to:
                    update = activity_from(effect.message)
                    update.id = reply_to
                    await turn_context.update_activity(update)
                else:
                    await turn_context.send_activity(activity_from(effect.message))
            elif isinstance(effect, Notify):
                await self.notify(effect.person_id, effect.message)
