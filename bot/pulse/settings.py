"""`survey show` / `survey set KEY=VALUE`: the settings an admin owns, validated."""

from __future__ import annotations

import re

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.anonymity import K_FLOOR
from bot.enums import Cadence, PairingCadence, Role
from bot.i18n import DEFAULT_LOCALE, LANGUAGES, N_, _, negotiate
from bot.store import audit
from bot.store.db import insert_unless_present
from bot.store.models import Department, PairingSetting, Person, Survey
from bot.text import clean_text

MAX_NO_REPEAT = 52  # cross-team pairings: rounds within which no pair repeats, at most
DEFAULT_NO_REPEAT = 4
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
KEYS = {
    "cadence": N_("weekly, biweekly or monthly"),
    "weekday": N_("mon..sun: the day the pulse is sent"),
    "time": N_("HH:MM: local send time in each person's timezone"),
    "window_days": N_("1-6: days a pulse stays open"),
    "nudge_after_hours": N_("4-96: wait before the first nudge"),
    "max_nudges": N_("0-2: reminders per pulse"),
    "audience": N_("comma-separated departments, or all"),
    "executives": N_("comma-separated e-mails of the people who get the digest"),
    "k_scores": f"{K_FLOOR}-50: smallest group a score is shown for (default 5)",
    "k_comments": N_("at least k_scores: smallest group comments are shown for (default 10)"),
    "retention_weeks": N_("4-520: answers older than this are deleted"),
    "extra_items": N_("0-3: question-bank items added each round"),
    "questions": N_(
        "custom items: key:text;key:text (1-5 agree scale), or none; a text may "
        "carry translations: key:text|de=...|fr=..."
    ),
    "digest_weekday": N_("mon..sun: the day executives get the digest"),
    "digest_time": N_("HH:MM: digest time in each executive's timezone"),
    "directory_sync_hours": N_("0 (off) or 1-168: hours between syncs of the chat directory"),
    "locale": N_("the default language: en, de, fr, es, pt_BR, fi or ja"),
    "pairings": N_("off, weekly or biweekly: cross-team pairings of people who opted in"),
    "pairings_no_repeat": N_("0-52: rounds within which no pair is repeated"),
}


class SettingError(ValueError):
    """Settings were refused; nothing was changed. `problems` names every one, so an admin
    fixes them all in one go instead of one per attempt."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else problems
        super().__init__("; ".join(self.problems))


def problems_by_key(problems: list[str], *, fallback: str) -> dict[str, str]:
    """Each problem under the setting it names (a form shows it by that field); one naming
    none goes under `fallback`."""
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        key = next((k for k in KEYS if re.match(rf"{k}[ :]", problem)), fallback)
        grouped.setdefault(key, []).append(problem)
    return {key: "\n".join(found) for key, found in grouped.items()}


def _shown(raw: str) -> str:
    """A refused value as echoed back: short enough to read."""
    return raw if len(raw) <= 40 else raw[:40] + "…"


_NUMBER = re.compile(r"\d{1,6}", re.ASCII)  # not "²" (isdigit() but not int()), not 5,000 digits


def _int(key: str, raw: str, low: int, high: int) -> int:
    if not _NUMBER.fullmatch(raw.strip()) or not low <= int(raw) <= high:
        raise SettingError(
            _("{key} must be a whole number from {low} to {high}; got '{value}'").format(
                key=key, low=low, high=high, value=_shown(raw)
            )
        )
    return int(raw)


def _weekday(key: str, raw: str) -> int:
    value = raw.strip().lower()[:3]
    return WEEKDAYS.index(_choice(key, value, list(WEEKDAYS), shown=raw))


def _choice(key: str, value: str, choices: list[str], *, shown: str | None = None) -> str:
    """`value` when it is one of `choices`; else the error naming them all (and what was
    typed: `shown`, when `value` is a normalised form of it)."""
    if value not in choices:
        raise SettingError(
            _("{key} must be one of {choices}; got '{value}'").format(
                key=key, choices=", ".join(choices), value=_shown(value if shown is None else shown)
            )
        )
    return value


def _time(key: str, raw: str) -> str:
    if not HHMM.match(raw.strip()):
        raise SettingError(
            _("{key} must be HH:MM on a 24-hour clock, e.g. 10:00; got '{value}'").format(
                key=key, value=_shown(raw)
            )
        )
    return raw.strip()


def _language(key: str, raw: str) -> str:
    language = negotiate(raw)
    if language is None:
        raise SettingError(
            _("{key} must be one of {choices}; got '{value}'").format(
                key=key, choices=", ".join(LANGUAGES), value=_shown(raw)
            )
        )
    return language


def _translations(part: str, texts: list[str]) -> tuple[dict[str, str], list[str]]:
    """`de=...|fr=...` after a custom question's text: its wording per language."""
    translations: dict[str, str] = {}
    problems: list[str] = []
    for item in texts:
        code, sep, text = item.partition("=")
        language = negotiate(code.strip())
        text = clean_text(text, multiline=False)
        if not sep or language is None or language == DEFAULT_LOCALE:
            problems.append(
                _("questions: '{item}' in '{question}' must be lang=text, lang one of {choices}")
                .format(
                    item=_shown(item.strip()),
                    question=_shown(part.strip()),
                    choices=", ".join(LANGUAGES[1:]),
                )
            )
        elif not 5 <= len(text) <= 200:
            problems.append(
                _("questions: the {language} text must be 5-200 characters").format(
                    language=language
                )
            )
        else:
            translations[language] = text
    return translations, problems


def _questions(raw: str) -> list[dict]:
    if raw.strip().lower() in ("", "none"):
        return []
    questions: list[dict] = []
    problems: list[str] = []
    for part in raw.split(";"):
        key, sep, wording = part.partition(":")
        text, *texts = wording.split("|")
        key, text = key.strip().lower(), clean_text(text, multiline=False)
        translations, bad = _translations(part, texts)
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_]{1,30}", key) or not 5 <= len(text) <= 200:
            problems.append(
                _(
                    "questions: '{question}' must be key:text, key of letters, digits and _ "
                    "(2-31 chars), text 5-200 characters"
                ).format(question=part.strip())
            )
        elif key in {q["key"] for q in questions}:
            problems.append(_("questions: key '{key}' is used twice").format(key=key))
        elif bad:
            problems += bad
        else:
            spec: dict = {"key": key, "text": text}
            if translations:
                spec["translations"] = translations
            questions.append(spec)
    if problems:
        raise SettingError(problems)
    return questions


async def _parse(
    session: AsyncSession, *, survey: Survey, key: str, raw: str
) -> tuple[str, object]:
    """One KEY=VALUE as (Survey attribute, value); raises SettingError naming the problem."""
    match key:
        case "cadence":
            return "cadence", _choice(key, raw, [c.value for c in Cadence])
        case "weekday" | "digest_weekday":
            return key, _weekday(key, raw)
        case "time" | "digest_time":
            return ("local_time" if key == "time" else key), _time(key, raw)
        case "window_days":
            return key, _int(key, raw, 1, 6)
        case "nudge_after_hours":
            return key, _int(key, raw, 4, 96)
        case "max_nudges":
            return key, _int(key, raw, 0, 2)
        case "k_scores":
            return key, _int(key, raw, K_FLOOR, 50)
        case "k_comments":
            return key, _int(key, raw, K_FLOOR, 100)
        case "retention_weeks":
            return key, _int(key, raw, 4, 520)
        case "directory_sync_hours":
            return key, _int(key, raw, 0, 168)
        case "extra_items":
            return "extra_items_per_round", _int(key, raw, 0, 3)
        case "questions":
            return "custom_questions", _questions(raw)
        case "locale":
            return "locale", _language(key, raw)
        case "audience":
            return "audience", await _audience(session, survey, raw)
        case "pairings":
            return key, _choice(key, raw.strip().lower(), [c.value for c in PairingCadence])
        case "pairings_no_repeat":
            return key, _int(key, raw, 0, MAX_NO_REPEAT)
        case _:  # executives: applied to people, not to the survey
            emails = [e.strip().lower() for e in raw.split(",") if e.strip()]
            await _check_executives(session, survey, emails)
            return "executives", emails


async def apply_settings(
    session: AsyncSession,
    *,
    survey: Survey,
    pairs: list[str],
    actor: str,
    dry_run: bool = False,
) -> list[str]:
    """Validate every KEY=VALUE first (raising SettingError with all the problems), then
    apply all of them; returns what changed. `dry_run`: validate only (a form with a problem
    found elsewhere still gets every other field checked)."""
    updates: dict[str, object] = {}
    problems: list[str] = []
    seen: set[str] = set()
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip().lower()
        if not sep:
            problems.append(_("'{pair}' is not KEY=VALUE").format(pair=pair))
        elif key not in KEYS:
            problems.append(
                _("unknown setting '{key}'; known: {known}").format(key=key, known=", ".join(KEYS))
            )
        elif key in seen:
            problems.append(_("{key} is given twice").format(key=key))
        else:
            seen.add(key)
            try:
                attribute, value = await _parse(session, survey=survey, key=key, raw=raw)
            except SettingError as exc:
                problems.extend(exc.problems)
            else:
                updates[attribute] = value
    k, kc = updates.get("k_scores", survey.k_scores), updates.get("k_comments", survey.k_comments)
    if isinstance(k, int) and isinstance(kc, int) and kc < k:
        problems.append(_("k_comments must be at least k_scores ({k})").format(k=k))
    if problems:
        raise SettingError(problems)
    if dry_run:
        return [p.partition("=")[0].strip().lower() for p in pairs]
    executives = updates.pop("executives", None)
    if isinstance(executives, list):
        await _set_executives(session, survey, executives)
    await _set_pairings(
        session, survey, updates.pop("pairings", None), updates.pop("pairings_no_repeat", None)
    )
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
            _("audience: no department called {unknown}; known: {known}").format(
                unknown=", ".join(unknown), known=", ".join(sorted(names.values()))
            )
        )
    return [names[n.lower()] for n in wanted]


async def _people(session: AsyncSession, survey: Survey) -> list[Person]:
    return list(
        (await session.exec(select(Person).where(Person.tenant_id == survey.tenant_id))).all()
    )


async def _check_executives(session: AsyncSession, survey: Survey, emails: list[str]) -> None:
    known = {p.email for p in await _people(session, survey)}
    unknown = [e for e in emails if e not in known]
    if unknown:
        raise SettingError(
            _("executives: nobody imported with e-mail {emails}").format(
                emails=", ".join(unknown)
            )
        )


async def _set_executives(session: AsyncSession, survey: Survey, emails: list[str]) -> None:
    for person in await _people(session, survey):
        if person.email in emails and person.role != Role.ADMIN:
            person.role = Role.EXECUTIVE
        elif person.role == Role.EXECUTIVE and person.email not in emails:
            person.role = Role.MEMBER
        session.add(person)


async def _set_pairings(
    session: AsyncSession, survey: Survey, cadence: object, no_repeat: object
) -> None:
    """The cross-team pairings (`bot/connect/pairings.py`) keep their own row per tenant."""
    if cadence is None and no_repeat is None:
        return
    await insert_unless_present(session, PairingSetting, tenant_id=survey.tenant_id)
    row = await session.get(PairingSetting, survey.tenant_id, populate_existing=True)
    assert row is not None
    if isinstance(cadence, str):
        row.cadence = cadence
    if isinstance(no_repeat, int):
        row.no_repeat_rounds = no_repeat
    session.add(row)


async def describe(session: AsyncSession, *, survey: Survey) -> dict[str, str]:
    executives = (
        await session.exec(
            select(Person.email).where(
                Person.tenant_id == survey.tenant_id, Person.role == Role.EXECUTIVE
            )
        )
    ).all()
    pairing = await session.get(PairingSetting, survey.tenant_id)
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
        "questions": "; ".join(_question_setting(q) for q in survey.custom_questions) or "none",
        "digest_weekday": WEEKDAYS[survey.digest_weekday],
        "digest_time": survey.digest_time,
        "directory_sync_hours": str(survey.directory_sync_hours),
        "pairings": pairing.cadence if pairing else PairingCadence.OFF.value,
        "pairings_no_repeat": str(pairing.no_repeat_rounds if pairing else DEFAULT_NO_REPEAT),
        "locale": survey.locale or DEFAULT_LOCALE,
    }


def _question_setting(spec: dict) -> str:
    """A custom question as `questions=` takes it back: key:text|de=...|fr=..."""
    translated = "".join(f"|{k}={v}" for k, v in (spec.get("translations") or {}).items())
    return f"{spec['key']}:{spec['text']}{translated}"
