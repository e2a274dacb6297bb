"""Who may see which digest, asked of the rule itself (bot/insights/access.py)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.insights.access import ManagerScope, NotForYou, digest_scope, is_leader
from bot.store.models import Person
from tests.conftest import World


async def _scope(world: World, email: str, department: str | None) -> str | None:
    async with world.db.session() as session:
        person = (await session.exec(select(Person).where(Person.email == email))).one()
        return await digest_scope(session, person=person, department=department)


async def test_leaders_see_what_they_ask_for(world: World) -> None:
    for email in ("ceo@example.com", "admin@example.com"):
        assert is_leader(await world.person(email))
        assert await _scope(world, email, None) is None  # the organisation
        assert await _scope(world, email, "Sales") == "Sales"


async def test_a_manager_sees_their_own_people_only(world: World) -> None:
    manager = await world.person("eng0@example.com")
    assert not is_leader(manager)
    own_people = ManagerScope(manager_id=manager.id)
    assert await _scope(world, "eng0@example.com", None) == own_people
    assert await _scope(world, "eng0@example.com", "engineering") == own_people
    with pytest.raises(NotForYou) as refused:
        await _scope(world, "eng0@example.com", "Sales")
    assert refused.value.admins == ["Ari Admin"]


async def test_anyone_else_is_told_whom_to_ask(world: World) -> None:
    for email, department in (("sales3@example.com", None), ("eng1@example.com", "Engineering")):
        with pytest.raises(NotForYou) as refused:
            await _scope(world, email, department)
        assert refused.value.admins == ["Ari Admin"]
