"""A Teams activity's log lines (its access line among them) name the Entra tenant it came
from, over loopback into the server `serve` runs."""

from __future__ import annotations

import io
import json

from tests.adapters.slack.test_operations import log_lines  # noqa: F401
from tests.adapters.teams.test_teams_app import TeamsWorld, payload, teams  # noqa: F401

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # the captured payload's


async def test_a_teams_activity_s_log_lines_name_its_tenant(
    teams: TeamsWorld,  # noqa: F811
    log_lines: io.StringIO,  # noqa: F811
) -> None:
    message = payload("teams_message_activity_personal.json", teams.connector, text="help")
    message["attachments"] = []
    assert await teams.post(message) in (200, 201)
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    (access,) = [line for line in lines if "POST /api/messages" in line["event"]]
    assert access["workspace"] == TENANT
