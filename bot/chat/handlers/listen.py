"""`/pulse listen` (executives): the form that starts a listening tour, its submit, and a
person's answers to a tour's intake. `/pulse listen status` and `/pulse listen summary`
show the latest tour. Anyone else asking is refused; bad input changes nothing."""

from __future__ import annotations

import logging

from bot.chat.commands import Command
from bot.chat.compose import local_text
from bot.chat.events import ActionEvent, Effect, Replace, Reply
from bot.chat.handlers.turn import Turn, button_id, notice
from bot.chat.templates import notice as notice_template
from bot.chat.templates.listen_form import DEPARTMENTS, QUESTION_FIELDS, UNTIL
from bot.chat.tours import form_message, summary_message
from bot.enums import Role
from bot.i18n import _, ngettext
from bot.listening.status import tour_status
from bot.listening.tours import (
    AlreadyAnswered,
    TourError,
    latest_tour,
    record_answers,
    start_tour,
    tour_for,
)
from bot.pulse.surveys import AnswerError
from bot.store import audit

log = logging.getLogger("crosspulse.handlers")


def _refused() -> list[Effect]:
    return notice(
        _("Executives only"),
        _("Listening tours are started by executives. Ask one of your leaders if you'd like one."),
    )


async def listen(turn: Turn, cmd: Command) -> list[Effect]:
    if turn.person.role != Role.EXECUTIVE:
        return _refused()
    word = cmd.argument.strip().lower()
    if word in ("status", "summary"):
        return await _latest(turn, summary=word == "summary")
    if word:
        return notice(
            _("Unknown listening command"),
            _("Try `/pulse listen`, `/pulse listen status` or `/pulse listen summary`."),
        )
    return [Reply(await form_message(turn.session, person=turn.person, now=turn.now()))]


async def _latest(turn: Turn, *, summary: bool) -> list[Effect]:
    session, person = turn.session, turn.person
    tour = await latest_tour(session, tenant_id=person.tenant_id)
    if tour is None:
        return notice(_("No listening tour yet"), _("Start one with `/pulse listen`."))
    if summary:
        try:
            message = await summary_message(session, tour=tour)
        except LookupError as exc:
            return notice(_("Not closed yet"), str(exc))
        audit.record(
            session,
            tenant_id=person.tenant_id,
            actor=f"person:{person.id}",
            action="listen.summary_viewed",
            tour_id=tour.id,
        )
        await session.commit()
        return [Reply(message)]
    status = await tour_status(session, tour=tour)
    if status.answered is None:
        answered = _("Fewer than {n} of {invited} have answered.").format(
            n=status.floor, invited=status.invited
        )
    else:
        answered = _("{answered} of {invited} have answered.").format(
            answered=status.answered, invited=status.invited
        )
    if status.state == "open":
        text = _("Asked: {departments}. Open until {closes}.").format(
            departments=", ".join(status.departments),
            closes=local_text(status.closes_at, person.timezone),
        )
    else:
        text = _("Closed; `/pulse listen summary` shows what it heard.")
    text += " " + answered
    return notice(_("Listening tour {id}").format(id=status.tour_id), text)


def _names(value: object) -> list[str]:
    """A multi-select as a list, or as the comma-separated text some forms send."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, str):
        return value.split(",")
    return []


async def start(turn: Turn, event: ActionEvent) -> list[Effect]:
    """The form submitted: every problem at once and nothing started, or the tour."""
    session, person = turn.session, turn.person
    if person.role != Role.EXECUTIVE:
        return _refused()
    answers = dict(event.answers)
    questions = [
        text.strip()
        for key in QUESTION_FIELDS
        if isinstance(text := answers.get(key), str) and text.strip()
    ]
    until = answers.get(UNTIL)
    try:
        started = await start_tour(
            session,
            tenant_id=person.tenant_id,
            departments=_names(answers.get(DEPARTMENTS)),
            until=until if isinstance(until, str) else "",
            questions=questions,
            now=turn.now(),
            started_by=person.id,
            actor=f"person:{person.id}",
        )
    except TourError as exc:
        await session.rollback()
        return notice(
            _("Nothing started"),
            _("Fix these and send the form again:")
            + "\n"
            + "\n".join(f"• {p}" for p in exc.problems),
        )
    invited = ngettext("{n} person", "{n} people", started.invited).format(n=started.invited)
    text = _(
        "{invited} in {departments} get the questions at their next morning, with reminders "
        "as for the pulse, until {closes}. You get the summary when it closes; "
        "`/pulse listen status` shows how it goes."
    ).format(
        invited=invited,
        departments=", ".join(started.tour.departments),
        closes=local_text(started.tour.closes_at, person.timezone),
    )
    return [
        Replace(
            notice_template.render(
                notice_template.NoticeData(title=_("Listening tour started"), text=text)
            )
        )
    ]


async def answer(turn: Turn, event: ActionEvent) -> list[Effect]:
    """A person's answers to a tour's intake (the button's value names the tour)."""
    session, person = turn.session, turn.person
    if person.opted_out:
        return notice(
            _("You have opted out"),
            _("Nothing was recorded. Type `/pulse optin` to take part again."),
        )
    tour = await tour_for(session, tenant_id=person.tenant_id, tour_id=button_id(event.value))
    if tour is None:
        return notice(
            _("That listening tour doesn't exist"),
            _("Nothing was recorded. Answer from the latest tour message in your chat."),
        )
    try:
        count = await record_answers(
            session,
            person=person,
            tour=tour,
            answers=dict(event.answers),
            secret=turn.secret,
            now=turn.now(),
        )
    except AlreadyAnswered as exc:
        return notice(_("Already answered"), str(exc))
    except AnswerError as exc:
        await session.rollback()
        return notice(_("Your answers were not recorded"), str(exc))
    text = ngettext(
        "Thank you: your answer is in, without your name. The leader sees only themes "
        "several people raised.",
        "Thank you: your {n} answers are in, without your name. The leader sees only themes "
        "several people raised.",
        count,
    ).format(n=count)
    return [
        Replace(
            notice_template.render(
                notice_template.NoticeData(title=_("Answers received"), text=text)
            )
        )
    ]
