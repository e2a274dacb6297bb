"""`/pulse admin` and its form: admins change the survey's settings from the chat, with the
checks and messages of `crosspulse survey set` (every bad field named at once, nothing
applied unless all are valid); each change is an audit row. Anyone else is refused."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.chat.admin import admin_data, changed_pairs
from bot.chat.commands import Command
from bot.chat.events import ActionEvent, Effect, Replace, Reply
from bot.chat.handlers.turn import Turn, notice
from bot.chat.templates import admin as admin_template
from bot.chat.templates import notice as notice_template
from bot.enums import Role
from bot.i18n import N_, _, ngettext
from bot.messages import Message
from bot.people.identity import emails_by_account
from bot.people.tenancy import active_survey
from bot.pulse.settings import SettingError, apply_settings, describe, problems_by_key

_REFUSAL = (
    N_("Admins only"),
    N_(
        "Survey settings and people imports are for Crosspulse admins. Ask your people "
        "team if you need a change."
    ),
)


def refused() -> list[Effect]:
    return notice(*map(_, _REFUSAL))


def refused_message() -> Message:
    return _message(*map(_, _REFUSAL))


async def show(turn: Turn, cmd: Command) -> list[Effect]:
    if turn.person.role != Role.ADMIN:
        return refused()
    data = await admin_data(turn.session, person=turn.person, now=turn.now())
    return [Reply(admin_template.render(data))]


async def save(turn: Turn, event: ActionEvent) -> list[Effect]:
    session, person = turn.session, turn.person
    if person.role != Role.ADMIN:
        return refused()
    survey = await active_survey(session, tenant_id=person.tenant_id)
    current = await describe(session, survey=survey)
    pairs = await changed_pairs(
        session, tenant_id=person.tenant_id, current=current, answers=dict(event.answers)
    )
    if not pairs:
        return notice(_("Nothing changed"), _("Every field is as it was."))
    try:
        changed = await apply_settings(
            session, survey=survey, pairs=pairs, actor=f"person:{person.id}"
        )
    except SettingError as exc:
        await session.rollback()
        return notice(
            _("Nothing changed"),
            _("Fix these and save again:") + "\n" + "\n".join(f"• {p}" for p in exc.problems),
        )
    data = await admin_data(
        session,
        person=person,
        now=turn.now(),
        note=_("Saved: {keys}.").format(keys=", ".join(changed)),
    )
    return [Replace(admin_template.render(data))]


@dataclass(frozen=True)
class FormOutcome:
    """A settings form submitted outside a message (a modal): every problem by the field it
    belongs to (nothing applied), or, with none, the message confirming what happened."""

    errors: dict[str, str] = field(default_factory=dict)
    message: Message | None = None


def _on_fields(errors: dict[str, str], answers: dict) -> dict[str, str]:
    """The form edits `questions` with its add and remove fields: its problems go there."""
    if "questions" not in errors or "questions" in answers:
        return errors
    problem = errors.pop("questions")
    adding = answers.get("question_key") or answers.get("question_text")
    field_ = "question_text" if adding else "questions_remove"
    return {**errors, field_: problem}


def _message(title: str, text: str) -> Message:
    return notice_template.render(notice_template.NoticeData(title=title, text=text))


async def submit_form(
    turn: Turn, *, platform: str, answers: dict, picked: dict[str, list[str]]
) -> FormOutcome:
    """`answers` as a form's inputs give them; `picked`: fields filled with the platform's
    people picker, as account ids on `platform` (mapped back to people here)."""
    session, person = turn.session, turn.person
    if person.role != Role.ADMIN:
        return FormOutcome(message=refused_message())
    answers = dict(answers)
    unmatched: dict[str, str] = {}
    for key, accounts in picked.items():
        emails = await emails_by_account(
            session, tenant_id=person.tenant_id, platform=platform, external_ids=accounts
        )
        answers[key] = [emails[a] for a in accounts if a in emails]
        if missing := len([a for a in accounts if a not in emails]):
            unmatched[key] = ngettext(
                "{n} of the people picked is not in Crosspulse's organisation yet: import "
                "them first, or pick someone else",
                "{n} of the people picked are not in Crosspulse's organisation yet: import "
                "them first, or pick someone else",
                missing,
            ).format(n=missing)
    survey = await active_survey(session, tenant_id=person.tenant_id)
    current = await describe(session, survey=survey)
    pairs = await changed_pairs(
        session, tenant_id=person.tenant_id, current=current, answers=answers
    )
    if not pairs and not unmatched:
        return FormOutcome(message=_message(_("Nothing changed"), _("Every setting is as it was.")))
    fallback = pairs[0].partition("=")[0] if pairs else next(iter(unmatched))
    try:
        changed = await apply_settings(
            session,
            survey=survey,
            pairs=pairs,
            actor=f"person:{person.id}",
            dry_run=bool(unmatched),
        )
    except SettingError as exc:
        await session.rollback()
        errors = _on_fields(problems_by_key(exc.problems, fallback=fallback), answers)
        return FormOutcome(errors={**errors, **unmatched})
    if unmatched:
        return FormOutcome(errors=unmatched)
    return FormOutcome(
        message=_message(
            _("Survey settings saved"),
            _(
                "Changed: {keys}. The change is in the audit log; "
                "`/pulse admin` shows the settings again."
            ).format(keys=", ".join(changed)),
        )
    )
