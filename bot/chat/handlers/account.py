"""A person's say over their own data: opt out of pulses or back in, mute or unmute the
reminders, and erase everything (asked first, with confirm and cancel buttons, because it
cannot be undone)."""

from __future__ import annotations

from bot.chat.commands import Command, Verb
from bot.chat.events import ActionEvent, Effect, Replace
from bot.chat.handlers.turn import Turn, notice
from bot.chat.templates import notice as notice_template
from bot.i18n import _
from bot.listening.care import erase_sheets
from bot.messages import Action, ActionId, Style
from bot.pulse.privacy import erase_person, set_opted_out


async def opt(turn: Turn, cmd: Command) -> list[Effect]:
    out = cmd.verb == Verb.OPTOUT
    await set_opted_out(turn.session, person=turn.person, opted_out=out)
    return notice(
        _("Opted out") if out else _("Welcome back"),
        _("You will get no more pulses. `/pulse optin` brings them back.")
        if out
        else _("You will get the next pulse as usual."),
    )


async def mute(turn: Turn, cmd: Command) -> list[Effect]:
    person = turn.person
    person.nudges_muted = cmd.verb == Verb.MUTE
    turn.session.add(person)
    await turn.session.commit()
    return notice(
        _("Reminders muted") if person.nudges_muted else _("Reminders on"),
        _("You still get the weekly pulse; reminders are off.")
        if person.nudges_muted
        else _("You still get the weekly pulse; reminders are back on."),
    )


async def forget(turn: Turn, cmd: Command) -> list[Effect]:
    return notice(
        _("Erase everything about you?"),
        _(
            "This deletes your answers, your check-in history and your thank-yous, "
            "and removes you from Crosspulse. It cannot be undone."
        ),
        Action(id=ActionId.FORGET_CONFIRM, label=_("Yes, erase my data"), style=Style.DANGER),
        Action(id=ActionId.FORGET_CANCEL, label=_("Cancel")),
    )


async def forget_confirm(turn: Turn, event: ActionEvent) -> list[Effect]:
    person = turn.person
    await erase_sheets(turn.session, person=person, secret=turn.secret)  # open tours' answers
    await erase_person(turn.session, person=person, secret=turn.secret, actor=f"person:{person.id}")
    return _replace(
        _("Your data is erased"),
        _(
            "Everything Crosspulse held about you is gone. If imported again later, you "
            "start afresh."
        ),
    )


async def forget_cancel(turn: Turn, event: ActionEvent) -> list[Effect]:
    return _replace(_("Nothing erased"), _("Your data stays as it was."))


def _replace(title: str, text: str) -> list[Effect]:
    """The question's message becomes the answer, so its buttons cannot be clicked twice."""
    return [Replace(notice_template.render(notice_template.NoticeData(title=title, text=text)))]
