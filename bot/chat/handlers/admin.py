"""`/pulse admin` and its form: admins change the survey's settings from the chat, with the
checks and messages of `crosspulse survey set` (every bad field named at once, nothing
applied unless all are valid); each change is an audit row. Anyone else is refused."""

from __future__ import annotations

from bot.chat.admin import admin_data, changed_pairs
from bot.chat.commands import Command
from bot.chat.events import ActionEvent, Effect, Replace, Reply
from bot.chat.handlers.turn import Turn, notice
from bot.chat.templates import admin as admin_template
from bot.enums import Role
from bot.people.tenancy import active_survey
from bot.pulse.settings import SettingError, apply_settings, describe


def refused() -> list[Effect]:
    return notice(
        "Admins only",
        "Survey settings and people imports are for Crosspulse admins. Ask your people "
        "team if you need a change.",
    )


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
        return notice("Nothing changed", "Every field is as it was.")
    try:
        changed = await apply_settings(
            session, survey=survey, pairs=pairs, actor=f"person:{person.id}"
        )
    except SettingError as exc:
        await session.rollback()
        return notice(
            "Nothing changed",
            "Fix these and save again:\n" + "\n".join(f"• {p}" for p in exc.problems),
        )
    data = await admin_data(
        session, person=person, now=turn.now(), note=f"Saved: {', '.join(changed)}."
    )
    return [Replace(admin_template.render(data))]
