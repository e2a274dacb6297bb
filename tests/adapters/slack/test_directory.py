"""Directory sync from Slack: users.list through the CLI, team_join through the events API."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from adapters.cli import app
from bot.store.db import Database
from bot.store.models import Department, Person
from scheduler.jobs import tick
from tests.adapters.slack.test_slack_app import SlackWorld
from tests.conftest import accounts
from tests.fakes.slack_api import ThreadedFakeSlackApi


def user(
    uid: str,
    email: str | None,
    *,
    tz: str = "Europe/Berlin",
    deleted: bool = False,
    bot: bool = False,
) -> dict:
    return {
        "id": uid,
        "name": uid.lower(),
        "real_name": f"Real {uid}",
        "tz": tz,
        "locale": "de-DE",
        "deleted": deleted,
        "is_bot": bot,
        "profile": {"email": email} if email else {},
    }


def test_org_sync_slack_links_creates_and_deactivates(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with ThreadedFakeSlackApi() as api:
        api.users = [user(f"U{i:03d}", f"p{i}@example.com") for i in range(250)]
        api.users += [
            user("UBYE", "gone@example.com", deleted=True),
            user("UNOMAIL", None),
            user("B1", "bot@example.com", bot=True),
        ]
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", api.api_url)
        csv = tmp_path / "org.csv"
        csv.write_text(
            "email,name,department,timezone\np1@example.com,P One,Sales,UTC\n"
            "gone@example.com,Gone,Sales,UTC\n"
        )
        runner = CliRunner()
        assert runner.invoke(app, ["org", "import", str(csv)]).exit_code == 0
        result = runner.invoke(app, ["org", "sync-slack"])
        pages = len([c for c in api.calls if c.method == "users.list"])
    assert result.exit_code == 0, result.output
    assert (
        "251 linked, 249 new (department Unassigned), 1 deactivated, 1 without an e-mail"
        in " ".join(result.output.split())
    )
    assert pages == 2, "two pages of 200"
    people = asyncio.run(_people(database_url))
    assert people["p1@example.com"][:3] == ("U001", "Europe/Berlin", "Sales")
    assert people["p7@example.com"][2] == "Unassigned"
    assert people["gone@example.com"][3] is False


async def _people(url: str) -> dict[str, tuple]:
    db = Database(url)
    async with db.session() as session:
        rows = (
            await session.exec(
                select(Person, Department.name).join(
                    Department, Department.id == Person.department_id
                )
            )
        ).all()
    slack = await accounts(db, "slack")
    await db.dispose()
    return {p.email: (slack.get(p.email), p.timezone, d, p.active) for p, d in rows}


async def test_team_join_enrols_and_welcomes_the_new_member(slack: SlackWorld) -> None:
    event = {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event_id": "EvJ1",
        "event_time": 1,
        "token": "x",
        "event": {
            "type": "team_join",
            "user": user("U0NEW", "new@example.com", tz="Europe/London"),
        },
    }
    assert (await slack.post(json.dumps(event), content_type="application/json")).status == 200
    (welcome,) = await slack.api.wait_for("chat.postMessage")
    assert welcome["channel"] == "U0NEW" and "Welcome to Crosspulse" in welcome["text"]
    assert "only ever see group figures" in welcome["text"]
    report = await tick(
        slack.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=slack.runtime.ports
    )
    assert report.sent == 3, "Ada, Bob and the newcomer get the pulse"
    assert "U0NEW" in [p["channel"] for p in slack.api.of("chat.postMessage")[1:]]
