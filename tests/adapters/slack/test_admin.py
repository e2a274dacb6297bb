"""Admin in Slack, end to end over loopback: where the modal cannot open, `/pulse admin`
puts the settings form in the admin's DM (a Block Kit message form within Slack's limits);
saving it with a bad field is refused with the reason and changes nothing, a good save
updates the form in place; anyone else is refused."""

from __future__ import annotations

import json
from urllib.parse import quote

from sqlmodel import select

from adapters.slack.limits import check_blocks
from bot.enums import Role
from bot.store.models import Person, Survey
from tests.adapters.slack.conftest import SlackWorld


async def make_admin(slack: SlackWorld, email: str = "ada@example.com") -> None:
    async with slack.runtime.db.session() as session:
        person = (await session.exec(select(Person).where(Person.email == email))).one()
        person.role = Role.ADMIN
        session.add(person)
        await session.commit()


async def survey(slack: SlackWorld) -> Survey:
    async with slack.runtime.db.session() as session:
        return (await session.exec(select(Survey))).one()


def state_of(blocks: list[dict], changes: dict[str, object]) -> dict:
    """state.values as Slack sends them on a click: every input's current value (its
    initial one unless the admin changed it)."""
    values: dict = {}
    for block in blocks:
        if block["type"] == "input":
            element = block["element"]
        elif block["type"] == "actions" and block["block_id"] != "buttons":
            element = block["elements"][0]
        else:
            continue
        key, state = block["block_id"], {"type": element["type"]}
        wanted = changes.get(key)
        if element["type"] == "plain_text_input":
            state["value"] = wanted if key in changes else element.get("initial_value")
        elif element["type"] == "multi_static_select":
            picked = element.get("initial_options", [])
            if key in changes:
                picked = [o for o in element["options"] if o["value"] in wanted]  # type: ignore[operator]
            state["selected_options"] = picked
        else:
            state["selected_option"] = element.get("initial_option")
        values[key] = {element["action_id"]: state}
    return values


async def save(slack: SlackWorld, form: dict, changes: dict[str, object], action_ts: str):  # type: ignore[no-untyped-def]
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ADA", "team_id": "T111"},
        "team": {"id": "T111"},
        "api_app_id": "A111",
        "token": "x",
        "container": {"type": "message", "message_ts": form["ts"], "channel_id": "DADA"},
        "channel": {"id": "DADA"},
        "trigger_id": "1.2.3",
        "response_url": slack.api.response_url(f"save-{action_ts}"),
        "state": {"values": state_of(form["blocks"], changes)},
        "actions": [
            {
                "action_id": "submit:admin_save",
                "block_id": "buttons",
                "value": "-",
                "type": "button",
                "action_ts": action_ts,
            }
        ],
    }
    return await slack.post("payload=" + quote(json.dumps(payload)))


async def test_an_admin_changes_the_survey_from_slack(slack: SlackWorld) -> None:
    """The message form in the DM: where the modal cannot open (an expired trigger), and
    for forms sent before the modal existed."""
    await make_admin(slack)
    slack.api.errors["views.open"] = "expired_trigger_id"
    assert (await slack.command("U0ADA", "admin")).status == 200
    (dm,) = await slack.api.wait_for("chat.postMessage")
    (note,) = await slack.api.wait_for("response_url")
    assert dm["channel"] == "U0ADA" and "admin settings in a direct message" in note["text"]
    assert check_blocks(dm) == []
    shown = json.dumps(dm["blocks"])
    assert "Survey settings" in shown and "Next pulse" in shown
    form = {"ts": "1.000100", "blocks": dm["blocks"]}

    assert (await save(slack, form, {"time": "25:00", "k_comments": "2"}, "1.1")).status == 200
    (_, refusal) = await slack.api.wait_for("response_url", 2)
    text = json.dumps(refusal["blocks"])
    assert "Nothing changed" in text and "got '25:00'" in text and "k_comments" in text
    assert refusal["response_type"] == "ephemeral"
    assert ((await survey(slack)).local_time, (await survey(slack)).k_comments) == ("10:00", 10)

    await save(slack, form, {"time": "08:15", "max_nudges": "2"}, "1.2")
    (update,) = await slack.api.wait_for("chat.update")
    assert update["channel"] == "DADA" and update["ts"] == "1.000100"
    assert "Saved: time." in json.dumps(update["blocks"])
    assert (await survey(slack)).local_time == "08:15"


async def test_a_member_gets_no_admin_form_in_slack(slack: SlackWorld) -> None:
    await slack.command("U0BOB", "admin")
    (reply,) = await slack.api.wait_for("response_url")
    assert "Admins only" in json.dumps(reply["blocks"])
    assert slack.api.of("chat.postMessage") == []
