"""Answering the pulse: submitting a check-in or its follow-up (a button's value names the
round), and `/pulse` or "Check in now", which shows the open pulse, the follow-up still owed,
or that the person is done. Answers are sealed until the round closes (`bot/pulse/checkins`):
nothing here reads one back beyond the person's own open box."""

from __future__ import annotations

import logging

from sqlmodel import col, select

from bot.chat import personal
from bot.chat.commands import Command
from bot.chat.compose import pulse_message
from bot.chat.events import ActionEvent, Effect, Replace, Reply
from bot.chat.handlers.turn import Turn, button_id, notice
from bot.chat.templates import confirmation, followup
from bot.i18n import _
from bot.messages import ActionId
from bot.people.org import departments_by_id
from bot.pulse.checkins import (
    AlreadyAnswered,
    log_rejected,
    record_checkin,
    record_smoothness,
    sealed_answer,
)
from bot.pulse.rounds import open_pulse_for
from bot.pulse.surveys import AnswerError
from bot.store.models import Round, Survey

log = logging.getLogger("crosspulse.handlers")


async def submit(turn: Turn, event: ActionEvent) -> list[Effect]:
    """A pulse (`checkin`) or its follow-up (`smoothness`) submitted."""
    session, person = turn.session, turn.person
    if person.opted_out:
        return notice(
            _("You have opted out"),
            _("Nothing was recorded. Type `/pulse optin` to take part again."),
        )
    # The round, only if it is of the person's own organisation (one query).
    round_ = (
        await session.exec(
            select(Round)
            .join(Survey, col(Survey.id) == Round.survey_id)
            .where(Round.id == button_id(event.value), Survey.tenant_id == person.tenant_id)
        )
    ).first()
    if round_ is None:
        log_rejected(session, tenant_id=person.tenant_id, round_id=None)
        await session.commit()
        return notice(
            _("That pulse doesn't exist"),
            _("Nothing was recorded. Type `/pulse` to get the current one."),
        )
    round_id, week = round_.id, round_.week
    tenant_id = person.tenant_id
    departments = await departments_by_id(session, tenant_id=person.tenant_id)
    args = dict(
        person=person,
        round_=round_,
        answers=event.answers,
        departments=departments,
        secret=turn.secret,
        now=turn.now(),
    )
    try:
        if event.action == ActionId.CHECKIN:
            checkin = await record_checkin(session, **args)
            if checkin.worked_with:
                teams = tuple((d, departments[d]) for d in checkin.worked_with)
                return [Replace(followup.render(followup.FollowupData(round_.id, teams)))]
        else:
            await record_smoothness(session, **args)
    except AlreadyAnswered as exc:
        return notice(_("Already answered"), str(exc))
    except AnswerError as exc:
        await session.rollback()
        log_rejected(session, tenant_id=tenant_id, round_id=round_id)
        await session.commit()
        return notice(
            _("Your answer was not recorded"),
            _("{problem} Nothing was saved; please try again.").format(problem=exc),
        )
    streak = await personal.streak(session, person=person, survey_id=round_.survey_id)
    return [Replace(confirmation.render(confirmation.ConfirmationData(week, streak)))]


async def checkin_now(turn: Turn, cmd: Command) -> list[Effect]:
    """`/pulse`: the open pulse, the follow-up still owed, or "you're all checked in"."""
    session, person = turn.session, turn.person
    if person.opted_out:
        return notice(_("You have opted out"), _("Type `/pulse optin` to take part again."))
    found = await open_pulse_for(session, person_id=person.id, now=turn.now())
    if found is None:
        return notice(
            _("No pulse is open right now"),
            _("The next one reaches you {when}.").format(when=await _next_pulse(turn)),
        )
    round_, delivery = found
    # While a round is open, an answer is exactly its sealed box (and participation row).
    sealed = await sealed_answer(session, person=person, round_=round_, secret=turn.secret)
    if sealed is None:
        return [
            Reply(
                await pulse_message(session, person=person, round_=round_, delivery=delivery),
                ephemeral=False,
            )
        ]
    if sealed[1].followup_owed:
        departments = await departments_by_id(session, tenant_id=person.tenant_id)
        named = tuple((d, departments[d]) for d in sealed[1].worked_with if d in departments)
        return [Reply(followup.render(followup.FollowupData(round_.id, named)), ephemeral=False)]
    return notice(
        _("You're all checked in"),
        _("Thanks for this week's pulse. The next one reaches you {when}.").format(
            when=await _next_pulse(turn)
        ),
    )


async def _next_pulse(turn: Turn) -> str:
    return await personal.next_pulse(turn.session, person=turn.person, now=turn.now())
