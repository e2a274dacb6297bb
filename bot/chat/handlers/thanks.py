"""`/pulse thanks @person what for`: a thank-you stored as kudos (counted across teams in the
silo map) and delivered to its recipient. The target is a mention, an e-mail or a name that
matches exactly one person of the sender's organisation."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.commands import Command
from bot.chat.events import Effect, Notify, Reply
from bot.chat.handlers.turn import Turn, notice
from bot.chat.templates import kudos
from bot.chat.templates import notice as notice_template
from bot.i18n import _, use_locale
from bot.people import identity
from bot.people.languages import reader_language
from bot.people.org import departments_by_id
from bot.pulse.schedule import iso_week
from bot.store.models import Kudos, Person
from bot.text import clean_text

KUDOS_MAX = 500


async def thank(turn: Turn, cmd: Command) -> list[Effect]:
    session, person = turn.session, turn.person
    usage = _(
        "Write `/pulse thanks @person what they did`, for example "
        "`/pulse thanks @ada for unblocking the release`."
    )
    # Stored and looked up alike on both databases (PostgreSQL refuses a NUL byte).
    cmd = replace(cmd, argument=clean_text(cmd.argument), target=clean_text(cmd.target))
    if not cmd.target or not cmd.argument:
        return notice(_("Who and what for?"), usage)
    if len(cmd.argument) > KUDOS_MAX:
        return notice(
            _("That thank-you is long"),
            _("Keep it under {limit} characters; yours has {length}.").format(
                limit=KUDOS_MAX, length=len(cmd.argument)
            ),
        )
    target = await _find(session, person.tenant_id, cmd.target)
    if target is None:
        return notice(
            _("I couldn't find that person"),
            _("No one matches “{name}”. {usage}").format(name=cmd.target, usage=usage),
        )
    if target.id == person.id:
        return notice(
            _("Nice try"), _("Thank-yous go to someone else. {usage}").format(usage=usage)
        )
    names = await departments_by_id(session, tenant_id=person.tenant_id)
    session.add(
        Kudos(
            tenant_id=person.tenant_id,
            from_person_id=person.id,
            to_person_id=target.id,
            from_department_id=person.department_id,
            to_department_id=target.department_id,
            week=iso_week(turn.now().date()),
            message=cmd.argument,
        )
    )
    await session.commit()
    sent = (
        _("{name} will get your message.")
        if target.department_id != person.department_id
        else _(
            "{name} will get your message (it counts most across teams, but thanks are "
            "always welcome)."
        )
    ).format(name=target.name)
    with use_locale(await reader_language(session, target)):  # in the reader's language
        thanked = kudos.render(
            kudos.KudosData(
                sender=person.name,
                sender_department=names[person.department_id],
                text=cmd.argument,
            )
        )
    return [
        Reply(
            notice_template.render(notice_template.NoticeData(title=_("Thank-you sent"), text=sent))
        ),
        Notify(target.id, thanked),
    ]


async def _find(session: AsyncSession, tenant_id: int, ref: str) -> Person | None:
    found = await identity.person_with_account(session, tenant_id=tenant_id, external_id=ref)
    if found is None:
        by_email = select(Person).where(Person.tenant_id == tenant_id, Person.email == ref.lower())
        found = (await session.exec(by_email)).first()
    if found:
        return found
    matches = (
        await session.exec(
            select(Person).where(Person.tenant_id == tenant_id, col(Person.active).is_(True))
        )
    ).all()
    wanted = ref.replace(".", " ").replace("_", " ").lower()
    hits = [
        p
        for p in matches
        if p.name.lower() == wanted or p.email.split("@")[0].lower() == ref.lower()
    ]
    return hits[0] if len(hits) == 1 else None
