"""`org import`: all or nothing, every problem named with its line, idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.people.org import OrgImportError, import_rows
from bot.people.tenancy import default_tenant
from bot.store.db import Database
from bot.store.models import Person
from tests.conftest import START, parse_org

GOOD = """email,name,department,timezone,role,manager_email,country,locale
boss@example.com,Bo Boss,Sales,Europe/Paris,executive,,FR,fr-FR
Ann@Example.com,Ann A,Sales,Europe/Paris,,boss@example.com,FR,fr
"""


async def _import(db: Database, text: str):  # type: ignore[no-untyped-def]
    async with db.session() as session:
        tenant = await default_tenant(session, today=START)
        report = await import_rows(session, tenant_id=tenant.id, rows=parse_org(text), actor="test")
        await session.commit()
        return report


async def test_create_then_update_then_unchanged(db: Database) -> None:
    report = await _import(db, GOOD)
    assert (report.created, report.updated, report.departments_created) == (2, 0, ["Sales"])
    report = await _import(db, GOOD.replace("Ann A,Sales", "Ann A,Marketing"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    report = await _import(db, GOOD.replace("Ann A,Sales", "Ann A,Marketing"))
    assert report.unchanged == 2
    async with db.session() as session:
        ann = (await session.exec(select(Person).where(Person.email == "ann@example.com"))).one()
        boss = (await session.exec(select(Person).where(Person.email == "boss@example.com"))).one()
    assert ann.manager_id == boss.id and boss.role == "executive" and ann.role == "member"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email,name,department,timezone,shoe_size\n", "line 1: unknown column 'shoe_size'"),
        ("email,name,department\n", "line 1: missing column 'timezone'"),
        ("", "the file is empty"),
        ("email,name,department,timezone\n", "header but no people"),
    ],
)
def test_bad_headers(text: str, expected: str) -> None:
    with pytest.raises(OrgImportError) as caught:
        parse_org(text)
    assert any(expected in p for p in caught.value.problems)


async def test_bad_rows_are_all_named_and_nothing_is_imported(db: Database) -> None:
    text = GOOD + (
        "not-an-email,X,Sales,Europe/Paris,,,,\n"
        "c@example.com,,Sales,Mars/Olympus,boss,,France,\n"
        "boss@example.com,Dup,Sales,UTC,,,,\n"
    )
    with pytest.raises(OrgImportError) as caught:
        await _import(db, text)
    problems = "\n".join(caught.value.problems)
    assert "line 4: email 'not-an-email' is not an e-mail address" in problems
    assert "line 5: name is empty" in problems
    assert "line 5: timezone 'Mars/Olympus' is not an IANA name" in problems
    assert "line 5: role 'boss' must be member, executive or admin" in problems
    assert "line 5: country 'France' must be a two-letter ISO 3166 code" in problems
    assert "line 6: email boss@example.com already on line 2" in problems
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Person))).one() == 0


async def test_unknown_manager_refuses_the_file(db: Database) -> None:
    text = "email,name,department,timezone,manager_email\na@example.com,A,X,UTC,ghost@example.com\n"
    with pytest.raises(OrgImportError, match=r"ghost@example\.com is neither in the file"):
        await _import(db, text)
