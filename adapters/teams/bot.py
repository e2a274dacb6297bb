"""The Teams activity handler: messages and card submits become neutral events; effects
become replies, card updates and proactive messages. Conversation references are stored
on install and on every turn, so pulses can reach people later."""

from __future__ import annotations

import asyncio
import logging

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo, teams_get_team_info
from botbuilder.schema import Activity, Attachment, ChannelAccount, ConversationReference

from adapters.effects import EffectTarget, carry_out
from adapters.teams import PLATFORM
from adapters.teams.conversations import (
    add_references,
    load_reference,
    mark_unreachable,
    mark_unreachable_where,
    save_reference,
)
from adapters.teams.files import Unreadable, download, offered_file
from adapters.teams.render import render_activity
from adapters.teams.translate import answers_from_submit
from bot.chat.events import ActionEvent, Actor, CommandEvent, Effect, Event, FileEvent, Reply
from bot.chat.handlers import Bot
from bot.chat.templates import admin as admin_template
from bot.chat.templates import listen_form, notice, welcome
from bot.i18n import N_, _, use_locale
from bot.logcontext import workspace
from bot.messages import Message, MessageKind
from bot.ports import MessageRef
from bot.pulse.surveys import WORKED_WITH

log = logging.getLogger("crosspulse.teams")
MULTI_KEYS = frozenset({WORKED_WITH}) | admin_template.MULTI_KEYS | listen_form.MULTI_KEYS
SHARED_CHATS = frozenset({"channel", "groupChat"})
# Teams waits 15 s for a turn's answer, then may deliver the activity again: what a turn
# sends beyond its own reply (private answers, thank-yous) shares this many seconds.
TURN_BUDGET = 10.0
DELIVERY_ORDER = ("sent", "unknown", "failed")  # whisper outcomes, best first
CHANNEL_NOTICE = {
    "sent": N_("I've sent you my answer in our 1:1 chat."),
    "unknown": N_(
        "Teams did not confirm my answer in our 1:1 chat: look there, and if it is "
        "not there, ask me in that chat."
    ),
    "failed": N_("I couldn't write to you privately: open a chat with me and ask there."),
}
ROSTER_PAGE = 500  # the connector's largest page of team members


def user_key(account: ChannelAccount) -> str:
    """The AAD object id when Teams gives one (it does for real users), else the channel id."""
    return account.aad_object_id or account.id


def _stranger(effects: list[Effect]) -> bool:
    """The bot answered "I don't know you yet": worth a roster look-up."""
    return (
        bool(effects)
        and isinstance(effects[0], Reply)
        and effects[0].message.kind == MessageKind.STRANGER
    )


def activity_from(message: Message, *, link: tuple[str, str] | None = None) -> Activity:
    """Built directly: msrest's generic deserialisation of the card costs more than the
    rest of the turn's own work. `link`: (title, url) of an extra button that opens a URL
    (an introduction's "Chat with ...")."""
    rendered = render_activity(message)
    if link is not None:
        for attachment in rendered["attachments"]:
            actions = attachment["content"].setdefault("actions", [])
            actions.insert(0, {"type": "Action.OpenUrl", "title": link[0], "url": link[1]})
    return Activity(
        type=rendered["type"],
        summary=rendered["summary"],
        attachments=[
            Attachment(content_type=a["contentType"], content=a["content"])
            for a in rendered["attachments"]
        ],
    )


def tenant_of(activity: Activity) -> str | None:
    """The Entra tenant, lower-case: Teams names it in `channelData.tenant.id` and as
    `conversation.tenantId` (which botbuilder, reading `tenantID`, keeps only among the
    conversation's additional properties)."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant")
    found = tenant.get("id") if isinstance(tenant, dict) else None
    if not found and activity.conversation is not None:
        extra = activity.conversation.additional_properties or {}
        found = activity.conversation.tenant_id or extra.get("tenantId")
    return found.lower() if isinstance(found, str) and found else None


def reference_of(activity: Activity) -> ConversationReference:
    """The conversation reference with its tenant filled in, which opening a 1:1 chat and
    per-tenant pacing need (botbuilder leaves it empty for Teams, see `tenant_of`)."""
    reference = TurnContext.get_conversation_reference(activity)
    tenant = tenant_of(activity)
    if reference.conversation is not None and tenant and not reference.conversation.tenant_id:
        reference.conversation.tenant_id = tenant
    return reference


def is_team_scope(reference: ConversationReference) -> bool:
    """Stored at a team install: reaches the person only once a 1:1 chat is opened."""
    return bool(reference.conversation and reference.conversation.conversation_type == "channel")


def _deadline() -> float:
    return asyncio.get_running_loop().time() + TURN_BUDGET


def _in_shared_chat(activity: Activity) -> bool:
    conversation = activity.conversation
    return bool(
        conversation and (conversation.is_group or conversation.conversation_type in SHARED_CHATS)
    )


def _email_of(member: ChannelAccount) -> str | None:
    extra = getattr(member, "additional_properties", None) or {}
    return (
        getattr(member, "email", None)
        or getattr(member, "user_principal_name", None)
        or extra.get("email")
        or extra.get("userPrincipalName")
    )


def _through(stored: dict, team: str) -> bool:
    conversation = stored.get("conversation") or {}
    return conversation.get("conversationType") == "channel" and conversation.get("id") == team


def _for(stored: dict, user_ids: set[str]) -> bool:
    return (stored.get("user") or {}).get("id") in user_ids


class CrosspulseTeamsBot(TeamsActivityHandler):
    def __init__(  # type: ignore[no-untyped-def]
        self,
        bot: Bot,
        *,
        notify,
        whisper,
        tenants: frozenset[str] | None = None,
        allow_no_tenant: bool = False,
    ) -> None:
        self.bot = bot
        self.tenants = tenants  # Entra tenants served (TEAMS_TENANT_IDS); None: all
        self.allow_no_tenant = allow_no_tenant  # the Bot Framework Emulator sends none
        self.notify = notify  # async (person_id, message) -> None, through the Teams port
        self.whisper = whisper  # async (teams user id, message) -> "sent" | "unknown" | "failed"
        self._stored: dict[str, tuple[str, str]] = {}  # user -> (conversation, service url)

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Checked after botbuilder authenticated the request (a forged one is a 401
        before this): another organisation's activities are ignored entirely."""
        tenant = tenant_of(turn_context.activity)
        workspace.set(tenant[:64] if tenant else None)  # the turn's log lines name it
        if not self._serves(tenant):
            return
        if turn_context.activity.from_property is not None:
            await self._remember(turn_context)
        await super().on_turn(turn_context)

    def _serves(self, tenant: str | None) -> bool:
        if self.tenants is None or tenant in self.tenants:
            return True
        if tenant is None and self.allow_no_tenant:
            return True
        shown = tenant[:64] if tenant else tenant  # a caller's string: keep the log short
        log.warning("ignored: Teams tenant %r is not in TEAMS_TENANT_IDS", shown)
        return False

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
        self._stored[user] = current
        await save_reference(
            self.bot.db,
            platform=PLATFORM,
            user_id=user,
            reference=reference_of(activity).serialize(),
        )

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        conversation = turn_context.activity.conversation
        if self._team_id(turn_context):
            await self._forget_team(turn_context)
        elif conversation is None or conversation.conversation_type in (None, "personal"):
            await mark_unreachable(
                self.bot.db,
                platform=PLATFORM,
                user_id=user_key(turn_context.activity.from_property),
            )
        # removed from a group chat: nobody's own way in changes

    async def on_members_added_activity(self, members_added, turn_context: TurnContext) -> None:  # type: ignore[no-untyped-def]
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        in_team = bool(self._team_id(turn_context))
        if any(m.id == bot_id for m in members_added):
            if not in_team:
                await self._link_by_email(turn_context)
            with use_locale(activity.locale):  # the person's client language: all we know yet
                hello = welcome.render()
            await turn_context.send_activity(activity_from(hello))
            if in_team:  # after the welcome: a large roster takes a while
                await self._adopt_team(turn_context)
        elif in_team:  # people joining a team the bot is in: Teams gives their roster entry
            await self._adopt(turn_context, members_added)

    async def on_members_removed_activity(self, members_removed, turn_context: TurnContext) -> None:  # type: ignore[no-untyped-def]
        team = self._team_id(turn_context)
        if not team:
            return
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(m.id == bot_id for m in members_removed):
            await self._forget_team(turn_context)
            return
        leaving = {m.id for m in members_removed}
        await mark_unreachable_where(
            self.bot.db,
            platform=PLATFORM,
            matches=lambda ref: _through(ref, team) and _for(ref, leaving),
        )

    @staticmethod
    def _team_id(turn_context: TurnContext) -> str:
        team = teams_get_team_info(turn_context.activity)
        return team.id if team and team.id else ""

    async def _adopt_team(self, turn_context: TurnContext) -> None:
        """Installed in a team: everyone on its roster whom Crosspulse knows can now be
        written to, through a 1:1 chat the port opens on the first send. Read the roster
        page by page; when a page fails (logged), the people on it and after it are not
        adopted until they write to the bot, or the app is added to the team again."""
        token = None
        while True:
            try:
                page = await TeamsInfo.get_paged_team_members(
                    turn_context, continuation_token=token, page_size=ROSTER_PAGE
                )
            except Exception as exc:
                log.warning("team roster lookup failed: %s", type(exc).__name__)
                return
            await self._adopt(turn_context, page.members or [])
            token = page.continuation_token
            if not token:
                return

    async def _adopt(self, turn_context: TurnContext, members: list[ChannelAccount]) -> None:
        """Link team members by e-mail and store a team-scope reference for each person
        Crosspulse knows (nothing is kept about anyone else); a reference they gave
        themselves is kept. Four statements per roster page."""
        complete: list[ChannelAccount] = []
        ids_by_email: dict[str, str] = {}
        for member in members:
            if not _email_of(member):  # Teams sometimes gives only ids: the roster has more
                try:
                    member = await TeamsInfo.get_member(turn_context, member.id)
                except Exception as exc:
                    log.warning("roster lookup failed: %s", type(exc).__name__)
            complete.append(member)
            if email := _email_of(member):
                ids_by_email[email] = user_key(member)
        await self.bot.link_platform_ids(platform=PLATFORM, ids_by_email=ids_by_email)
        known = await self.bot.known_platform_ids(
            platform=PLATFORM, user_ids=[user_key(m) for m in complete]
        )
        through_team = reference_of(turn_context.activity)
        # The team, not the channel the event came from, is what an uninstall names.
        through_team.conversation.id = self._team_id(turn_context)
        references = {}
        for member in complete:
            if user_key(member) in known:
                through_team.user = ChannelAccount(
                    id=member.id, name=member.name, aad_object_id=member.aad_object_id
                )
                references[user_key(member)] = through_team.serialize()
        await add_references(self.bot.db, platform=PLATFORM, references=references)

    async def _forget_team(self, turn_context: TurnContext) -> None:
        """Only references that go through the team: a 1:1 chat the bot already opened for
        someone stays, and Teams' 403 on the next send marks it if it no longer works."""
        team = self._team_id(turn_context)
        count = await mark_unreachable_where(
            self.bot.db, platform=PLATFORM, matches=lambda ref: _through(ref, team)
        )
        log.info("removed from a team: %d team-scope references no longer used", count)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        # Teams says which language the person's client is in, on every activity.
        actor = Actor(PLATFORM, user_key(activity.from_property), locale=activity.locale)
        event: Event
        offered = None if _in_shared_chat(activity) else offered_file(activity)
        if offered is not None and not activity.value:
            try:
                content = await download(turn_context, offered)
            except Unreadable as exc:
                with use_locale(await self.bot.language(actor)):
                    unreadable = notice.NoticeData(_("I couldn't read that file"), str(exc))
                    answer = notice.render(unreadable)
                await turn_context.send_activity(activity_from(answer))
                return
            event = FileEvent(actor, offered.name, content)
        elif activity.value:
            try:
                action, value, answers = answers_from_submit(activity.value, multi_keys=MULTI_KEYS)
            except ValueError:
                with use_locale(await self.bot.language(actor)):
                    text = _("That card is out of date. Type `help` for what I can do.")
                await turn_context.send_activity(MessageFactory.text(text))
                return
            ref = None
            if activity.reply_to_id and activity.conversation:
                ref = MessageRef(PLATFORM, activity.conversation.id, activity.reply_to_id)
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
        email = _email_of(member)
        if not email:
            return False
        return await self.bot.link_platform_id(
            platform=PLATFORM, email=email, user_id=user_key(account)
        )

    async def apply(self, turn_context: TurnContext, effects: list[Effect]) -> None:
        shared = _in_shared_chat(turn_context.activity)
        target = _SharedChatEffects if shared else _TurnEffects
        await carry_out(effects, target(self, turn_context))

    async def _answer_privately(
        self, turn_context: TurnContext, message: Message, deadline: float
    ) -> str:
        asker = turn_context.activity.from_property
        try:
            async with asyncio.timeout_at(deadline):
                known = await load_reference(
                    self.bot.db, platform=PLATFORM, user_id=user_key(asker)
                )
                if known is None and self._team_id(turn_context):
                    await self._adopt(turn_context, [asker])  # a way in through the team
                return await self.whisper(user_key(asker), message)
        except TimeoutError:  # the send may be under way: it may still arrive
            return "unknown"

    async def _notify_within(self, person_id: int, message: Message, deadline: float) -> None:
        """Someone else's message (a thank-you) from inside a turn: given what is left of
        the turn's time; past it, left unsent (logged) rather than risking a redelivery."""
        try:
            async with asyncio.timeout_at(deadline):
                await self.notify(person_id, message)
        except TimeoutError:
            log.warning("teams notify not confirmed within the turn's time")


class _TurnEffects(EffectTarget):
    """Effects in a 1:1 chat: answers in the turn; a Replace updates the card acted on."""

    platform = PLATFORM

    def __init__(self, handler: CrosspulseTeamsBot, turn_context: TurnContext) -> None:
        self.handler, self.turn_context = handler, turn_context

    async def reply(self, message: Message, *, ephemeral: bool) -> None:
        await self.turn_context.send_activity(activity_from(message))

    async def replace(self, message: Message) -> None:
        reply_to = self.turn_context.activity.reply_to_id
        if reply_to:
            update = activity_from(message)
            update.id = reply_to
            await self.turn_context.update_activity(update)
        else:
            await self.turn_context.send_activity(activity_from(message))

    async def notify(self, person_id: int, message: Message) -> None:
        await self.handler._notify_within(person_id, message, _deadline())


class _SharedChatEffects(EffectTarget):
    """Teams has no ephemeral messages: in a channel or group chat every answer to the asker
    (their status, a pulse card, its follow-up and confirmation, a digest, an error) goes to
    their 1:1 chat, opened through the team if need be; the channel sees only whether it
    went. "I don't know you yet" holds nothing about anyone and stays in the channel."""

    platform = PLATFORM

    def __init__(self, handler: CrosspulseTeamsBot, turn_context: TurnContext) -> None:
        self.handler, self.turn_context = handler, turn_context
        self.deadline = _deadline()
        self.outcomes: list[str] = []
        self.language: str | None = None  # the asker's, from the messages answering them

    async def reply(self, message: Message, *, ephemeral: bool) -> None:
        self.language = message.language
        if message.kind == MessageKind.STRANGER:
            await self.turn_context.send_activity(activity_from(message))
            return
        outcome = await self.handler._answer_privately(self.turn_context, message, self.deadline)
        self.outcomes.append(outcome)

    async def replace(self, message: Message) -> None:
        await self.reply(message, ephemeral=True)

    async def notify(self, person_id: int, message: Message) -> None:
        await self.handler._notify_within(person_id, message, self.deadline)

    async def finish(self) -> None:
        if self.outcomes:
            worst = max(self.outcomes, key=DELIVERY_ORDER.index)
            with use_locale(self.language):
                text = _(CHANNEL_NOTICE[worst])
            await self.turn_context.send_activity(MessageFactory.text(text))
