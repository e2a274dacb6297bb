"""Introductions: `/pulse intros on|off` (anyone), `/pulse introductions` (executives and
admins: the list and the counts), the digest's "Introduce them" button and the follow-up's
"Did you meet?" buttons. Cross-team pairings are survey settings (`pairings`,
`pairings_no_repeat`: the admin card, `survey set`)."""

from __future__ import annotations

from sqlmodel import col, select

from bot.anonymity import effective_k
from bot.chat.commands import Command
from bot.chat.events import ActionEvent, Effect, Replace
from bot.chat.handlers.turn import Turn, notice
from bot.chat.templates import notice as notice_template
from bot.connect import asking, listing
from bot.connect.findings import introduce_for_finding
from bot.connect.preferences import set_intros, wants_intros
from bot.i18n import N_, _
from bot.insights.access import is_leader
from bot.insights.introductions import met_counts
from bot.messages import MessageKind
from bot.people.tenancy import active_survey
from bot.store import audit
from bot.store.models import Introduction

KIND_LABEL = {
    "island": N_("island"),
    "friction": N_("friction"),
    "one_sided": N_("one-sided"),
    "pairing": N_("pairing"),
}


async def setting(turn: Turn, cmd: Command) -> list[Effect]:
    word = cmd.argument.strip().lower()
    if word not in ("on", "off", ""):
        return notice(
            _("Not a setting"),
            _("Use `/pulse intros on` or `/pulse intros off` (you wrote “{word}”).").format(
                word=word[:40]
            ),
        )
    if word:
        await set_intros(turn.session, person=turn.person, enabled=word == "on", now=turn.now())
        await turn.session.commit()
    on, chosen = await wants_intros(turn.session, person=turn.person)
    if on:
        text = (
            _(
                "You may be introduced to someone in another team when the pulse suggests it, "
                "and to cross-team pairings when your admin runs them."
            )
            if chosen
            else _("You may be introduced to someone in another team when the pulse suggests it.")
        )
        return notice(_("Introductions on"), text + " " + _("`/pulse intros off` stops them."))
    return notice(
        _("Introductions off"),
        _("I will not introduce you to anyone. `/pulse intros on` turns them back on."),
    )


async def overview(turn: Turn, cmd: Command) -> list[Effect]:
    person = turn.person
    if not is_leader(person):
        return notice(
            _("Introductions are for leaders"),
            _(
                "Executives and admins see the introductions made. "
                "`/pulse intros on|off` sets yours."
            ),
        )
    listed = await listing.introductions(turn.session, tenant_id=person.tenant_id)
    if not listed:
        return notice(
            _("No introductions yet"),
            _("Click “Introduce them” under a suggested action of the digest."),
        )
    intros = (
        await turn.session.exec(
            select(Introduction)
            .where(Introduction.tenant_id == person.tenant_id)
            .order_by(col(Introduction.id))
        )
    ).all()
    survey = await active_survey(turn.session, tenant_id=person.tenant_id)
    survey_k = effective_k(survey.k_scores)
    counted, met = await met_counts(turn.session, intros=list(intros), until=turn.now(), k=survey_k)
    lines = [
        _("{week}: {first} and {second} ({kind}), {state}").format(
            week=i.week,
            first=i.first,
            second=i.second,
            kind=_(KIND_LABEL.get(i.kind, i.kind)),
            state=i.state,
        )
        for i in listed
    ]
    outcome = (
        _(
            "{met} of the first {counted} met (counted in blocks of {k}, so no one's answer shows)."
        ).format(met=met, counted=counted, k=survey_k)
        if met is not None
        else _("How many met is shown once {k} introductions have had their follow-up.").format(
            k=survey_k
        )
    )
    audit.record(
        turn.session,
        tenant_id=person.tenant_id,
        actor=f"person:{person.id}",
        action="introductions.viewed",
    )
    await turn.session.commit()
    return notice(_("Introductions"), "\n".join([*lines, "", outcome]))


REFUSALS = {
    "refused": (
        N_("Only leaders introduce teams"),
        N_("Executives and admins can make introductions from the digest."),
    ),
    "forged": (
        N_("That button is out of date"),
        N_("Open the latest digest with `/pulse digest`."),
    ),
    "stale": (
        N_("No longer suggested"),
        N_("{first} and {second} are no longer paired by that week's digest; see the latest one."),
    ),
    "repeat": (
        N_("Already introduced"),
        N_(
            "Someone from {first} and someone from {second} were introduced recently; the "
            "digest will show whether it helped."
        ),
    ),
    "nobody": (
        N_("No one to introduce"),
        N_(
            "No one in {detail} can be introduced right now (introductions off, opted out or "
            "unreachable). Managers and leads are asked by default; others turn it on with "
            "`/pulse intros on`."
        ),
    ),
}


async def introduce(turn: Turn, event: ActionEvent) -> list[Effect]:
    outcome = await introduce_for_finding(
        turn.session, person=turn.person, value=event.value, now=turn.now()
    )
    if not outcome.made:
        title, text = REFUSALS[outcome.problem]
        await turn.session.rollback()
        return notice(
            _(title),
            _(text).format(first=outcome.first, second=outcome.second, detail=outcome.detail),
        )
    audit.record(
        turn.session,
        tenant_id=turn.person.tenant_id,
        actor=f"person:{turn.person.id}",
        action="introduction.requested",
        first=outcome.first,
        second=outcome.second,
    )
    await turn.session.commit()
    return notice(
        _("Introduction on its way"),
        _(
            "I am introducing someone from {first} to someone from {second}, with a suggested "
            "first step. In a week I will ask them whether they met; `/pulse introductions` "
            "shows the counts."
        ).format(first=outcome.first, second=outcome.second),
    )


async def met(turn: Turn, event: ActionEvent) -> list[Effect]:
    try:
        _intro, answer = await asking.record(
            turn.session, person=turn.person, value=event.value, now=turn.now()
        )
    except asking.NotYours:
        await turn.session.rollback()
        return notice(_("That button is out of date"), _("It is not one of your introductions."))
    except asking.Closed:
        # After the answer window the outcome is frozen (it may be in a published count).
        await turn.session.rollback()
        text = _("This question has closed, so your answer was not recorded.")
    else:
        await turn.session.commit()
        text = {
            "yes": _("Glad you met. Thanks for telling me."),
            "not_yet": _("No rush. You can still answer once you have met."),
            "no": _("Thanks for telling me."),
        }[answer]
    return [
        Replace(
            notice_template.render(
                notice_template.NoticeData(
                    title=_("Did you meet?"), text=text, kind=MessageKind.CONFIRMATION
                )
            )
        )
    ]
