"""The Slack directory synced by the scheduler's tick (`directory_sync_hours`): who left the
workspace gets no pulse after the next scheduled sync, and users.list is not called more
often than the setting says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.pulse.settings import SettingError, apply_settings
from bot.store.models import AuditLog, Survey
from scheduler.jobs import tick
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_directory import user

PULSE = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)  # Tuesday 10:00 in London: pulse time


async def every(slack: SlackWorld, hours: str) -> None:
    async with slack.runtime.db.session() as session:
        survey = (await session.exec(select(Survey))).one()
        await apply_settings(
            session, survey=survey, pairs=[f"directory_sync_hours={hours}"], actor="test"
        )


def pulsed(slack: SlackWorld) -> list[str]:
    return sorted(p["channel"] for p in slack.api.of("chat.postMessage"))


def listings(slack: SlackWorld) -> int:
    return len(slack.api.of("users.list"))


async def test_a_user_deactivated_in_slack_gets_no_pulse_after_the_scheduled_sync(
    slack: SlackWorld,
) -> None:
    await every(slack, "24")
    slack.api.users = [
        user("U0ADA", "ada@example.com", tz="Europe/London"),
        user("U0BOB", "bob@example.com", tz="Europe/London", deleted=True),
    ]
    report = await tick(slack.runtime.db, now=PULSE, ports=slack.runtime.ports)
    assert listings(slack) == 1 and report.directory_synced == 1
    assert pulsed(slack) == ["U0ADA"], "Bob left the workspace: no pulse"
    async with slack.runtime.db.session() as session:
        rows = (
            await session.exec(select(AuditLog).where(AuditLog.action == "directory.sync"))
        ).all()
    assert [(r.actor, r.detail["deactivated"]) for r in rows] == [("scheduler", 1)]


async def test_someone_missing_from_the_member_list_stops_getting_pulses(
    slack: SlackWorld,
) -> None:
    await every(slack, "24")
    slack.api.users = [user("U0ADA", "ada@example.com", tz="Europe/London")]
    report = await tick(slack.runtime.db, now=PULSE, ports=slack.runtime.ports)
    assert report.directory_left == 1
    assert pulsed(slack) == ["U0ADA"]
    async with slack.runtime.db.session() as session:
        (row,) = (
            await session.exec(select(AuditLog).where(AuditLog.action == "directory.sync"))
        ).all()
    assert row.detail["left"] == 1


async def test_the_sync_runs_no_more_often_than_the_setting(slack: SlackWorld) -> None:
    slack.api.users = [user("U0ADA", "ada@example.com"), user("U0BOB", "bob@example.com")]
    early = PULSE - timedelta(hours=4)
    await tick(slack.runtime.db, now=early, ports=slack.runtime.ports)
    assert listings(slack) == 0, "off by default"
    await every(slack, "6")
    for minutes in (0, 1, 60, 359):
        await tick(
            slack.runtime.db, now=early + timedelta(minutes=minutes), ports=slack.runtime.ports
        )
    assert listings(slack) == 1
    await tick(slack.runtime.db, now=early + timedelta(hours=6), ports=slack.runtime.ports)
    assert listings(slack) == 2
    assert sorted(pulsed(slack)) == ["U0ADA", "U0BOB"], "still here: both get the pulse"


async def test_the_setting_is_checked_like_every_other(slack: SlackWorld) -> None:
    async with slack.runtime.db.session() as session:
        survey = (await session.exec(select(Survey))).one()
        try:
            await apply_settings(
                session, survey=survey, pairs=["directory_sync_hours=200"], actor="test"
            )
        except SettingError as exc:
            problems = exc.problems
    assert problems == ["directory_sync_hours must be a whole number from 0 to 168; got '200'"]
