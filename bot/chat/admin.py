"""Assemble the admin card from the database, and read its submitted form back into the
KEY=VALUE pairs `survey set` takes, keeping only the fields the admin changed (so the audit
row names what changed, and an untouched field is never re-validated into a surprise)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.compose import local_text
from bot.chat.templates.admin import AdminData, status_facts, unreachable_text
from bot.enums import Role
from bot.i18n import _
from bot.messages import Choice, Section
from bot.people.tenancy import active_survey
from bot.pulse.delivery_status import last_round_status
from bot.pulse.schedule import next_local, parse_hhmm
from bot.pulse.settings import KEYS, describe
from bot.store.models import Department, Person, Survey

MAX_PEOPLE_CHOICES = 100  # beyond this the executives field is a list of e-mails


async def admin_data(
    session: AsyncSession, *, person: Person, now: datetime, note: str | None = None
) -> AdminData:
    survey = await active_survey(session, tenant_id=person.tenant_id)
    settings = await describe(session, survey=survey)
    departments = await _departments(session, tenant_id=person.tenant_id)
    people = (
        await session.exec(
            select(Person, Department.name)
            .join(Department, Department.id == Person.department_id)
            .where(Person.tenant_id == person.tenant_id, Person.active)
            .order_by(Person.name)
        )
    ).all()
    executives = tuple(sorted(p.email for p, _ in people if p.role == Role.EXECUTIVE))
    choices = tuple(Choice(p.email, f"{p.name} ({dept})") for p, dept in people)
    next_pulse, next_digest = upcoming(survey, person=person, now=now)
    by_name = {name.lower(): value for value, name in departments.items()}
    return AdminData(
        settings=settings,
        departments=tuple(Choice(value, name) for value, name in departments.items()),
        audience=tuple(by_name[n.lower()] for n in survey.audience if n.lower() in by_name),
        people=choices if len(choices) <= MAX_PEOPLE_CHOICES else (),
        executives=executives,
        status=await last_round_status(session, survey=survey),
        next_pulse=next_pulse,
        next_digest=next_digest,
        note=note,
        questions=tuple(
            Choice(q["key"], f"{q['key']}: {q['text']}") for q in survey.custom_questions
        ),
    )


def upcoming(survey: Survey, *, person: Person, now: datetime) -> tuple[str, str]:
    """The next pulse and the next digest, in the admin's own time, in words."""
    zone = person.timezone
    pulse = next_local(now, weekday=survey.weekday, at=parse_hhmm(survey.local_time), timezone=zone)
    digest = next_local(
        now, weekday=survey.digest_weekday, at=parse_hhmm(survey.digest_time), timezone=zone
    )
    return (
        _("{when} (each person's local time)").format(when=local_text(pulse, zone)),
        _("{when} (each executive's local time)").format(when=local_text(digest, zone)),
    )


async def status_section(session: AsyncSession, *, person: Person, now: datetime) -> Section:
    """The admin's status block for the home: last round's delivery and what comes next."""
    survey = await active_survey(session, tenant_id=person.tenant_id)
    status = await last_round_status(session, survey=survey)
    next_pulse, next_digest = upcoming(survey, person=person, now=now)
    return Section(
        heading=_("Delivery (admin)"),
        text=unreachable_text(status),
        facts=status_facts(status, next_pulse=next_pulse, next_digest=next_digest),
    )


async def _departments(session: AsyncSession, *, tenant_id: int) -> dict[str, str]:
    """Choice value ("d:<id>": a name may hold a comma, which a multi-select joins on)
    -> department name."""
    rows = await session.exec(
        select(Department).where(Department.tenant_id == tenant_id).order_by(Department.name)
    )
    return {f"d:{d.id}": d.name for d in rows.all()}


async def changed_pairs(
    session: AsyncSession, *, tenant_id: int, current: dict[str, str], answers: dict
) -> list[str]:
    """The submitted form as KEY=VALUE pairs, only where it differs from `current`."""
    departments = await _departments(session, tenant_id=tenant_id)
    pairs = []
    for key in KEYS:
        raw = answers.get(key)
        items = raw if isinstance(raw, list) else [raw] if raw else []
        if key == "audience":
            # Picked ("d:<id>") or typed as comma-separated names (a form beyond 100 choices).
            names = [
                departments.get(v, v) for i in items for v in map(str.strip, str(i).split(","))
            ]
            names = [n for n in names if n]
            value, now = ",".join(names) or "all", _set(current[key], empty="all")
            same = {n.lower() for n in names} == now
        elif key == "executives":
            emails = [e.strip().lower() for i in items for e in str(i).split(",") if e.strip()]
            value, same = ",".join(emails), set(emails) == _set(current[key], empty="none")
        elif key == "questions" and "questions" not in answers:
            value = _questions(current[key], answers)
            same = value == current[key]
        elif not items and key != "questions":
            continue  # a required field left empty keeps its value (a form may omit it)
        else:
            value = ",".join(str(i) for i in items).strip()
            if key == "questions":
                value = value or "none"
            if key in ("weekday", "digest_weekday"):
                same = value.lower()[:3] == current[key]
            else:
                same = value == current[key]
        if not same:
            pairs.append(f"{key}={value}")
    return pairs


def _questions(shown: str, answers: dict) -> str:
    """`questions=` from the form's remove and add fields: the current questions but those
    ticked, plus the one typed (checked by `survey set`'s rules, as a pair)."""
    raw = answers.get("questions_remove")
    gone = {
        v.strip()
        for i in (raw if isinstance(raw, list) else [raw] if raw else [])
        for v in str(i).split(",")
    }
    current = [] if shown == "none" else [q.strip() for q in shown.split(";") if q.strip()]
    kept = [q for q in current if q.partition(":")[0].strip() not in gone]
    key, text = (str(answers.get(k) or "").strip() for k in ("question_key", "question_text"))
    if key or text:
        kept.append(f"{key}:{text}")
    return "; ".join(kept) or "none"


def _set(shown: str, *, empty: str) -> set[str]:
    return set() if shown == empty else {p.strip().lower() for p in shown.split(",")}
