"""Who reports to whom, directly or through others (`Person.manager_id`, from the CSV's
`manager_email`): a manager's digest covers these people, not their whole department."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import Person


async def reporting_lines(session: AsyncSession, *, tenant_id: int) -> dict[int, int | None]:
    """Each person's manager (None: reports to no one), in one query."""
    rows = await session.exec(
        select(Person.id, Person.manager_id).where(Person.tenant_id == tenant_id)
    )
    return {person: manager for person, manager in rows.all() if person is not None}


def chain(lines: dict[int, int | None], person_id: int) -> tuple[int, ...]:
    """Everyone `person_id` reports to, nearest first; a loop in the data stops the walk."""
    seen: list[int] = []
    manager = lines.get(person_id)
    while manager is not None and manager != person_id and manager not in seen:
        seen.append(manager)
        manager = lines.get(manager)
    return tuple(seen)


def subtrees(lines: dict[int, int | None]) -> dict[int, frozenset[int]]:
    """For each manager, the people who report to them directly or through others."""
    people: dict[int, set[int]] = defaultdict(set)
    for person in lines:
        for manager in chain(lines, person):
            people[manager].add(person)
    return {manager: frozenset(members) for manager, members in people.items()}


async def manager_chain(session: AsyncSession, *, person: Person) -> tuple[int, ...]:
    """The managers whose scope `person`'s answer counts in: one query per level, as a
    check-in should not read the whole organisation."""
    lines: dict[int, int | None] = {person.id or 0: person.manager_id}
    manager = person.manager_id
    while manager is not None and manager not in lines:
        above = (await session.exec(select(Person.manager_id).where(Person.id == manager))).first()
        lines[manager] = above
        manager = above
    return chain(lines, person.id or 0)


async def reports_of(session: AsyncSession, *, manager: Person) -> frozenset[int]:
    """The active people reporting to `manager`, directly or through others (the walk goes
    through someone who left, as their people still report up the same line)."""
    lines = await reporting_lines(session, tenant_id=manager.tenant_id)
    active = set(
        (
            await session.exec(
                select(Person.id).where(
                    Person.tenant_id == manager.tenant_id,
                    Person.active == True,  # noqa: E712
                )
            )
        ).all()
    )
    return frozenset(subtrees(lines).get(manager.id or 0, frozenset()) & active)
