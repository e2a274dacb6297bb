"""Local send instants: one per local day, right across DST and holidays."""

from datetime import UTC, date, datetime

from bot.pulse.schedule import (
    cadence_slots,
    is_nudge_time,
    local_instant,
    parse_hhmm,
    send_instant,
)


def test_ten_oclock_local_in_each_timezone() -> None:
    slot = date(2026, 11, 24)
    assert send_instant(
        slot=slot, local_time="10:00", timezone="Europe/Helsinki", country="FI"
    ) == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert send_instant(
        slot=slot, local_time="10:00", timezone="America/New_York", country="US"
    ) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert send_instant(
        slot=slot, local_time="10:00", timezone="Australia/Lord_Howe", country="AU"
    ) == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


def test_spring_forward_gap_lands_after_the_gap_once() -> None:
    # 02:30 does not exist in New York on 8 March 2026; it reads as 03:30 EDT.
    instant = local_instant(date(2026, 3, 8), parse_hhmm("02:30"), "America/New_York")
    assert instant == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_fall_back_repeated_hour_is_taken_once_at_first_occurrence() -> None:
    instant = local_instant(date(2026, 11, 1), parse_hhmm("01:30"), "America/New_York")
    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST


def test_lord_howe_half_hour_shift() -> None:
    # Lord Howe moves by 30 minutes at 02:00 on 4 October 2026.
    before = local_instant(date(2026, 10, 3), parse_hhmm("10:00"), "Australia/Lord_Howe")
    after = local_instant(date(2026, 10, 6), parse_hhmm("10:00"), "Australia/Lord_Howe")
    assert before == datetime(2026, 10, 2, 23, 30, tzinfo=UTC)
    assert after == datetime(2026, 10, 5, 23, 0, tzinfo=UTC)


def test_public_holiday_moves_the_pulse_to_the_next_working_day() -> None:
    # 8 December 2026 is a Tuesday; Finland's Independence Day is the 6th (Sunday), but
    # Christmas Day 2026 is a Friday: a Friday slot moves to Monday the 28th.
    moved = send_instant(
        slot=date(2026, 12, 25), local_time="10:00", timezone="Europe/Helsinki", country="FI"
    )
    assert moved == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)
    no_country = send_instant(
        slot=date(2026, 12, 25), local_time="10:00", timezone="Europe/Helsinki", country=None
    )
    assert no_country == datetime(2026, 12, 25, 8, 0, tzinfo=UTC)


def test_cadences() -> None:
    weekly = cadence_slots(
        cadence="weekly",
        weekday=1,
        starts_on=date(2026, 11, 1),
        first=date(2026, 11, 1),
        last=date(2026, 11, 30),
    )
    assert weekly == [date(2026, 11, 3), date(2026, 11, 10), date(2026, 11, 17), date(2026, 11, 24)]
    biweekly = cadence_slots(
        cadence="biweekly",
        weekday=1,
        starts_on=date(2026, 11, 1),
        first=date(2026, 11, 1),
        last=date(2026, 11, 30),
    )
    assert biweekly == [date(2026, 11, 3), date(2026, 11, 17)]
    monthly = cadence_slots(
        cadence="monthly",
        weekday=1,
        starts_on=date(2026, 11, 1),
        first=date(2026, 11, 1),
        last=date(2027, 1, 31),
    )
    assert monthly == [date(2026, 11, 3), date(2026, 12, 1), date(2027, 1, 5)]


def test_nudges_only_in_local_working_hours() -> None:
    monday_9am_helsinki = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert is_nudge_time(monday_9am_helsinki, timezone="Europe/Helsinki", country="FI")
    assert not is_nudge_time(monday_9am_helsinki, timezone="America/New_York", country="US")
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert not is_nudge_time(saturday, timezone="Europe/London", country="GB")
