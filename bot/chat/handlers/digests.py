"""`/pulse digest [department]`, `silos` and `trend`, and the digest and silo-map buttons: the
latest closed week's digest, in the scope `bot/insights/access` allows this person; every
view is audited."""

from __future__ import annotations

from bot.anonymity import effective_k
from bot.chat.commands import Command, Verb
from bot.chat.compose import digest_message, latest_week, manager_digest_message
from bot.chat.events import Effect, Reply
from bot.chat.handlers.turn import Turn, notice
from bot.i18n import _, ngettext
from bot.insights.access import ManagerScope, NotForYou, digest_scope
from bot.insights.digest import WeekStillOpen
from bot.insights.manager_digest import TooFewReports
from bot.people.reports import reports_of
from bot.people.tenancy import active_survey
from bot.store import audit
from bot.store.models import Survey


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
                "Organisation figures go to executives and admins, and the figures of a "
                "manager's people to that manager."
            )
            + ask,
        )
    week = await latest_week(session, survey=survey)
    if isinstance(department, ManagerScope):
        return await _managers_digest(turn, survey=survey, week=week, scope=department)
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


async def _managers_digest(
    turn: Turn, *, survey: Survey, week: str | None, scope: ManagerScope
) -> list[Effect]:
    """A manager's people, under the same threshold: a group smaller than it is told so
    before anything is read (it never has figures, whatever the week)."""
    session, person = turn.session, turn.person
    reports = await reports_of(session, manager=person)
    try:
        if week is None:
            raise _NoWeek
        message = await manager_digest_message(
            session, survey=survey, week=week, manager=person, reports=len(reports)
        )
    except TooFewReports:
        k = effective_k(survey.k_scores)
        return notice(
            _("Your group is too small for figures"),
            ngettext(
                "{n} person reports to you, directly or through others; figures are shown "
                "only for groups of {k} or more, so that no one's answers can be singled out.",
                "{n} people report to you, directly or through others; figures are shown "
                "only for groups of {k} or more, so that no one's answers can be singled out.",
                len(reports),
            ).format(n=len(reports), k=k),
        )
    except _NoWeek:
        return notice(_("No digest yet"), _("The first digest follows the first pulse."))
    except WeekStillOpen as exc:
        return notice(_("Not closed yet"), str(exc))
    audit.record(
        session,
        tenant_id=person.tenant_id,
        actor=f"person:{person.id}",
        action="digest.viewed",
        week=week,
        scope=f"reports of person:{scope.manager_id}",
    )
    await session.commit()
    return [Reply(message)]


class _NoWeek(LookupError):
    """No round has closed yet."""
