"""Weekly pulses across both DST transitions of New York, Helsinki and Lord Howe (whose
clocks move by half an hour), driven by an hourly tick as `serve` would, with a restart of
the process and a two-hour outage on the morning of a send: each person gets one pulse per
round, at 10:00 in their own timezone (an hour's tick late at most), the outage's late
ones inside the window, and the rounds never ticked through reported as missed."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.enums import DeliveryKind
from bot.store.db import Database
from bot.store.models import Delivery, Person, Round
from tests.conftest import make_world

ZONES = ("America/New_York", "Europe/Helsinki", "Australia/Lord_Howe")
# The Tuesdays either side of each zone's transitions (2026: NY Mar 8 / Nov 1, Helsinki
# Mar 29 / Oct 25, Lord Howe Apr 5 / Oct 4).
TUESDAYS = [date(2026, 3, d) for d in (3, 10, 31)] + [date(2026, 4, 7)]
TUESDAYS += [date(2026, 9, 29), date(2026, 10, 6), date(2026, 10, 20), date(2026, 10, 27)]
TUESDAYS += [date(2026, 11, 3)]
OUTAGE_DAY = date(2026, 10, 27)  # two days after Helsinki fell back
OUTAGE = (datetime(2026, 10, 27, 7, 0, tzinfo=UTC), datetime(2026, 10, 27, 9, 0, tzinfo=UTC))


def _hours_around(tuesday: date) -> list[datetime]:
    """Monday 18:00 UTC to Wednesday 06:00 UTC, hourly: every zone's Tuesday 10:00 (Lord
    Howe's is Monday evening in UTC, New York's Tuesday afternoon) falls inside."""
    start = datetime(tuesday.year, tuesday.month, tuesday.day, tzinfo=UTC) - timedelta(hours=6)
    return [start + timedelta(hours=h) for h in range(36)]


async def test_one_pulse_each_at_local_ten_across_dst_with_restart_and_outage(
    database_url: str,
) -> None:
    rows = "email,name,department,timezone\n" + "".join(
        f"{z.split('/')[1].lower()}{i}@example.com,P {i},{z.split('/')[1]},{z}\n"
        for z in ZONES
        for i in range(5)
    )
    db = Database(database_url)
    world = await make_world(db, rows, start=date(2026, 3, 2))
    try:
        for tuesday in TUESDAYS:
            for at in _hours_around(tuesday):
                if OUTAGE[0] <= at < OUTAGE[1]:
                    continue  # the process is down
                if at == OUTAGE[1]:  # restarted: a new process, a new engine
                    await world.db.dispose()
                    world.db = world.bot.db = world.channel.bot.db = Database(database_url)
                await world.tick(at)
        async with world.db.session() as session:
            pulses = (
                await session.exec(
                    select(Delivery, Person, Round)
                    .join(Person, Person.id == Delivery.person_id)
                    .join(Round, Round.id == Delivery.round_id)
                    .where(Delivery.kind == DeliveryKind.PULSE)
                )
            ).all()
    finally:
        await world.db.dispose()

    received = Counter(
        email
        for email, items in world.port.inbox.items()
        for item in items
        if item.message.title == "Your weekly pulse"
    )
    sent = Counter(p.email for d, p, _ in pulses if d.state == "sent")
    assert received == sent, "every pulse DM matches one sent delivery: nobody twice"
    by_round = Counter((r.slot, p.email) for _, p, r in pulses)
    assert set(by_round.values()) == {1}, "one delivery per person and round"
    for delivery, person, round_ in pulses:
        if round_.slot not in TUESDAYS:
            assert delivery.state == "missed", (round_.slot, person.email, delivery.state)
            continue
        assert delivery.state == "sent", (round_.slot, person.email, delivery.state)
        local = delivery.sent_at.astimezone(ZoneInfo(person.timezone))
        assert local.date() == round_.slot, (person.email, local)
        late = timedelta(hours=local.hour - 10, minutes=local.minute)
        if round_.slot == OUTAGE_DAY and person.timezone == "Europe/Helsinki":
            assert local.hour == 11 and local.minute == 0, "sent when the process came back"
        else:
            assert timedelta(0) <= late < timedelta(hours=1), (person.email, local)
