"""Admin in Teams, through botbuilder's TestAdapter on a real database: `/pulse admin` answers
with an Adaptive Card form (valid against the 1.5 schema) holding the current settings; a
submit with a bad field is refused with its reason and changes nothing; a good one updates the
card; a member is refused."""

from __future__ import annotations

import json

from botbuilder.schema import ChannelAccount, ConversationAccount
from jsonschema.protocols import Validator
from sqlmodel import select

from bot.store.models import AuditLog
from tests.adapters.teams.test_render import assert_valid, validator  # noqa: F401
from tests.adapters.teams.test_turn_flows import PERSONAL, Flow, _card
from tests.conftest import World, link

ADMIN = ChannelAccount(id="29:admin", name="Ari Admin", aad_object_id="aad-admin")


def submitted(card: dict, changes: dict[str, str]) -> dict:
    """The submit's `value` as Teams sends it: the action data and every input's value
    (a multi-select's joined by commas)."""
    (submit,) = [a for a in card["actions"] if a["data"]["action"] == "submit:admin_save"]
    inputs = {e["id"]: e.get("value", "") for e in card["body"] if e["type"].startswith("Input.")}
    return {**submit["data"], **inputs, **changes}


async def test_an_admin_changes_the_survey_from_teams(world: World, validator: Validator) -> None:  # noqa: F811
    await link(world.db, "admin@example.com", "teams", ADMIN.aad_object_id)
    flow = Flow(world, ConversationAccount(id="a:admin", conversation_type="personal"))
    flow.adapter.template.from_property = ADMIN
    (reply,) = await flow.say("admin")
    card = _card(reply)
    assert_valid(validator, card)
    executives = next(e for e in card["body"] if e.get("id") == "executives")
    assert executives["isMultiSelect"] and executives["value"] == "ceo@example.com"

    bad = submitted(card, {"digest_time": "8am", "retention_weeks": "1"})
    (refusal,) = await flow.say(value=bad, reply_to_id="admin-card")
    shown = json.dumps(_card(refusal))
    assert "Nothing changed" in shown and "got '8am'" in shown and "retention_weeks" in shown
    survey = await world.survey()
    assert (survey.digest_time, survey.retention_weeks) == ("08:00", 104)

    good = submitted(card, {"executives": "ceo@example.com,eng2@example.com", "k_comments": "12"})
    assert await flow.say(value=good, reply_to_id="admin-card") == []
    (updated,) = flow.adapter.updated_activities
    assert updated.id == "admin-card" and "Saved: executives, k_comments." in json.dumps(
        _card(updated)
    )
    assert (await world.survey()).k_comments == 12
    async with world.db.session() as session:
        (row,) = (await session.exec(select(AuditLog).where(AuditLog.action == "survey.set"))).all()
    assert row.detail == {"keys": ["executives", "k_comments"]}


async def test_a_member_gets_no_admin_card_in_teams(world: World) -> None:
    await link(world.db, "eng1@example.com", "teams", "aad-eng1")
    (reply,) = await Flow(world, PERSONAL).say("admin")
    assert "Admins only" in json.dumps(_card(reply))
