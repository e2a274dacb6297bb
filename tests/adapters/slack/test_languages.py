"""Every person in their own language, over Slack end to end: a German-speaking and a
Japanese-speaking person get their pulse, their nudge and their confirmation in their
language; `/pulse language` changes the next message; an unknown code gets the choices."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from adapters.slack.limits import check_blocks
from adapters.slack.modal import render_modal
from adapters.slack.render import render_message
from bot.chat.templates import admin, pulse
from bot.i18n import LANGUAGES, use_locale
from bot.pulse.surveys import custom_question
from bot.store.models import Person
from scheduler.jobs import tick
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_slack_app import _state_for

PULSE_SENT = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)  # Tuesday 10:00 London
NUDGE_DUE = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)  # 24 hours on, unanswered


async def _languages(slack: SlackWorld, **by_email: dict[str, str]) -> None:
    async with slack.runtime.db.session() as session:
        for email, fields in by_email.items():
            person = (
                await session.exec(select(Person).where(Person.email == f"{email}@example.com"))
            ).one()
            for name, value in fields.items():
                setattr(person, name, value)
            session.add(person)
        await session.commit()


def _dm(slack: SlackWorld, user: str) -> list[dict]:
    return [p for p in slack.api.of("chat.postMessage") if p["channel"] == user]


def _answers(blocks: list[dict]) -> dict:
    answers: dict = {"enps": "8", "energy": "4"}
    for block in blocks:
        if block["type"] == "actions" and block["block_id"].startswith("bank."):
            answers[block["block_id"]] = "4"
    return _state_for(blocks, answers)


async def test_german_and_japanese_readers_get_pulse_nudge_and_confirmation(
    slack: SlackWorld,
) -> None:
    # Ada's language comes from the organisation CSV, Bob's from Slack's own locale.
    await _languages(
        slack, ada={"locale": "de-AT"}, bob={"platform_locale": "ja-JP", "locale": None}
    )
    report = await tick(slack.runtime.db, now=PULSE_SENT, ports=slack.runtime.ports)
    assert report.sent == 2
    (ada_pulse,) = _dm(slack, "U0ADA")
    (bob_pulse,) = _dm(slack, "U0BOB")
    assert ada_pulse["blocks"][0]["text"]["text"] == "Ihre wöchentliche Pulsbefragung"
    assert "KW 45/2026" in ada_pulse["text"]
    ada_text = json.dumps(ada_pulse["blocks"], ensure_ascii=False)
    assert "Wie wahrscheinlich ist es" in ada_text and "Check-in senden" in ada_text
    assert "Nein, niemand hat mich blockiert" in ada_text
    assert bob_pulse["blocks"][0]["text"]["text"] == "今週のパルスサーベイ"
    bob_text = json.dumps(bob_pulse["blocks"], ensure_ascii=False)
    assert "友人にこの職場で働くことをどの程度勧めたいと思いますか？" in bob_text
    assert "回答を送信" in bob_text and "2026年 第45週" in bob_pulse["text"]
    assert "weekly pulse" not in ada_text + bob_text

    nudged = await tick(slack.runtime.db, now=NUDGE_DUE, ports=slack.runtime.ports)
    assert nudged.nudges == 2
    assert _dm(slack, "U0ADA")[-1]["blocks"][0]["text"]["text"] == (
        "Erinnerung: Ihre wöchentliche Pulsbefragung"
    )
    assert (
        _dm(slack, "U0BOB")[-1]["blocks"][0]["text"]["text"] == "リマインダー: 今週のパルスサーベイ"
    )

    for user, channel, received in (
        ("U0ADA", "D0ADA", "Check-in erhalten"),
        ("U0BOB", "D0BOB", "回答を受け付けました"),
    ):
        blocks = _dm(slack, user)[0]["blocks"]
        submit = next(
            e
            for b in blocks
            if b.get("block_id") == "buttons"
            for e in b["elements"]
            if e["action_id"] == "submit:checkin"
        )
        before = len(slack.api.of("chat.update"))
        response = await slack.click(
            user,
            submit["action_id"],
            submit["value"],
            channel=channel,
            ts="1.0001",
            state=_answers(blocks),
        )
        assert response.status == 200
        updates = await slack.api.wait_for("chat.update", before + 1)
        assert updates[-1]["blocks"][0]["text"]["text"] == received


async def test_pulse_language_changes_the_next_message(slack: SlackWorld) -> None:
    await slack.command("U0ADA", "language fi")
    (changed,) = await slack.api.wait_for("response_url")
    assert "Kieli vaihdettu" in changed["text"] and "suomi" in changed["text"]
    await slack.command("U0ADA", "status")
    replies = await slack.api.wait_for("response_url", 2)
    status = json.dumps(replies[-1]["blocks"], ensure_ascii=False)
    assert "Pulssitilanteesi" in status and "Viimeisin vastaus" in status
    async with slack.runtime.db.session() as session:
        ada = (await session.exec(select(Person).where(Person.email == "ada@example.com"))).one()
        assert ada.language == "fi"
    # Alone, the command says which language and lists the choices, in that language.
    await slack.command("U0ADA", "language")
    shown = (await slack.api.wait_for("response_url", 3))[-1]["text"]
    assert "Kirjoitan sinulle tällä kielellä: suomi" in shown and "`ja` (日本語)" in shown
    # `auto` goes back to the imported, platform or organisation language: English here.
    await slack.command("U0ADA", "language auto")
    back = (await slack.api.wait_for("response_url", 4))[-1]["text"]
    assert back.startswith("Language changed") and "English" in back


async def test_an_unknown_language_gets_the_choices_and_changes_nothing(
    slack: SlackWorld,
) -> None:
    await _languages(slack, bob={"language": "de"})
    await slack.command("U0BOB", "language klingon")
    (answer,) = await slack.api.wait_for("response_url")
    assert answer["response_type"] == "ephemeral"
    text = answer["text"]
    assert "Unbekannte Sprache" in text and "„klingon“ spreche ich nicht" in text
    for code in ("`en`", "`de`", "`fr`", "`es`", "`pt_BR`", "`fi`", "`ja`"):
        assert code in text
    async with slack.runtime.db.session() as session:
        bob = (await session.exec(select(Person).where(Person.email == "bob@example.com"))).one()
        assert bob.language == "de"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_admin_modal_fits_in_every_language(language: str) -> None:
    with use_locale(language):
        message = admin.render(admin.EXAMPLE)
    view = render_modal(message, people={})
    assert check_blocks(view, surface="modal") == []
    assert all(len(view[k]["text"]) <= 24 for k in ("title", "submit", "close"))


def test_a_long_japanese_pulse_without_spaces_fits() -> None:
    """Japanese has no spaces to wrap or cut on: a 200-character custom question and long
    department names still make a valid Block Kit message."""
    question = "今週" + "チームの連携について感じたこと" * 13
    spec = {"key": "long", "text": "A long question", "translations": {"ja": question[:200]}}
    teams = tuple((n, f"第{n}プラットフォーム基盤開発部門") for n in range(2, 14))
    data = replace(
        pulse.EXAMPLE,
        questions=(*pulse.EXAMPLE.questions, custom_question(spec)),
        other_departments=teams,
    )
    with use_locale("ja"):
        message = pulse.render(data)
    assert question[:200] in message.fallback_text
    assert check_blocks(render_message(message)) == []


async def test_slacks_locale_is_asked_once_on_first_contact(slack: SlackWorld) -> None:
    """No directory sync has run: Bob's first command asks users.info for his locale
    (ja-JP), the answer is already Japanese, and his next command asks Slack nothing."""
    slack.api.users = [{"id": "U0BOB", "name": "bob", "locale": "ja-JP", "profile": {}}]
    await _languages(slack, bob={"locale": None})
    await slack.command("U0BOB", "status")
    (reply,) = await slack.api.wait_for("response_url")
    assert "パルスの状況" in json.dumps(reply["blocks"], ensure_ascii=False)
    (asked,) = slack.api.of("users.info")
    assert asked["user"] == "U0BOB" and asked["include_locale"] in ("1", "true", True)
    await slack.command("U0BOB", "help")
    await slack.api.wait_for("response_url", 2)
    assert len(slack.api.of("users.info")) == 1
    async with slack.runtime.db.session() as session:
        bob = (await session.exec(select(Person).where(Person.email == "bob@example.com"))).one()
        assert bob.platform_locale == "ja-JP"


async def test_slack_is_not_asked_for_a_locale_the_csv_gave(slack: SlackWorld) -> None:
    """Ada's CSV says de-AT: her command is answered in German without a users.info call
    (a network call made only when nothing Crosspulse holds names her language)."""
    slack.api.users = [{"id": "U0ADA", "name": "ada", "locale": "ja-JP", "profile": {}}]
    await _languages(slack, ada={"locale": "de-AT"})
    await slack.command("U0ADA", "status")
    (reply,) = await slack.api.wait_for("response_url")
    assert "Ihr Pulsstatus" in json.dumps(reply["blocks"], ensure_ascii=False)
    assert slack.api.of("users.info") == []
