"""`/pulse digest [department]`, `silos` and `trend`, and the digest and silo-map buttons: the
latest closed week's digest, in the scope `bot/insights/access` allows this person; every
view is audited."""

from __future__ import annotations

from bot.chat.commands import Command, Verb
from bot.chat.compose import digest_message, latest_week
from bot.chat.events import Effect, Reply
from bot.chat.handlers.turn import Turn, notice
from bot.i18n import _
from bot.insights.access import NotForYou, digest_scope
from bot.insights.digest import WeekStillOpen
from bot.people.tenancy import active_survey
from bot.store import audit


async def digest(turn: Turn, cmd: Command) -> list[Effect]:
    session, person = turn.session, turn.person
    survey = await active_survey(session, tenant_id=person.tenant_id)
    try:
        department = await digest_scope(session, person=person, department=cmd.argument or None)
    except NotForYou as refused:
        ask = (
            " " + _("Ask {admins} if you need it.").format(admins=", ".join(refused.admins[:3]))
            if refused.admins
            else ""
        )
        return notice(
            _("The digest is for leaders"),
            _(
                "Organisation figures go to executives and admins, and a "
                "department's figures to its managers."
            )
            + ask,
        )
    week = await latest_week(session, survey=survey)
    if week is None:
        return notice(_("No digest yet"), _("The first digest follows the first pulse."))
    try:
        message = await digest_message(
            session,
            survey=survey,
            week=week,
            department=department,
            details=cmd.verb == Verb.SILOS,
            chart=cmd.verb != Verb.TREND,
        )
    except WeekStillOpen as exc:
        return notice(_("Not closed yet"), str(exc))
    except LookupError as exc:
        return notice(_("Unknown department"), str(exc))
    audit.record(
        session,
        tenant_id=person.tenant_id,
        actor=f"person:{person.id}",
        action="digest.viewed",
        week=week,
        scope=department or "organisation",
    )
    await session.commit()
    return [Reply(message)]
