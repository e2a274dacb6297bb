"""Directory sync: people as the chat platform knows them, matched to ours by e-mail.

Known people get their account (`bot.people.identity`), timezone and locale; people the platform has
deactivated stop receiving pulses; members we have never seen are enrolled in the
department "Unassigned" until the next org import places them. A complete directory (the
scheduled sync's) also stops the pulses of people whose account is no longer in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import update
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.people.identity import Link, assign
from bot.people.org import EMAIL, valid_timezone
from bot.people.pseudonym import new_salt
from bot.store import audit
from bot.store.models import Department, Person, PlatformIdentity, Survey, utcnow
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
    left: int = 0  # active people whose account is missing from a complete directory


class DirectoryUnavailable(Exception):
    """The platform's directory could not be read in full; nothing is synced from a part."""


@runtime_checkable
class DirectorySource(Protocol):
    """A platform whose whole directory can be listed: an adapter's chat port implements it
    too, and the scheduler syncs every port that does (without knowing which platform)."""

    platform: str

    async def directory(self) -> list[DirectoryMember]:
        """Every member of every workspace the app is in; raises DirectoryUnavailable."""
        ...


async def sync_directory(
    session: AsyncSession,
    *,
    tenant_id: int,
    platform: str,
    members: list[DirectoryMember],
    actor: str,
    complete: bool = False,
) -> SyncReport:
    """Create or update from the platform's directory; the caller commits. `complete`: the
    members are the whole directory, so an account missing from it has left."""
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
        if member.locale:  # the platform's; the imported `locale` and a choice come first
            person.platform_locale = member.locale[:35]
        if member.active and not person.active:
            person.active = True
        person.updated_at = utcnow()
        session.add(person)
        report.linked += 1
    await session.flush()  # the new people's ids
    if complete:
        report.left = await _stop_the_departed(
            session,
            tenant_id=tenant_id,
            platform=platform,
            present={m.platform_id for m in members},
        )
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
        left=report.left,
    )
    return report


async def _stop_the_departed(
    session: AsyncSession, *, tenant_id: int, platform: str, present: set[str]
) -> int:
    """Mark inactive (no more pulses, as for a deactivated account) the active people whose
    account on `platform` is not among `present`: removed from the workspace, or gone from a
    workspace the app was uninstalled from. Their account link stays, so a return
    reactivates them."""
    rows = (
        await session.exec(
            select(Person)
            .join(PlatformIdentity, col(PlatformIdentity.person_id) == Person.id)
            .where(
                Person.tenant_id == tenant_id,
                col(Person.active).is_(True),
                PlatformIdentity.platform == platform,
            )
        )
    ).all()
    accounts = (
        await session.exec(
            select(PlatformIdentity.person_id, PlatformIdentity.external_id).where(
                PlatformIdentity.platform == platform,
                col(PlatformIdentity.person_id).in_([p.id for p in rows]),
            )
        )
    ).all()
    held: dict[int, set[str]] = {}
    for person_id, external_id in accounts:
        held.setdefault(person_id, set()).add(external_id)
    left = 0
    for person in {p.id: p for p in rows}.values():
        if person.id is not None and not held.get(person.id, set()) & present:
            person.active = False
            person.updated_at = utcnow()
            session.add(person)
            left += 1
    return left


async def claim_scheduled_sync(session: AsyncSession, *, survey: Survey, now: datetime) -> bool:
    """True when the survey's directory sync is due at `now` and this caller won it: the
    claim is one conditional UPDATE, so two replicas or a repeated tick never sync twice in
    a period. Commits the claim."""
    hours = survey.directory_sync_hours
    if hours <= 0:
        return False
    result = await session.exec(
        update(Survey)
        .where(
            col(Survey.id) == survey.id,
            or_(
                col(Survey.directory_synced_at).is_(None),
                col(Survey.directory_synced_at) <= now - timedelta(hours=hours),
            ),
        )
        .values(directory_synced_at=now)
    )
    await session.commit()
    return result.rowcount == 1


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
