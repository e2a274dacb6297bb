"""People's chat accounts (platform, workspace, external id): who is acting, how to reach
someone, and linking accounts from a directory, an import or an e-mail a platform gave.

The platform is a plain key each adapter chooses; the core never names one. An account
imported without its workspace is stored under "" and matches the same id in any workspace.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam
from sqlmodel import and_, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.ports import Identity, Recipient
from bot.store.models import Person, PlatformIdentity

log = logging.getLogger("crosspulse.identity")


@dataclass(frozen=True)
class Link:
    """`person_id`'s account on a platform is `external_id` (None: they have none)."""

    person_id: int
    external_id: str | None
    workspace: str = ""


async def find_person(
    session: AsyncSession,
    *,
    platform: str,
    external_id: str,
    workspace: str | None = None,
    email: str | None = None,
) -> Person | None:
    """The active person holding this account (`workspace` None: in any workspace; else in
    that one or an unknown one), else the active person with this e-mail, if given. One
    query, built once per shape: it runs for every event."""
    statement = _find_statement(by_workspace=workspace is not None, by_email=bool(email))
    params = {"platform": platform, "external_id": external_id}
    if workspace is not None:
        params["workspace"] = workspace
    if email:
        params["email"] = email.lower()
    return (await session.exec(statement, params=params)).first()


@lru_cache(maxsize=4)
def _find_statement(*, by_workspace: bool, by_email: bool) -> SelectOfScalar[Person]:
    """`find_person`'s query with bound parameters: building a SQLAlchemy statement costs
    more than running this one on SQLite."""
    account = and_(
        col(PlatformIdentity.person_id) == Person.id,
        PlatformIdentity.platform == bindparam("platform"),
        PlatformIdentity.external_id == bindparam("external_id"),
    )
    if by_workspace:
        account = and_(
            account,
            or_(
                PlatformIdentity.workspace == bindparam("workspace"),
                PlatformIdentity.workspace == "",
            ),
        )
    held = col(PlatformIdentity.id).is_not(None)
    return (
        select(Person)
        .outerjoin(PlatformIdentity, account)
        .where(
            col(Person.active).is_(True),
            or_(held, Person.email == bindparam("email")) if by_email else held,
        )
        .order_by(col(PlatformIdentity.id).is_(None), col(PlatformIdentity.workspace).desc())
        .limit(1)
    )


async def person_with_account(
    session: AsyncSession, *, tenant_id: int, external_id: str
) -> Person | None:
    """Someone of the organisation by an account id on any platform (a mention)."""
    return (
        await session.exec(
            select(Person)
            .join(PlatformIdentity, col(PlatformIdentity.person_id) == Person.id)
            .where(Person.tenant_id == tenant_id, PlatformIdentity.external_id == external_id)
        )
    ).first()


async def identities_of(
    session: AsyncSession, *, person_ids: Iterable[int]
) -> dict[int, tuple[Identity, ...]]:
    """Every account of these people (one query), oldest first."""
    wanted = list(set(person_ids))
    found: dict[int, list[Identity]] = {p: [] for p in wanted}
    if not wanted:
        return {}
    rows = await session.exec(
        select(PlatformIdentity)
        .where(col(PlatformIdentity.person_id).in_(wanted))
        .order_by(col(PlatformIdentity.id))
    )
    for row in rows.all():
        found[row.person_id].append(Identity(row.platform, row.external_id, row.workspace))
    return {p: tuple(i) for p, i in found.items()}


def recipient_of(person: Person, identities: tuple[Identity, ...]) -> Recipient:
    """How to reach a person on every platform we know them on."""
    assert person.id is not None
    return Recipient(
        person_id=person.id, email=person.email, name=person.name, identities=identities
    )


async def recipient(session: AsyncSession, *, person: Person) -> Recipient:
    assert person.id is not None
    found = await identities_of(session, person_ids=[person.id])
    return recipient_of(person, found.get(person.id, ()))


async def known_ids(session: AsyncSession, *, platform: str, external_ids: list[str]) -> set[str]:
    """Which of these account ids belong to a person Crosspulse knows."""
    if not external_ids:
        return set()
    found = await session.exec(
        select(PlatformIdentity.external_id).where(
            PlatformIdentity.platform == platform,
            col(PlatformIdentity.external_id).in_(external_ids),
        )
    )
    return set(found.all())


async def assign(session: AsyncSession, *, platform: str, links: list[Link]) -> None:
    """Make each person's account on `platform` the one given, as an authoritative source
    (the directory, the CSV import) says: the account moves from whoever held it, and the
    person's previous account in that workspace (or, with none given, on the platform) goes.
    Deletes are flushed before inserts, so a swap never meets the unique constraint."""
    # One account per person and workspace, one person per account: the last word wins.
    latest = {(link.person_id, link.workspace): link for link in links}
    owners = {(link.workspace, link.external_id): link for link in latest.values()}
    links = [
        link
        for link in latest.values()
        if link.external_id is None or owners[(link.workspace, link.external_id)] is link
    ]
    if not links:
        return
    people = [link.person_id for link in links]
    accounts = [link.external_id for link in links if link.external_id]
    existing = (
        await session.exec(
            select(PlatformIdentity).where(
                PlatformIdentity.platform == platform,
                or_(
                    col(PlatformIdentity.person_id).in_(people),
                    col(PlatformIdentity.external_id).in_(accounts),
                ),
            )
        )
    ).all()
    by_person: dict[int, list[PlatformIdentity]] = defaultdict(list)
    by_account: dict[str, list[PlatformIdentity]] = defaultdict(list)
    for row in existing:
        by_person[row.person_id].append(row)
        by_account[row.external_id].append(row)
    kept: set[int] = set()
    stale: dict[int, PlatformIdentity] = {}
    missing: list[Link] = []
    for link in links:
        spaces = None if not link.workspace else {link.workspace, ""}
        mine = by_person[link.person_id]
        match = next(
            (
                row
                for row in mine
                if row.external_id == link.external_id
                and (row.workspace == link.workspace or not link.workspace)
            ),
            None,
        )
        if match is not None:
            kept.add(id(match))
        elif link.external_id is not None:
            missing.append(link)
        held = by_account[link.external_id] if link.external_id else []
        for row in (*mine, *held):
            if row is not match and (spaces is None or row.workspace in spaces):
                stale[id(row)] = row
    for key, row in stale.items():
        if key not in kept:
            await session.delete(row)
    await session.flush()
    for link in missing:
        assert link.external_id is not None
        session.add(
            PlatformIdentity(
                person_id=link.person_id,
                platform=platform,
                workspace=link.workspace,
                external_id=link.external_id,
            )
        )
    await session.flush()


async def link_by_email(
    session: AsyncSession, *, platform: str, ids_by_email: dict[str, str], workspace: str = ""
) -> int:
    """Link accounts a platform told us the e-mail of; returns how many are linked.

    Never re-points a person already linked to another account on that platform, nor gives
    an account a second person: a roster's e-mail is whatever that organisation's directory
    says, and would otherwise hand someone's pulses to whoever shows their address (the CSV
    import can change a link). The caller commits."""
    wanted = {email.lower(): external_id for email, external_id in ids_by_email.items()}
    if not wanted:
        return 0
    people = (await session.exec(select(Person).where(col(Person.email).in_(list(wanted))))).all()
    rows = (
        await session.exec(
            select(PlatformIdentity).where(
                PlatformIdentity.platform == platform,
                or_(
                    col(PlatformIdentity.external_id).in_(list(wanted.values())),
                    col(PlatformIdentity.person_id).in_([p.id for p in people]),
                ),
            )
        )
    ).all()
    holders = {row.external_id: row.person_id for row in rows}  # account -> its person
    current = {row.person_id: row.external_id for row in rows}
    linked = 0
    for person in people:
        new = wanted[person.email]
        assert person.id is not None
        if current.get(person.id, new) != new or holders.get(new, person.id) != person.id:
            log.warning(
                "%s id not linked to person %s: one of the two is linked elsewhere",
                platform,
                person.id,
            )
            continue
        if person.id not in current:
            session.add(
                PlatformIdentity(
                    person_id=person.id, platform=platform, workspace=workspace, external_id=new
                )
            )
        current[person.id] = new
        holders[new] = person.id  # the same address twice in a page: once
        linked += 1
    return linked


async def accounts_by_email(
    session: AsyncSession, *, tenant_id: int, platform: str, emails: Iterable[str]
) -> dict[str, str]:
    """E-mail -> the person's account id on `platform` (a people picker's initial users)."""
    wanted = [e.lower() for e in emails]
    if not wanted:
        return {}
    rows = await session.exec(
        select(Person.email, PlatformIdentity.external_id)
        .join(PlatformIdentity, col(PlatformIdentity.person_id) == Person.id)
        .where(
            Person.tenant_id == tenant_id,
            PlatformIdentity.platform == platform,
            col(Person.email).in_(wanted),
        )
        .order_by(col(PlatformIdentity.id))
    )
    return dict(rows.all())


async def emails_by_account(
    session: AsyncSession, *, tenant_id: int, platform: str, external_ids: Iterable[str]
) -> dict[str, str]:
    """Account id on `platform` -> the person's e-mail (people picked in a people picker);
    an account of nobody imported is absent."""
    wanted = list(external_ids)
    if not wanted:
        return {}
    rows = await session.exec(
        select(PlatformIdentity.external_id, Person.email)
        .join(Person, col(PlatformIdentity.person_id) == Person.id)
        .where(
            Person.tenant_id == tenant_id,
            PlatformIdentity.platform == platform,
            col(PlatformIdentity.external_id).in_(wanted),
        )
    )
    return dict(rows.all())
