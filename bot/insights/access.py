"""Who may see which digest, answered beside the digest rather than in the chat handlers.

Organisation figures go to executives and admins, any department's too; a manager (anyone
someone reports to) sees the people who report to them, directly or through others, not
their whole department. The anonymity rules still apply to whatever is shown: this decides
the scope, not what survives suppression."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import Role
from bot.store.models import Department, Person


class NotForYou(Exception):
    """The person may not see that digest; `admins` names whom to ask for it."""

    def __init__(self, admins: list[str]) -> None:
        super().__init__("the digest is for leaders")
        self.admins = admins


@dataclass(frozen=True)
class ManagerScope:
    """The people reporting to `manager_id`, directly or through others."""

    manager_id: int


def is_leader(person: Person) -> bool:
    """Executives and admins see the whole organisation (and the leaders' commands)."""
    return person.role in (Role.EXECUTIVE, Role.ADMIN)


async def digest_scope(
    session: AsyncSession, *, person: Person, department: str | None
) -> str | ManagerScope | None:
    """The scope whose digest `person` sees when asking for `department` (None: the
    organisation). A leader sees what they ask for; a manager their own people when they
    name nothing or their own department, and nothing else; anyone else nothing
    (`NotForYou`)."""
    if is_leader(person):
        return department
    own = await session.get(Department, person.department_id)
    is_manager = (
        await session.exec(select(Person.id).where(Person.manager_id == person.id))
    ).first() is not None
    if is_manager and (not department or (own and department.lower() == own.name.lower())):
        return ManagerScope(manager_id=person.id or 0)
    admins = (
        await session.exec(
            select(Person.name).where(
                Person.tenant_id == person.tenant_id, Person.role == Role.ADMIN
            )
        )
    ).all()
    raise NotForYou(list(admins))
