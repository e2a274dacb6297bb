"""`survey show` / `survey set KEY=VALUE`: the settings an admin owns, validated."""

from __future__ import annotations

import re

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit
from bot.anonymity import K_FLOOR
from bot.enums import Cadence, Role
from bot.models import Department, Person, Survey

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
KEYS = {
    "cadence": "weekly, biweekly or monthly",
    "weekday": "mon..sun: the day the pulse is sent",
    "time": "HH:MM: local send time in each person's timezone",
    "window_days": "1-6: days a pulse stays open",
    "nudge_after_hours": "4-96: wait before the first nudge",
    "max_nudges": "0-2: reminders per pulse",
    "audience": "comma-separated departments, or all",
    "executives": "comma-separated e-mails of the people who get the digest",
    "k_scores": f"{K_FLOOR}-50: smallest group a score is shown for (default 5)",
    "k_comments": "at least k_scores: smallest group comments are shown for (default 10)",
    "retention_weeks": "4-520: answers older than this are deleted",
    "extra_items": "0-3: question-bank items added each round",
    "questions": "custom items: key:text;key:text (1-5 agree scale), or none",
    "digest_weekday": "mon..sun: the day executives get the digest",
    "digest_time": "HH:MM: digest time in each executive's timezone",
}


class SettingError(ValueError):
    """A setting was refused; nothing was changed."""


def _int(key: str, raw: str, low: int, high: int) -> int:
    if not raw.strip().isdigit() or not low <= int(raw) <= high:
        raise SettingError(f"{key} must be a whole number from {low} to {high}; got '{raw}'")
    return int(raw)


def _weekday(key: str, raw: str) -> int:
    value = raw.strip().lower()[:3]
    if value not in WEEKDAYS:
        raise SettingError(f"{key} must be one of {', '.join(WEEKDAYS)}; got '{raw}'")
    return WEEKDAYS.index(value)


def _time(key: str, raw: str) -> str:
    if not HHMM.match(raw.strip()):
        raise SettingError(f"{key} must be HH:MM on a 24-hour clock, e.g. 10:00; got '{raw}'")
    return raw.strip()


def _questions(raw: str) -> list[dict]:
    if raw.strip().lower() in ("", "none"):
        return []
    questions = []
    for part in raw.split(";"):
        key, sep, text = part.partition(":")
        key = key.strip().lower()
        if (
            not sep
            or not re.fullmatch(r"[a-z][a-z0-9_]{1,30}", key)
            or not 5 <= len(text.strip()) <= 200
        ):
            raise SettingError(
                f"questions: '{part.strip()}' must be key:text, key of letters, digits and _ "
                "(2-31 chars), text 5-200 characters"
            )
        questions.append({"key": key, "text": text.strip()})
    return questions


async def apply_settings(
    session: AsyncSession, *, survey: Survey, pairs: list[str], actor: str
) -> list[str]:
    """Validate every KEY=VALUE first, then apply all of them; returns what changed."""
    updates: dict[str, object] = {}
    executives: list[str] | None = None
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip().lower()
        if not sep:
            raise SettingError(f"'{pair}' is not KEY=VALUE")
        if key not in KEYS:
            raise SettingError(f"unknown setting '{key}'; known: {', '.join(KEYS)}")
        match key:
            case "cadence":
                if raw not in {c.value for c in Cadence}:
                    raise SettingError(f"cadence must be {KEYS['cadence']}; got '{raw}'")
                updates["cadence"] = raw
            case "weekday" | "digest_weekday":
                updates[key] = _weekday(key, raw)
            case "time" | "digest_time":
                updates["local_time" if key == "time" else key] = _time(key, raw)
            case "window_days":
                updates[key] = _int(key, raw, 1, 6)
            case "nudge_after_hours":
                updates[key] = _int(key, raw, 4, 96)
            case "max_nudges":
                updates[key] = _int(key, raw, 0, 2)
            case "k_scores":
                updates[key] = _int(key, raw, K_FLOOR, 50)
            case "k_comments":
                updates[key] = _int(key, raw, K_FLOOR, 100)
            case "retention_weeks":
                updates[key] = _int(key, raw, 4, 520)
            case "extra_items":
                updates["extra_items_per_round"] = _int(key, raw, 0, 3)
            case "questions":
                updates["custom_questions"] = _questions(raw)
            case "audience":
                updates["audience"] = await _audience(session, survey, raw)
            case "executives":
                executives = [e.strip().lower() for e in raw.split(",") if e.strip()]
    k = int(updates.get("k_scores", survey.k_scores))  # type: ignore[arg-type]
    if int(updates.get("k_comments", survey.k_comments)) < k:  # type: ignore[arg-type]
        raise SettingError(f"k_comments must be at least k_scores ({k})")
    if executives is not None:
        await _set_executives(session, survey, executives)
    for key, value in updates.items():
        setattr(survey, key, value)
    session.add(survey)
    changed = [p.partition("=")[0].strip().lower() for p in pairs]
    audit.record(
        session, tenant_id=survey.tenant_id, actor=actor, action="survey.set", keys=changed
    )
    await session.commit()
    return changed


async def _audience(session: AsyncSession, survey: Survey, raw: str) -> list[str]:
    if raw.strip().lower() in ("", "all"):
        return []
    names = {
        d.name.lower(): d.name
        for d in (
            await session.exec(select(Department).where(Department.tenant_id == survey.tenant_id))
        ).all()
    }
    wanted = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in wanted if n.lower() not in names]
    if unknown:
        raise SettingError(
            f"audience: no department called {', '.join(unknown)}; known: "
            f"{', '.join(sorted(names.values()))}"
        )
    return [names[n.lower()] for n in wanted]


async def _set_executives(session: AsyncSession, survey: Survey, emails: list[str]) -> None:
    people = (await session.exec(select(Person).where(Person.tenant_id == survey.tenant_id))).all()
    by_email = {p.email: p for p in people}
    unknown = [e for e in emails if e not in by_email]
    if unknown:
        raise SettingError(f"executives: nobody imported with e-mail {', '.join(unknown)}")
    for person in people:
        if person.email in emails and person.role != Role.ADMIN:
            person.role = Role.EXECUTIVE
        elif person.role == Role.EXECUTIVE and person.email not in emails:
            person.role = Role.MEMBER
        session.add(person)


async def describe(session: AsyncSession, *, survey: Survey) -> dict[str, str]:
    executives = (
        await session.exec(
            select(Person.email).where(
                Person.tenant_id == survey.tenant_id, Person.role == Role.EXECUTIVE
            )
        )
    ).all()
    return {
        "cadence": survey.cadence,
        "weekday": WEEKDAYS[survey.weekday],
        "time": survey.local_time,
        "window_days": str(survey.window_days),
        "nudge_after_hours": str(survey.nudge_after_hours),
        "max_nudges": str(survey.max_nudges),
        "audience": ", ".join(survey.audience) or "all",
        "executives": ", ".join(sorted(executives)) or "none",
        "k_scores": str(survey.k_scores),
        "k_comments": str(survey.k_comments),
        "retention_weeks": str(survey.retention_weeks),
        "extra_items": str(survey.extra_items_per_round),
        "questions": "; ".join(f"{q['key']}:{q['text']}" for q in survey.custom_questions)
        or "none",
        "digest_weekday": WEEKDAYS[survey.digest_weekday],
        "digest_time": survey.digest_time,
    }
