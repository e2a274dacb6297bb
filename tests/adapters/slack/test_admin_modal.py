"""The admin settings as a Slack modal, end to end over loopback: `/pulse admin` and App
Home's "Admin settings" open it (views.open with the interaction's trigger); executives are
picked with multi_users_select starting from the current ones; a submission with bad fields
gets each error under its field and changes nothing; a good one closes the modal and the
admin finds the confirmation in the DM."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from sqlmodel import select

from adapters.slack.limits import check_view
from bot.enums import Role
from bot.store.models import AuditLog, Person, Survey
from scheduler.jobs import tick
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_admin import make_admin
from tests.adapters.slack.test_slack_app import SHARED, _home_event


async def open_modal(slack: SlackWorld) -> dict:
    await make_admin(slack)
    async with slack.runtime.db.session() as session:
        cy = (await session.exec(select(Person).where(Person.email == "bob@example.com"))).one()
        cy.role = Role.EXECUTIVE
        session.add(cy)
        await session.commit()
    assert (await slack.command("U0ADA", "admin")).status == 200
    (opened,) = await slack.api.wait_for("views.open")
    assert opened["trigger_id"] == "1.2.3"
    return opened["view"]


def state_of(view: dict, changes: dict[str, object]) -> dict:
    """view.state.values as Slack submits them: every input's value (its initial one
    unless the admin changed it)."""
    values: dict = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, key = block["element"], block["block_id"]
        state: dict = {"type": element["type"]}
        if element["type"] == "plain_text_input":
            state["value"] = changes[key] if key in changes else element.get("initial_value")
        elif element["type"] == "multi_users_select":
            state["selected_users"] = changes.get(key, element.get("initial_users", []))
        elif element["type"] == "multi_static_select":
            picked = element.get("initial_options", [])
            if key in changes:
                picked = [o for o in element["options"] if o["value"] in changes[key]]  # type: ignore[operator]
            state["selected_options"] = picked
        else:
            picked = element.get("initial_option")
            if key in changes:
                picked = next(o for o in element["options"] if o["value"] == changes[key])
            state["selected_option"] = picked
        values[key] = {element["action_id"]: state}
    return values


async def submit(slack: SlackWorld, view: dict, changes: dict[str, object]) -> dict:
    payload = {
        "type": "view_submission",
        "team": {"id": "T111"},
        "user": {"id": "U0ADA", "team_id": "T111"},
        "api_app_id": "A111",
        "token": "x",
        "trigger_id": "4.5.6",
        "view": {**view, "id": "VMODAL", "state": {"values": state_of(view, changes)}},
    }
    response = await slack.post("payload=" + quote(json.dumps(payload)))
    assert response.status == 200
    text = await response.text()
    return json.loads(text) if text else {}


async def survey(slack: SlackWorld) -> Survey:
    async with slack.runtime.db.session() as session:
        return (await session.exec(select(Survey))).one()


async def test_admin_opens_a_valid_modal_with_executives_as_people(slack: SlackWorld) -> None:
    view = await open_modal(slack)
    assert check_view(view) == []
    assert view["type"] == "modal" and view["callback_id"] == "admin_settings"
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    executives = blocks["executives"]["element"]
    assert executives["type"] == "multi_users_select"
    assert executives["initial_users"] == ["U0BOB"]
    audience = blocks["audience"]["element"]
    assert audience["type"] == "multi_static_select"
    assert [o["text"]["text"] for o in audience["options"]] == ["Engineering", "Sales"]
    assert blocks["time"]["element"]["initial_value"] == "10:00"
    assert "Next pulse" in json.dumps(view["blocks"])
    assert slack.api.of("chat.postMessage") == [] and slack.api.of("response_url") == []


async def test_bad_fields_are_named_under_each_and_nothing_changes(slack: SlackWorld) -> None:
    view = await open_modal(slack)
    answer = await submit(
        slack, view, {"time": "25:00", "k_comments": "4", "executives": ["U0ADA", "U0NOPE"]}
    )
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert set(errors) == {"time", "k_comments", "executives"}
    assert "got '25:00'" in errors["time"]
    assert "k_comments must be at least k_scores (5)" in errors["k_comments"]
    assert "1 of the people picked is not in Crosspulse's organisation" in errors["executives"]
    now = await survey(slack)
    assert (now.local_time, now.k_comments) == ("10:00", 10)
    async with slack.runtime.db.session() as session:
        bob = (await session.exec(select(Person).where(Person.email == "bob@example.com"))).one()
        assert bob.role == Role.EXECUTIVE
        assert (
            await session.exec(select(AuditLog).where(AuditLog.action == "survey.set"))
        ).all() == []
    assert slack.api.of("chat.postMessage") == []


async def test_a_good_form_closes_and_is_confirmed_in_the_dm(slack: SlackWorld) -> None:
    view = await open_modal(slack)
    answer = await submit(
        slack, view, {"time": "08:15", "executives": ["U0ADA"], "audience": ["d:1"]}
    )
    assert answer == {}, "an empty ack closes the modal"
    (dm,) = await slack.api.wait_for("chat.postMessage")
    assert dm["channel"] == "U0ADA"
    assert "Survey settings saved" in json.dumps(dm["blocks"])
    assert "Changed: time, audience, executives." in dm["text"]
    now = await survey(slack)
    assert (now.local_time, now.audience) == ("08:15", ["Engineering"])
    async with slack.runtime.db.session() as session:
        roles = {p.email: p.role for p in (await session.exec(select(Person))).all()}
    assert roles["bob@example.com"] == Role.MEMBER, "no longer picked"
    assert roles["ada@example.com"] == Role.ADMIN, "an admin stays admin"


async def test_app_home_admin_button_opens_the_modal(slack: SlackWorld) -> None:
    await make_admin(slack)
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ADA", "team_id": "T111"},
        "team": {"id": "T111"},
        "api_app_id": "A111",
        "token": "x",
        "container": {"type": "view", "view_id": "VHOME"},
        "trigger_id": "7.8.9",
        "view": {"id": "VHOME", "type": "home"},
        "actions": [
            {
                "action_id": "action:admin",
                "block_id": "buttons",
                "value": "-",
                "type": "button",
                "action_ts": "3.1",
            }
        ],
    }
    assert (await slack.post("payload=" + quote(json.dumps(payload)))).status == 200
    (opened,) = await slack.api.wait_for("views.open")
    assert opened["trigger_id"] == "7.8.9" and opened["view"]["callback_id"] == "admin_settings"


async def test_a_member_cannot_save_the_form(slack: SlackWorld) -> None:
    view = await open_modal(slack)
    payload_user = {"id": "U0BOB", "team_id": "T111"}
    payload = {
        "type": "view_submission",
        "team": {"id": "T111"},
        "user": payload_user,
        "api_app_id": "A111",
        "token": "x",
        "trigger_id": "4.5.7",
        "view": {**view, "state": {"values": state_of(view, {"time": "07:00"})}},
    }
    response = await slack.post("payload=" + quote(json.dumps(payload)))
    assert response.status == 200
    (dm,) = await slack.api.wait_for("chat.postMessage")
    assert dm["channel"] == "U0BOB" and "Admins only" in json.dumps(dm["blocks"])
    assert (await survey(slack)).local_time == "10:00"


@pytest.fixture
def home_payload() -> None:
    if not (SHARED / "payloads").exists():
        pytest.fail("../shared/payloads is absent: check out ../shared beside this repository")


async def test_an_admins_home_shows_delivery_status_and_the_admin_button(
    slack: SlackWorld, home_payload: None
) -> None:
    """After a round went out: sent and unreachable (Cy has no Slack account), answers
    withheld below the threshold, the next pulse and digest; a member sees none of it."""
    await make_admin(slack)
    await tick(
        slack.runtime.db, now=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), ports=slack.runtime.ports
    )
    await slack.post(_home_event("U0ADA", "EvAH1"), content_type="application/json")
    await slack.post(_home_event("U0BOB", "EvAH2"), content_type="application/json")
    published = {p["user_id"]: p["view"] for p in await slack.api.wait_for("views.publish", 2)}
    admin, member = published["U0ADA"], published["U0BOB"]
    assert check_view(admin) == []
    text = json.dumps(admin["blocks"])
    for shown in (
        "Delivery (admin)",
        "*Last round*\\n2026-W45",
        "*Sent*\\n2",
        "Cy C: no chat account linked",
        "fewer than 5 so far",
        "*Next pulse*\\n",
        "*Next digest*\\n",
    ):
        assert shown in text, shown
    buttons = [
        e["action_id"] for b in admin["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "action:admin" in buttons
    assert "Delivery (admin)" not in json.dumps(member["blocks"])


async def test_custom_questions_are_added_and_removed_in_the_modal(slack: SlackWorld) -> None:
    view = await open_modal(slack)
    fields = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    assert {"question_key", "question_text"} <= fields and "questions_remove" not in fields
    assert check_view(view) == []

    bad = await submit(slack, view, {"question_key": "Focus time", "question_text": "Hi"})
    assert bad["response_action"] == "errors"
    assert "'Focus time:Hi' must be key:text" in bad["errors"]["question_text"]
    assert (await survey(slack)).custom_questions == []

    good = {"question_key": "focus_time", "question_text": "I had time to focus this week"}
    assert await submit(slack, view, good) == {}
    assert (await survey(slack)).custom_questions == [
        {"key": "focus_time", "text": "I had time to focus this week"}
    ]
    (dm,) = await slack.api.wait_for("chat.postMessage")
    assert "Changed: questions." in dm["text"]

    slack.api.calls.clear()
    assert (await slack.command("U0ADA", "admin", channel="DADA")).status == 200
    (opened,) = await slack.api.wait_for("views.open")
    view = opened["view"]
    (remove,) = [b for b in view["blocks"] if b.get("block_id") == "questions_remove"]
    options = remove["element"]["options"]
    assert [o["text"]["text"] for o in options] == ["focus_time: I had time to focus this week"]
    second = {"question_key": "cross_team", "question_text": "Other teams answered me fast"}
    duplicate = {"question_key": "focus_time", "question_text": "Another focus question"}
    twice = await submit(slack, view, duplicate)
    assert twice["errors"] == {"question_text": "questions: key 'focus_time' is used twice"}
    assert await submit(slack, view, {"questions_remove": ["focus_time"], **second}) == {}
    assert (await survey(slack)).custom_questions == [
        {"key": "cross_team", "text": "Other teams answered me fast"}
    ]
