"""People from Slack, end to end over loopback: an admin shares the organisation CSV in the
bot's DM (a signed `file_shared` event); the bot reads it with files.info and downloads
url_private with its token from the stand-in; a bad row is reported by line and nothing is
imported; a good file is imported only once Confirm is clicked; a member is refused."""

from __future__ import annotations

import json
from urllib.parse import quote

from sqlmodel import select

from bot.store.models import Person
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_admin import make_admin

HEADER = "email,name,department,timezone,slack_user_id\n"
GOOD = HEADER + "dee@example.com,Dee D,Data,Europe/Paris,U0DEE\n"
BAD = HEADER + "dee@example.com,Dee D,Data,Europe/Paris,U0DEE\nbad,Eve E,,Nowhere/City,\n"


async def share(slack: SlackWorld, user: str, file_id: str, name: str, content: str) -> None:
    slack.api.files[file_id] = (name, content.encode())
    body = {
        "token": "x",
        "team_id": "T111",
        "api_app_id": "A111",
        "type": "event_callback",
        "event_id": f"Ev{file_id}",
        "event_time": 1,
        "event": {
            "type": "file_shared",
            "channel_id": "DADA",
            "file_id": file_id,
            "user_id": user,
            "file": {"id": file_id},
            "event_ts": "1.1",
        },
    }
    response = await slack.post(json.dumps(body), content_type="application/json")
    assert response.status == 200


async def emails(slack: SlackWorld) -> set[str]:
    async with slack.runtime.db.session() as session:
        return set((await session.exec(select(Person.email))).all())


async def test_an_admin_imports_people_from_a_file_in_slack(slack: SlackWorld) -> None:
    await make_admin(slack)
    before = await emails(slack)
    await share(slack, "U0ADA", "F1", "org.csv", BAD)
    (report,) = await slack.api.wait_for("chat.postMessage")
    shown = json.dumps(report["blocks"])
    assert report["channel"] == "U0ADA" and "Nothing imported" in shown
    assert "line 3: email 'bad' is not an e-mail address" in shown
    assert "line 3: department is empty" in shown and "Nowhere/City" in shown
    assert slack.api.downloads[0]["Authorization"] == "Bearer xoxb-test"
    assert await emails(slack) == before

    await share(slack, "U0ADA", "F2", "org.csv", GOOD)
    (_, summary) = await slack.api.wait_for("chat.postMessage", 2)
    assert "Import these people?" in json.dumps(summary["blocks"])
    assert await emails(slack) == before, "nothing before the confirm"
    confirm = next(
        e
        for b in summary["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "action:import_confirm"
    )
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ADA", "team_id": "T111"},
        "team": {"id": "T111"},
        "token": "x",
        "container": {"type": "message", "message_ts": "2.000100", "channel_id": "DADA"},
        "channel": {"id": "DADA"},
        "trigger_id": "1.2.3",
        "response_url": slack.api.response_url("confirm"),
        "state": {"values": {}},
        "actions": [{**confirm, "block_id": "buttons", "action_ts": "9.9"}],
    }
    await slack.post("payload=" + quote(json.dumps(payload)))
    (update,) = await slack.api.wait_for("chat.update")
    assert "People imported" in json.dumps(update["blocks"]) and update["ts"] == "2.000100"
    assert await emails(slack) == before | {"dee@example.com"}


async def test_a_member_cannot_import_from_slack(slack: SlackWorld) -> None:
    await share(slack, "U0BOB", "F3", "org.csv", GOOD)
    (reply,) = await slack.api.wait_for("chat.postMessage")
    assert reply["channel"] == "U0BOB" and "Admins only" in json.dumps(reply["blocks"])
    assert "dee@example.com" not in await emails(slack)
