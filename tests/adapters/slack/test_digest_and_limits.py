"""Digests reach executives through Slack with their chart, and nothing we send breaks
Slack's Block Kit limits."""

from __future__ import annotations

import importlib
import json
import pkgutil
from datetime import UTC, datetime

import pytest
from sqlmodel import select

import bot.chat.templates
from adapters.slack.limits import check_blocks
from adapters.slack.render import render_home, render_message
from bot.chat.compose import pulse_message
from bot.chat.events import ActionEvent, Actor
from bot.i18n import LANGUAGES, use_locale
from bot.messages import Fact, Message, Section
from bot.people.org import import_rows
from bot.people.tenancy import default_tenant
from bot.store.models import Delivery, Person, Round
from scheduler.jobs import tick
from tests.adapters.slack.conftest import SlackWorld
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import parse_org

TEMPLATES = [m.name for m in pkgutil.iter_modules(bot.chat.templates.__path__)]


@pytest.mark.parametrize("language", LANGUAGES)  # German and Finnish run long
@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_fits_slack_limits(name: str, language: str) -> None:
    module = importlib.import_module(f"bot.chat.templates.{name}")
    with use_locale(language):
        message = module.render(module.EXAMPLE)
    assert message.language == language
    assert check_blocks(render_message(message)) == []
    assert check_blocks(render_home(message), surface="home") == []


def test_oversized_message_is_cut_to_fit() -> None:
    huge = Message(
        kind="digest",
        title="T" * 400,
        fallback_text="x" * 50_000,
        sections=tuple(
            Section(
                heading=f"S{i}",
                text="word " * 900,
                facts=tuple(Fact(f"f{j}", "v" * 2500) for j in range(14)),
            )
            for i in range(30)
        ),
    )
    payload = render_message(huge)
    problems = check_blocks(payload)
    assert len(payload["blocks"]) <= 50
    assert all("12,000" in p for p in problems) or problems == []


def test_limits_catch_violations() -> None:
    bad = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}] * 51}
    problems = check_blocks(bad)
    assert any("51 blocks" in p for p in problems)
    assert any("3000" in p for p in problems)


async def test_weekly_digest_reaches_the_executive_with_its_chart(slack: SlackWorld) -> None:
    async with slack.runtime.db.session() as session:
        tenant = await default_tenant(session, today=slack.clock.at.date())
        rows = "email,name,department,timezone,role,slack_user_id\n"
        rows += "boss@example.com,Boss,Board,Europe/London,executive,U0BOSS\n"
        rows += "".join(
            f"e{i}@example.com,E {i},Eng,Europe/London,member,U0E{i:02d}\n" for i in range(6)
        )
        await import_rows(session, tenant_id=tenant.id, rows=parse_org(rows), actor="test")
        await session.commit()
    await tick(
        slack.runtime.db, now=datetime(2026, 11, 3, 11, 0, tzinfo=UTC), ports=slack.runtime.ports
    )
    async with slack.runtime.db.session() as session:
        round_ = await session.get(Round, 1)
        person = (await session.exec(select(Person).where(Person.email == "e0@example.com"))).one()
        delivery = (
            await session.exec(select(Delivery).where(Delivery.person_id == person.id))
        ).one()
        pulse = await pulse_message(session, person=person, round_=round_, delivery=delivery)
    for i in range(6):
        await slack.runtime.bot.handle(
            ActionEvent(Actor("slack", f"U0E{i:02d}"), "checkin", "1", good_answers(pulse))
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
    assert digest["blocks"][0]["text"]["text"] == "Collaboration digest: organisation, 2026-W45"
    assert check_blocks({"text": digest["text"], "blocks": digest["blocks"]}) == []
    (complete,) = await slack.api.wait_for("files.completeUploadExternal")
    assert complete["channel_id"] == "D0BOSS"
    assert complete.get("thread_ts"), "the chart goes in the digest's thread"
    (png,) = slack.api.uploads.values()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Board: withheld" in json.dumps(digest).replace("*", "").replace("\\n", ": ")
