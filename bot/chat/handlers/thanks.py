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
from bot.people import identity
from bot.people.org import departments_by_id
from bot.pulse.schedule import iso_week
from bot.store.models import Kudos, Person
from bot.text import clean_text

KUDOS_MAX = 500


async def thank(turn: Turn, cmd: Command) -> list[Effect]:
    session, person = turn.session, turn.person
    usage = (
        "Write `/pulse thanks @person what they did`, for example "
        "`/pulse thanks @ada for unblocking the release`."
    )
    # Stored and looked up alike on both databases (PostgreSQL refuses a NUL byte).
    cmd = replace(cmd, argument=clean_text(cmd.argument), target=clean_text(cmd.target))
    if not cmd.target or not cmd.argument:
        return notice("Who and what for?", usage)
    if len(cmd.argument) > KUDOS_MAX:
        return notice(
            "That thank-you is long",
            f"Keep it under {KUDOS_MAX} characters; yours has {len(cmd.argument)}.",
        )
    target = await _find(session, person.tenant_id, cmd.target)
    if target is None:
        return notice("I couldn't find that person", f"No one matches “{cmd.target}”. {usage}")
    if target.id == person.id:
        return notice("Nice try", "Thank-yous go to someone else. " + usage)
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
    cross = (
        ""
        if target.department_id != person.department_id
        else " (it counts most across teams, but thanks are always welcome)"
    )
    return [
        Reply(
            notice_template.render(
                notice_template.NoticeData(
                    title="Thank-you sent", text=f"{target.name} will get your message{cross}."
                )
            )
        ),
        Notify(
            target.id,
            kudos.render(
                kudos.KudosData(
                    sender=person.name,
                    sender_department=names[person.department_id],
                    text=cmd.argument,
                )
            ),
        ),
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
