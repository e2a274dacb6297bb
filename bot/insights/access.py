"""Who may see which digest, answered beside the digest rather than in the chat handlers.

Organisation figures go to executives and admins; a department's figures also to its
managers (anyone someone reports to), and only their own department's. The anonymity rules
still apply to whatever is shown: this decides the scope, not what survives suppression."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import Role
from bot.store.models import Department, Person


class NotForYou(Exception):
    """The person may not see that digest; `admins` names whom to ask for it."""

    def __init__(self, admins: list[str]) -> None:
        super().__init__("the digest is for leaders")
        self.admins = admins


def is_leader(person: Person) -> bool:
    """Executives and admins see the whole organisation (and the leaders' commands)."""
    return person.role in (Role.EXECUTIVE, Role.ADMIN)


async def digest_scope(
    session: AsyncSession, *, person: Person, department: str | None
) -> str | None:
    """The department whose digest `person` sees when asking for `department` (None: the
    organisation). A leader sees what they ask for; a manager their own department whatever
    they name, unless they name another; anyone else nothing (`NotForYou`)."""
    if is_leader(person):
        return department
    own = await session.get(Department, person.department_id)
    is_manager = (
        await session.exec(select(Person.id).where(Person.manager_id == person.id))
    ).first() is not None
    if not is_manager or (department and department.lower() != own.name.lower()):
        admins = (
            await session.exec(
                select(Person.name).where(
                    Person.tenant_id == person.tenant_id, Person.role == Role.ADMIN
                )
            )
        ).all()
        raise NotForYou(list(admins))
    return own.name
