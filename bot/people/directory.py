"""Directory sync: people as the chat platform knows them, matched to ours by e-mail.

Known people get their account (`bot.people.identity`), timezone and locale; people the platform has
deactivated stop receiving pulses; members we have never seen are enrolled in the
department "Unassigned" until the next org import places them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.people.identity import Link, assign
from bot.people.org import EMAIL, valid_timezone
from bot.people.pseudonym import new_salt
from bot.store import audit
from bot.store.models import Department, Person, utcnow
from bot.text import clean_text

UNASSIGNED = "Unassigned"


@dataclass(frozen=True)
class DirectoryMember:
    platform_id: str
    email: str | None
    name: str
    timezone: str | None = None
    locale: str | None = None
    active: bool = True
    workspace: str | None = None  # the platform's workspace the id belongs to


@dataclass
class SyncReport:
    linked: int = 0
    created: int = 0
    deactivated: int = 0
    skipped: list[str] = field(default_factory=list)  # platform ids without a usable e-mail


async def sync_directory(
    session: AsyncSession,
    *,
    tenant_id: int,
    platform: str,
    members: list[DirectoryMember],
    actor: str,
) -> SyncReport:
    """Create or update from the platform's directory; the caller commits."""
    people = {
        p.email: p
        for p in (await session.exec(select(Person).where(Person.tenant_id == tenant_id))).all()
    }
    report = SyncReport()
    unassigned: Department | None = None
    accounts: list[tuple[Person, DirectoryMember]] = []
    for member in members:
        email = (member.email or "").lower()
        if not EMAIL.match(email):
            report.skipped.append(member.platform_id)
            continue
        person = people.get(email)
        if person is None:
            if not member.active:
                continue
            if unassigned is None:
                unassigned = await _unassigned(session, tenant_id)
            person = Person(
                tenant_id=tenant_id,
                email=email,
                # A directory's display name is people's text too: one line, no NUL (which
                # PostgreSQL refuses), within the column's 200 characters.
                name=clean_text(member.name, multiline=False)[:200] or email,
                department_id=unassigned.id,
                pseudonym_salt=new_salt(),
            )
            session.add(person)
            people[email] = person
            report.created += 1
        elif not member.active and person.active:
            person.active = False
            report.deactivated += 1
        accounts.append((person, member))
        if member.timezone and valid_timezone(member.timezone):
            person.timezone = member.timezone
        if member.locale:
            person.locale = member.locale[:35]
        if member.active and not person.active:
            person.active = True
        person.updated_at = utcnow()
        session.add(person)
        report.linked += 1
    await session.flush()  # the new people's ids
    await assign(
        session,
        platform=platform,
        links=[Link(p.id, m.platform_id, m.workspace or "") for p, m in accounts if p.id],
    )
    audit.record(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="directory.sync",
        platform=platform,
        linked=report.linked,
        created=report.created,
        deactivated=report.deactivated,
        skipped=len(report.skipped),
    )
    return report


async def _unassigned(session: AsyncSession, tenant_id: int) -> Department:
    found = (
        await session.exec(
            select(Department).where(
                Department.tenant_id == tenant_id, Department.name == UNASSIGNED
            )
        )
    ).first()
    if found is None:
        found = Department(tenant_id=tenant_id, name=UNASSIGNED)
        session.add(found)
        await session.flush()
    return found
