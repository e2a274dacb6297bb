"""Every person in their own language, over Teams end to end: the locale Teams sends on each
activity (or the organisation CSV's, which wins) decides the language of the proactive pulse,
its nudge and the confirmation that replaces the card."""

from __future__ import annotations

import importlib
import json
import pkgutil
from datetime import UTC, datetime

import pytest
from sqlmodel import select

import bot.chat.templates
from adapters.teams.render import MAX_ACTIVITY_BYTES, render_activity
from bot.i18n import LANGUAGES, _, use_locale
from bot.store.models import Person
from scheduler.jobs import tick
from tests.adapters.teams.test_teams_app import (  # noqa: F401 (the `teams` fixture)
    TeamsWorld,
    _link_megan,
    _validate,
    payload,
    teams,
)

TEMPLATES = sorted(m.name for m in pkgutil.iter_modules(bot.chat.templates.__path__))
PULSE_SENT = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)  # Tuesday 10:00 London
NUDGE_DUE = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)


def _activity(world: TeamsWorld, locale: str, **changes: object) -> dict:
    activity = payload("teams_message_activity_personal.json", world.connector, **changes)
    activity["attachments"] = []
    activity["locale"] = locale
    return activity


def _title(card: dict) -> str:
    return next(e["text"] for e in card["body"] if e.get("type") == "TextBlock")


@pytest.mark.parametrize(
    ("teams_locale", "csv_locale", "pulse", "reminder", "received", "question"),
    [
        (
            "de-DE",
            None,
            "Ihre wöchentliche Pulsbefragung",
            "Erinnerung: Ihre wöchentliche Pulsbefragung",
            "Check-in erhalten",
            "Wie energiegeladen haben Sie sich diese Woche bei der Arbeit gefühlt?",
        ),
        (
            "en-US",  # the organisation CSV's locale comes before the client's
            "ja-JP",
            "今週のパルスサーベイ",
            "リマインダー: 今週のパルスサーベイ",
            "回答を受け付けました",
            "今週、仕事でどれくらい活力を感じましたか？",
        ),
    ],
    ids=["de-from-teams", "ja-from-the-csv"],
)
async def test_pulse_nudge_and_confirmation_in_the_readers_language(
    teams: TeamsWorld,  # noqa: F811
    teams_locale: str,
    csv_locale: str | None,
    pulse: str,
    reminder: str,
    received: str,
    question: str,
) -> None:
    async with teams.runtime.db.session() as session:
        megan = (
            await session.exec(select(Person).where(Person.email == "megan@example.com"))
        ).one()
        megan.locale = csv_locale
        session.add(megan)
        await session.commit()
    await _link_megan(teams)
    await teams.post(_activity(teams, teams_locale, text="status"))  # her 1:1 chat
    async with teams.runtime.db.session() as session:
        megan = (
            await session.exec(select(Person).where(Person.email == "megan@example.com"))
        ).one()
        assert megan.platform_locale == teams_locale, "Teams' locale is kept on the person"

    before = len(teams.connector.sent)
    report = await tick(teams.runtime.db, now=PULSE_SENT, ports=teams.runtime.ports)
    assert report.sent >= 1
    card = teams.connector.cards()[-1]
    _validate(card)
    assert _title(card) == pulse
    assert question in json.dumps(card, ensure_ascii=False)
    assert len(teams.connector.sent) == before + 1

    await tick(teams.runtime.db, now=NUDGE_DUE, ports=teams.runtime.ports)
    nudge = teams.connector.cards()[-1]
    _validate(nudge)
    assert _title(nudge) == reminder

    submit = next(a for a in card["actions"] if a["data"]["action"] == "submit:checkin")
    keys = [e["id"] for e in card["body"] if "id" in e]
    answers = {k: "4" for k in keys if k == "energy" or k.startswith("bank.")}
    click = _activity(
        teams,
        teams_locale,
        text=None,
        value={**submit["data"], **answers, "enps": "9"},
        replyToId="act-1",
    )
    assert await teams.post(click) in (200, 201)
    update = teams.connector.sent[-1]
    assert (update.method, update.activity_id) == ("update", "act-1")
    assert received in json.dumps(update.body, ensure_ascii=False)


async def test_a_stranger_is_answered_in_the_language_teams_reports(
    teams: TeamsWorld,  # noqa: F811
) -> None:
    stranger = _activity(teams, "fr-FR", text="help")
    await teams.post(stranger)
    assert "Je ne vous connais pas encore" in json.dumps(
        teams.connector.cards()[-1], ensure_ascii=False
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_fits_a_teams_card_in_every_language(name: str, language: str) -> None:
    """German and Finnish run long, Japanese has no spaces to cut on: every template's
    card still validates against Adaptive Cards 1.5 and stays under Teams' 28 KB."""
    module = importlib.import_module(f"bot.chat.templates.{name}")
    with use_locale(language):
        message = module.render(module.EXAMPLE)
    activity = render_activity(message)
    assert len(json.dumps(activity).encode("utf-8")) < MAX_ACTIVITY_BYTES
    _validate(activity["attachments"][0]["content"])
    required = [i for i in message.inputs if not i.optional]
    if required and language != "en":  # the card's own words are in the language too
        card = json.dumps(activity, ensure_ascii=False)
        with use_locale(language):
            assert _("This question needs an answer: pick one option, then send again.") in (
                card
            ) or _("This question needs an answer: write a few words, then send again.") in card
