"""People and departments: CSV import (all or nothing) and look-ups."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import Role
from bot.i18n import _
from bot.people.identity import Link, assign, identities_of
from bot.people.pseudonym import new_salt
from bot.ports import Identity
from bot.store import audit
from bot.store.models import Department, Person, utcnow
from bot.text import clean_text

REQUIRED_COLUMNS = ("email", "name", "department", "timezone")
OPTIONAL_COLUMNS = ("role", "manager_email", "country", "locale")
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
LOCALE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
# The columns' sizes: PostgreSQL refuses a longer value (and SQLite would keep it), so the
# file is refused here, naming the line, rather than failing at the database.
LIMITS = {
    "email": 320,
    "name": 200,
    "department": 120,
    "manager_email": 320,
}


@dataclass(frozen=True)
class AccountColumn:
    """An optional column of people's account ids on one platform. Each adapter names its
    own and the composition root passes them in, so the core names no platform."""

    name: str
    platform: str
    max_length: int = 200


class OrgImportError(Exception):
    """The CSV was refused; `problems` lists every one, each naming its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    departments_created: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    line: int
    email: str
    name: str
    department: str
    timezone: str
    role: str
    manager_email: str | None
    country: str | None
    locale: str | None
    # platform -> account id (None: blank), for the account columns the file has
    accounts: dict[str, str | None] = field(default_factory=dict)


def parse_csv(text: str, *, account_columns: tuple[AccountColumn, ...] = ()) -> list[Row]:
    """Validate the whole file first; raise with every problem, or return clean rows."""
    try:
        return _parse_csv(text, account_columns)
    except csv.Error as exc:  # e.g. a field over the csv module's 128 KiB limit
        raise OrgImportError(
            [_("the file is not readable as CSV: {error}").format(error=exc)]
        ) from None


def _parse_csv(text: str, account_columns: tuple[AccountColumn, ...]) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [clean_text(h, multiline=False).lower() for h in (reader.fieldnames or [])]
    problems = _header_problems(header, [c.name for c in account_columns])
    accounts = [c for c in account_columns if c.name in header]
    limits = LIMITS | {c.name: c.max_length for c in accounts}
    if problems:
        raise OrgImportError(problems)
    reader.fieldnames = header
    rows: list[Row] = []
    seen: dict[str, int] = {}
    held: dict[tuple[str, str], int] = {}  # (column, account id) -> its line
    for raw in reader:
        line = reader.line_num
        # Every field as one line of text without control characters: a NUL would be
        # stored by SQLite but refused by PostgreSQL, and a name is shown in chat.
        values = {k: clean_text(v or "", multiline=False) for k, v in raw.items() if k is not None}
        if None in raw:
            problems.append(_("line {line}: more values than columns").format(line=line))
            continue
        row_problems = _row_problems(values, limits)
        email = values.get("email", "").lower()
        if email in seen:
            row_problems.append(
                _("email {email} already on line {line}").format(email=email, line=seen[email])
            )
        seen.setdefault(email, line)
        for column in accounts:
            account = values.get(column.name)
            if account and (column.name, account) in held:
                row_problems.append(
                    _("{column} {account} already on line {line}").format(
                        column=column.name, account=account, line=held[column.name, account]
                    )
                )
            elif account:
                held[column.name, account] = line
        problems.extend(
            _("line {line}: {problem}").format(line=line, problem=p) for p in row_problems
        )
        if not row_problems:
            rows.append(_row(line, values, accounts))
    for row in rows:
        if row.manager_email and row.manager_email == row.email:
            problems.append(
                _("line {line}: manager_email is the person themselves").format(line=row.line)
            )
    if not rows and not problems:
        problems.append(_("the file has a header but no people"))
    if problems:
        raise OrgImportError(problems)
    return rows


def optional_columns(accounts: list[str]) -> tuple[str, ...]:
    """The optional columns in the order the help and the errors list them."""
    return (*OPTIONAL_COLUMNS[:2], *accounts, *OPTIONAL_COLUMNS[2:])


def _header_problems(header: list[str], accounts: list[str]) -> list[str]:
    if not header:
        return [
            _("the file is empty; the first line must be the header {header}").format(
                header=",".join(REQUIRED_COLUMNS)
            )
        ]
    allowed = REQUIRED_COLUMNS + optional_columns(accounts)
    problems = [
        _("line 1: unknown column '{column}' (allowed: {allowed})").format(
            column=h, allowed=", ".join(allowed)
        )
        for h in header
        if h not in allowed
    ]
    problems += [
        _("line 1: missing column '{column}'").format(column=c)
        for c in REQUIRED_COLUMNS
        if c not in header
    ]
    duplicates = {h for h in header if header.count(h) > 1}
    problems += [
        _("line 1: column '{column}' appears twice").format(column=h) for h in sorted(duplicates)
    ]
    return problems


_ZONES: set[str] | None = None


def valid_timezone(name: str) -> bool:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    if name in _ZONES or name == "UTC":
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _row_problems(v: dict[str, str], limits: dict[str, int]) -> list[str]:
    problems = []
    if not EMAIL.match(v.get("email", "")):
        problems.append(
            _("email '{email}' is not an e-mail address").format(email=v.get("email", ""))
        )
    if not v.get("name"):
        problems.append(_("name is empty"))
    if not v.get("department"):
        problems.append(_("department is empty"))
    problems += [
        _("{column} is longer than {limit} characters").format(column=column, limit=limit)
        for column, limit in limits.items()
        if len(v.get(column) or "") > limit
    ]
    if not valid_timezone(v.get("timezone", "")):
        problems.append(
            _("timezone '{timezone}' is not an IANA name such as Europe/Paris").format(
                timezone=v.get("timezone", "")
            )
        )
    role = v.get("role") or "member"
    if role.lower() not in {r.value for r in Role}:
        problems.append(_("role '{role}' must be member, executive or admin").format(role=role))
    manager = v.get("manager_email")
    if manager and not EMAIL.match(manager):
        problems.append(
            _("manager_email '{email}' is not an e-mail address").format(email=manager)
        )
    country = v.get("country")
    if country and not COUNTRY.match(country.upper()):
        problems.append(
            _("country '{country}' must be a two-letter ISO 3166 code such as FI").format(
                country=country
            )
        )
    locale = v.get("locale")
    if locale and not LOCALE.match(locale):
        problems.append(_("locale '{locale}' must look like en or en-US").format(locale=locale))
    return problems


def _row(line: int, v: dict[str, str], accounts: list[AccountColumn]) -> Row:
    return Row(
        line=line,
        email=v["email"].lower(),
        name=v["name"],
        department=v["department"],
        timezone=v["timezone"],
        role=(v.get("role") or "member").lower(),
        manager_email=(v.get("manager_email") or "").lower() or None,
        country=(v.get("country") or "").upper() or None,
        locale=v.get("locale") or None,
        accounts={c.platform: v.get(c.name) or None for c in accounts},
    )


async def import_rows(
    session: AsyncSession, *, tenant_id: int, rows: list[Row], actor: str, dry_run: bool = False
) -> ImportReport:
    """Create or update everyone in one transaction; the caller commits (or, for a
    `dry_run` that only counts, rolls back: no audit row then)."""
    report = ImportReport()
    departments = await _departments(
        session, tenant_id=tenant_id, names={r.department for r in rows}, report=report
    )
    existing = {
        p.email: p
        for p in (await session.exec(select(Person).where(Person.tenant_id == tenant_id))).all()
    }
    missing = sorted(
        _("line {line}: manager_email {email} is neither in the file nor imported").format(
            line=r.line, email=r.manager_email
        )
        for r in rows
        if r.manager_email
        and r.manager_email not in existing
        and r.manager_email not in {x.email for x in rows}
    )
    if missing:
        raise OrgImportError(missing)
    linked = await identities_of(
        session, person_ids=[p.id for p in existing.values() if p.id is not None]
    )
    people: dict[str, Person] = {}
    for row in rows:
        wanted = {
            "name": row.name,
            "department_id": departments[row.department].id,
            "timezone": row.timezone,
            "country": row.country,
            "locale": row.locale,
            "role": row.role,
        }
        person = existing.get(row.email)
        if person is None:
            person = Person(
                tenant_id=tenant_id, email=row.email, pseudonym_salt=new_salt(), **wanted
            )
            session.add(person)
            report.created += 1
        elif any(getattr(person, k) != v for k, v in wanted.items()) or _accounts_differ(
            row, linked.get(person.id, ())
        ):
            for key, value in wanted.items():
                setattr(person, key, value)
            person.updated_at = utcnow()
            person.active = True
            report.updated += 1
        else:
            report.unchanged += 1
        people[row.email] = person
    await session.flush()
    for platform in {p for row in rows for p in row.accounts}:
        await assign(
            session,
            platform=platform,
            links=[
                Link(people[r.email].id, r.accounts[platform])  # type: ignore[arg-type]
                for r in rows
                if platform in r.accounts
            ],
        )
    for row in rows:
        manager = people.get(row.manager_email or "") or existing.get(row.manager_email or "")
        manager_id = manager.id if manager else None
        if people[row.email].manager_id != manager_id:
            people[row.email].manager_id = manager_id
    if dry_run:
        return report
    audit.record(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="org.import",
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
    )
    return report


async def _departments(
    session: AsyncSession, *, tenant_id: int, names: set[str], report: ImportReport
) -> dict[str, Department]:
    found = {
        d.name: d
        for d in (
            await session.exec(select(Department).where(Department.tenant_id == tenant_id))
        ).all()
    }
    for name in sorted(names - found.keys()):
        found[name] = Department(tenant_id=tenant_id, name=name)
        session.add(found[name])
        report.departments_created.append(name)
    await session.flush()
    return found


async def person_by_email(session: AsyncSession, *, tenant_id: int, email: str) -> Person | None:
    return (
        await session.exec(
            select(Person).where(Person.tenant_id == tenant_id, Person.email == email.lower())
        )
    ).first()


async def departments_by_id(session: AsyncSession, *, tenant_id: int) -> dict[int, str]:
    rows = await session.exec(select(Department).where(Department.tenant_id == tenant_id))
    return {d.id: d.name for d in rows.all() if d.id is not None}


def _accounts_differ(row: Row, identities: tuple[Identity, ...]) -> bool:
    """The file gives another account than the one (or several) the person has."""
    for platform, account in row.accounts.items():
        have = {i.external_id for i in identities if i.platform == platform}
        if have != ({account} if account else set()):
            return True
    return False
