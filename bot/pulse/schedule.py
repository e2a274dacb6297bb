"""Pure time arithmetic: cadence slots, each person's local send instant, working hours.

We compute instants ourselves with zoneinfo, one per local day, instead of relying on
a cron trigger (APScheduler 3.11's CronTrigger fires twice at fall-back and late at
spring-forward).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.enums import Cadence

WORK_START = time(9, 0)
WORK_END = time(18, 0)
MAX_SHIFT_DAYS = 6  # a slot moves forward past weekends and holidays, at most this far
EARLIEST_OFFSET = timedelta(hours=14)  # UTC+14 is the first zone to reach a local date


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def previous_week(week: str) -> str:
    return iso_week(week_monday(week) - timedelta(days=7))


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def cadence_slots(
    *, cadence: str, weekday: int, starts_on: date, first: date, last: date
) -> list[date]:
    """The nominal dates in [first, last] on which the survey is sent."""
    anchor = starts_on + timedelta(days=(weekday - starts_on.weekday()) % 7)
    day = max(first, anchor)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    slots = []
    while day <= last:
        if _on_cadence(cadence, day, anchor):
            slots.append(day)
        day += timedelta(days=7)
    return slots


def _on_cadence(cadence: str, day: date, anchor: date) -> bool:
    if cadence == Cadence.BIWEEKLY:
        return ((day - anchor).days // 7) % 2 == 0
    if cadence == Cadence.MONTHLY:
        return day.day <= 7
    return True


@lru_cache(maxsize=512)
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:
        return frozenset()


def is_working_day(day: date, country: str | None) -> bool:
    if day.weekday() >= 5:
        return False
    return not (country and day in _holidays(country, day.year))


def first_working_day(day: date, country: str | None) -> date | None:
    for shift in range(MAX_SHIFT_DAYS + 1):
        candidate = day + timedelta(days=shift)
        if is_working_day(candidate, country):
            return candidate
    return None


def local_instant(day: date, at: time, timezone: str) -> datetime:
    """`at` on `day` in `timezone`, as UTC. A time skipped by spring-forward lands just
    after the gap; a repeated one at fall-back is taken once, at its first occurrence."""
    local = datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).replace(fold=0)
    return local.astimezone(UTC)


def send_instant(
    *, slot: date, local_time: str, timezone: str, country: str | None
) -> datetime | None:
    """When this person gets the pulse of `slot`: their local time on the first working
    day from the slot; None when no working day falls within a week."""
    day = first_working_day(slot, country)
    if day is None:
        return None
    return local_instant(day, parse_hhmm(local_time), timezone)


def slot_opens_at(slot: date) -> datetime:
    """The earliest moment any timezone reaches the slot's date."""
    return datetime.combine(slot, time(0), tzinfo=UTC) - EARLIEST_OFFSET


def is_nudge_time(now: datetime, *, timezone: str, country: str | None) -> bool:
    """Nudges go out on working days between 09:00 and 18:00 local time only."""
    local = now.astimezone(ZoneInfo(timezone))
    return is_working_day(local.date(), country) and WORK_START <= local.time() < WORK_END


def next_local(now: datetime, *, weekday: int, at: time, timezone: str) -> datetime:
    """The next `weekday` at `at` local time strictly after now (for "next pulse" hints)."""
    local_today = now.astimezone(ZoneInfo(timezone)).date()
    for shift in range(8):
        day = local_today + timedelta(days=shift)
        if day.weekday() == weekday:
            instant = local_instant(day, at, timezone)
            if instant > now:
                return instant
    return local_instant(local_today + timedelta(days=7), at, timezone)
