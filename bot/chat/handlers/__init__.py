"""The dispatcher: an adapter hands `Bot` a neutral event; it finds the person, routes the
event to the handler of its family and returns the effects for the adapter to carry out.

A command is routed by its verb (`COMMANDS`); a button or form by its action id: a button
that does what a command does (`BUTTON_COMMANDS`) runs that command's handler, the others
have their own (`ACTIONS`). An id no longer known gets "That button is out of date". The
families: `answers` (the pulse), `account` (opt out, mute, erase), `thanks`, `digests`,
`info` (status and help), `admin` (settings), `people` (CSV imports); `identities` finds people
and links their platform accounts."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.chat.commands import Command, Verb, parse
from bot.chat.events import ActionEvent, Actor, CommandEvent, Effect, Event, FileEvent, Reply
from bot.chat.handlers import (
    account,
    admin,
    answers,
    conversations,
    digests,
    info,
    intros,
    language,
    listen,
    people,
    thanks,
)
from bot.chat.handlers.identities import Identities
from bot.chat.handlers.turn import Turn, notice
from bot.chat.home import home_view
from bot.chat.templates import notice as notice_template
from bot.i18n import _, use_locale
from bot.messages import ActionId, Message, MessageKind
from bot.people import identity
from bot.people.languages import reader_language, remember_platform_locale
from bot.people.org import AccountColumn
from bot.ports import Clock
from bot.store.db import Database
from bot.store.models import Person

log = logging.getLogger("crosspulse.handlers")

CommandHandler = Callable[[Turn, Command], Awaitable[list[Effect]]]
ActionHandler = Callable[[Turn, ActionEvent], Awaitable[list[Effect]]]

COMMANDS: dict[Verb, CommandHandler] = {
    Verb.CHECKIN: answers.checkin_now,
    Verb.HELP: info.show_help,
    Verb.STATUS: info.show_status,
    Verb.THANKS: thanks.thank,
    Verb.OPTOUT: account.opt,
    Verb.OPTIN: account.opt,
    Verb.MUTE: account.mute,
    Verb.UNMUTE: account.mute,
    Verb.FORGET: account.forget,
    Verb.DIGEST: digests.digest,
    Verb.SILOS: digests.digest,
    Verb.TREND: digests.digest,
    Verb.ADMIN: admin.show,
    Verb.CONVERSATIONS: conversations.list_threads,
    Verb.INTROS: intros.setting,
    Verb.INTRODUCTIONS: intros.overview,
    Verb.LISTEN: listen.listen,
    Verb.LANGUAGE: language.language,
}
BUTTON_COMMANDS: dict[ActionId, Verb] = {
    ActionId.CHECKIN_NOW: Verb.CHECKIN,
    ActionId.STATUS: Verb.STATUS,
    ActionId.SILOS: Verb.SILOS,
    ActionId.DIGEST: Verb.DIGEST,
    ActionId.OPTOUT: Verb.OPTOUT,
    ActionId.OPTIN: Verb.OPTIN,
    ActionId.FORGET_ME: Verb.FORGET,
    ActionId.ADMIN: Verb.ADMIN,
}
ACTIONS: dict[ActionId, ActionHandler] = {
    ActionId.CHECKIN: answers.submit,
    ActionId.SMOOTHNESS: answers.submit,
    ActionId.FORGET_CONFIRM: account.forget_confirm,
    ActionId.FORGET_CANCEL: account.forget_cancel,
    ActionId.ADMIN_SAVE: admin.save,
    ActionId.IMPORT_CONFIRM: people.confirm,
    ActionId.IMPORT_CANCEL: people.cancel,
    ActionId.CONVO_REPLY: conversations.reply_form,
    ActionId.CONVO_SEND: conversations.send_reply,
    ActionId.CONVO_ANSWER: conversations.answer,
    ActionId.CONVO_CLOSE: conversations.close,
    ActionId.CONVO_OPEN: conversations.open_thread,
    ActionId.INTRODUCE: intros.introduce,
    ActionId.INTRO_MET: intros.met,
    ActionId.LISTEN_START: listen.start,
    ActionId.TOUR_ANSWER: listen.answer,
}


class Bot(Identities):
    """The platform-neutral bot: adapters hand it events and carry out the effects."""

    def __init__(
        self,
        *,
        db: Database,
        secret: bytes,
        clock: Clock,
        account_columns: tuple[AccountColumn, ...] = (),
    ) -> None:
        """`account_columns`: the org CSV's platform id columns, named by the adapters."""
        self.db = db
        self.secret = secret
        self.clock = clock
        self.account_columns = account_columns

    async def handle(self, event: Event) -> list[Effect]:
        async with self.db.session() as session:
            person = await self._person(session, event.actor)
            reported = await _reported_locale(event.actor, person)
            if person is None:
                with use_locale(reported):
                    return _stranger_notice(
                        _("I don't know you yet"),
                        _(
                            "Crosspulse has no record of you. Ask your people team to add you "
                            "to the organisation import (`crosspulse org import`)."
                        ),
                    )
            await remember_platform_locale(session, person, reported)
            turn = Turn(
                session=session,
                person=person,
                secret=self.secret,
                clock=self.clock,
                account_columns=self.account_columns,
            )
            with use_locale(await reader_language(session, person)):
                if isinstance(event, CommandEvent):
                    return await _command(turn, parse(event.text))
                if isinstance(event, FileEvent):
                    return await people.upload(turn, event)
                return await _action(turn, event)

    async def admin_form(
        self, actor: Actor, *, answers: dict, picked: dict[str, list[str]]
    ) -> admin.FormOutcome:
        """The admin settings form submitted from outside a message (a modal): problems by
        field with nothing applied, or the confirmation for the admin's DM."""
        async with self.db.session() as session:
            person = await self._person(session, actor)
            if person is None:
                with use_locale(await _reported_locale(actor, person)):
                    return admin.FormOutcome(message=admin.refused_message())
            turn = Turn(
                session=session,
                person=person,
                secret=self.secret,
                clock=self.clock,
                account_columns=self.account_columns,
            )
            with use_locale(await reader_language(session, person)):
                return await admin.submit_form(
                    turn, platform=actor.platform, answers=answers, picked=picked
                )

    async def accounts(self, actor: Actor, *, emails: list[str]) -> dict[str, str]:
        """E-mail -> account id on the actor's platform, for people of the actor's
        organisation (a people picker's initial choices)."""
        async with self.db.session() as session:
            person = await self._person(session, actor)
            if person is None:
                return {}
            return await identity.accounts_by_email(
                session, tenant_id=person.tenant_id, platform=actor.platform, emails=emails
            )

    async def home(self, actor: Actor) -> Message:
        """The person's home view; a stranger is told how to get in."""
        async with self.db.session() as session:
            person = await self._person(session, actor)
            if person is None:
                with use_locale(await _reported_locale(actor, person)):
                    return notice_template.render(
                        notice_template.NoticeData(
                            title="Crosspulse",
                            text=_(
                                "Crosspulse has no record of you yet. Ask your "
                                "people team to add you to the organisation import."
                            ),
                        )
                    )
            with use_locale(await reader_language(session, person)):
                return await home_view(session, person=person, now=self.clock.now())


async def _reported_locale(actor: Actor, person: Person | None) -> str | None:
    """The locale the platform reports for the actor. Asking for it is a network call, made
    only when nothing Crosspulse holds says which language the person reads."""
    if actor.locale or actor.ask_locale is None:
        return actor.locale
    if person is not None and (person.language or person.locale or person.platform_locale):
        return None
    return await actor.ask_locale()


async def _command(turn: Turn, cmd: Command) -> list[Effect]:
    return await COMMANDS.get(cmd.verb, info.unknown_command)(turn, cmd)


async def _action(turn: Turn, event: ActionEvent) -> list[Effect]:
    action = _known(event.action)
    if action in BUTTON_COMMANDS:
        return await _command(turn, Command(BUTTON_COMMANDS[action]))
    if action in ACTIONS:
        return await ACTIONS[action](turn, event)
    log.warning("unknown action %r from person %s", event.action, turn.person.id)
    return notice(_("That button is out of date"), _("Try `/pulse help` for what I can do now."))


def _known(action: str) -> ActionId | None:
    """The action id, or None for one this version does not know (an old button)."""
    try:
        return ActionId(action)
    except ValueError:
        return None


def _stranger_notice(title: str, text: str) -> list[Effect]:
    """Kind `stranger`, so an adapter that can look people up (a roster) knows to."""
    kind = MessageKind.STRANGER
    return [Reply(notice_template.render(notice_template.NoticeData(title, text, kind=kind)))]
