"""The weekly digest reaches an executive over Slack with the department heat map in its
chart: a second panel of the one PNG, its alt text saying what it shows and what is withheld."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from adapters.slack.limits import check_blocks
from bot.chat.compose import pulse_message
from bot.chat.events import ActionEvent, Actor
from bot.people.org import import_rows
from bot.people.tenancy import default_tenant
from bot.store.models import Delivery, Person, Round
from scheduler.jobs import tick
from tests.adapters.slack.conftest import SlackWorld
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import parse_org

STAFF = {"Eng": 6, "Ops": 7, "Legal": 2}


async def test_the_executive_digest_carries_the_heat_map(slack: SlackWorld) -> None:
    async with slack.runtime.db.session() as session:
        tenant = await default_tenant(session, today=slack.clock.at.date())
        rows = "email,name,department,timezone,role,slack_user_id\n"
        rows += "boss@example.com,Boss,Board,Europe/London,executive,U0BOSS\n"
        rows += "".join(
            f"{d.lower()}{i}@example.com,{d} {i},{d},Europe/London,member,U0{d.upper()}{i}\n"
            for d, size in STAFF.items()
            for i in range(size)
        )
        await import_rows(session, tenant_id=tenant.id, rows=parse_org(rows), actor="test")
        await session.commit()
    await tick(
        slack.runtime.db, now=datetime(2026, 11, 3, 11, 0, tzinfo=UTC), ports=slack.runtime.ports
    )
    async with slack.runtime.db.session() as session:
        round_ = await session.get(Round, 1)
        person = (
            await session.exec(select(Person).where(Person.email == "eng0@example.com"))
        ).one()
        delivery = (
            await session.exec(select(Delivery).where(Delivery.person_id == person.id))
        ).one()
        pulse = await pulse_message(session, person=person, round_=round_, delivery=delivery)
    for d, size in STAFF.items():
        for i in range(size):
            await slack.runtime.bot.handle(
                ActionEvent(
                    Actor("slack", f"U0{d.upper()}{i}"), "checkin", "1", good_answers(pulse)
                )
            )
    report = await tick(
        slack.runtime.db, now=datetime(2026, 11, 9, 9, 0, tzinfo=UTC), ports=slack.runtime.ports
    )
    assert report.digests == 1
    digest = next(
        p
        for p in slack.api.of("chat.postMessage")
        if p["channel"] == "U0BOSS" and "digest" in p["text"].lower()
    )
    assert check_blocks({"text": digest["text"], "blocks": digest["blocks"]}) == []
    (complete,) = await slack.api.wait_for("files.completeUploadExternal")
    assert complete["channel_id"] == "D0BOSS" and complete.get("thread_ts")
    (asked,) = slack.api.of("files.getUploadURLExternal")
    alt = asked["alt_txt"]
    # With the fixture's own Engineering and Sales (no answers): only Ops (7) is shown.
    # Legal's two are withheld, and Eng (6) with them, so that organisation minus Ops
    # cannot reveal Legal's two: five rows of five withheld cells.
    assert "heat map of 6 departments by Engagement, eNPS, Response rate" in alt
    assert "25 cells withheld (fewer than 5 answers)" in alt
    assert "Silo map, trend and departments" in str(complete["files"])
    (png,) = slack.api.uploads.values()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[20:24], "big") > 4.2 * 80, "the heat map panel below the silo map"
