"""Languages in the core: which language a person reads, locale negotiation, the helpers for
numbers, dates and weeks, an executive's digest (and its chart) in French, custom questions
with translations, and the catalog check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from matplotlib.axes import Axes
from sqlmodel import select
from typer.testing import CliRunner

from adapters.cli import app
from adapters.i18n_catalogs import check_catalogs, extract_template, placeholders
from bot.i18n import (
    LANGUAGES,
    _,
    choose_language,
    format_date,
    format_decimal,
    format_percent,
    format_week,
    negotiate,
    ngettext,
    use_locale,
)
from bot.insights.charts import _digest_chart
from bot.pulse.settings import SettingError, apply_settings
from bot.pulse.surveys import QUESTION_BANK, custom_question
from bot.store.models import Person, Survey
from tests.bot.test_pulse_flow import good_answers
from tests.conftest import World


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("de-AT", "de"),
        ("de_CH", "de"),
        ("pt-BR", "pt_BR"),
        ("pt_br", "pt_BR"),
        ("pt", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("ja-JP", "ja"),
        ("fr-CA", "fr"),
        ("en-GB", "en"),
        ("fi", "fi"),
        ("es-MX", "es"),
        ("xx", None),
        ("klingon", None),
        ("", None),
        (None, None),
    ],
)
def test_locales_negotiate_to_the_languages_we_speak(
    code: str | None, language: str | None
) -> None:
    assert negotiate(code) == language


def test_the_first_language_we_speak_wins_else_english() -> None:
    assert choose_language(None, "de-DE", "ja-JP", "fr") == "de", "the CSV before the platform"
    assert choose_language("fi", "de-DE", "ja-JP", "fr") == "fi", "a choice before all"
    assert choose_language(None, None, "ja-JP", "fr") == "ja"
    assert choose_language(None, "tlh", None, "fr") == "fr", "unknown: the organisation's"
    assert choose_language(None, None, None, None) == "en"


def test_numbers_dates_and_weeks_follow_the_reader() -> None:
    day = datetime(2026, 11, 27, tzinfo=UTC)
    with use_locale("de"):
        assert (format_decimal(1234.56), format_percent(0.42)) == ("1.234,6", "42\xa0%")
        assert format_date(day) == "27.11.2026"
        assert format_week("2026-W49") == "KW 49/2026"
    with use_locale("ja"):
        assert format_week("2026-W49") == "2026年 第49週"
        assert format_date(day) == "2026/11/27"
    with use_locale("fr"):
        assert format_decimal(7.25, 1) == format_decimal(7.25, 1).replace(".", ",")
        assert format_week("2026-W09") == "semaine 9 de 2026"
    with use_locale("en"):
        assert format_week("2026-W09") == "2026-W09", "English keeps the ISO week"
        assert format_decimal(1234.5, 0) == "1,234"


def test_plural_forms_come_from_each_catalog() -> None:
    def streak(n: int) -> str:
        return ngettext("That is {n} pulse in a row.", "That is {n} pulses in a row.", n).format(
            n=n
        )

    with use_locale("de"):
        assert streak(2) == "Das sind 2 Pulsbefragungen in Folge."
    with use_locale("fr"):
        assert streak(1) == "Cela fait 1 pulse d’affilée." and "pulses" in streak(3)
    with use_locale("ja"):
        assert streak(1) == streak(1).replace("s", "") == "1 回連続の回答です。"


def test_the_question_bank_is_translated_in_every_language() -> None:
    for language in LANGUAGES[1:]:
        with use_locale(language):
            for item in QUESTION_BANK:
                assert item.shown_text() != item.text, (language, item.key)


def test_every_catalog_passes_the_check() -> None:
    assert check_catalogs() == []


def test_the_check_names_what_is_missing_and_broken_placeholders() -> None:
    template = extract_template()
    template.add("A sentence no catalog has, {name}.")
    problems = check_catalogs(template)
    assert len(problems) == len(LANGUAGES) - 1
    assert all("is not translated" in p for p in problems)
    assert placeholders("Hi {name}, {n:02d} {{literal}}") == {"name", "n"}


def test_crosspulse_i18n_check_exits_0_when_complete() -> None:
    result = CliRunner().invoke(app, ["i18n", "check"])
    assert result.exit_code == 0, result.output
    assert "complete" in result.output


async def test_an_executive_gets_the_digest_and_its_chart_in_french(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world.db.session() as session:
        ceo = (await session.exec(select(Person).where(Person.email == "ceo@example.com"))).one()
        ceo.language = "fr"
        session.add(ceo)
        await session.commit()
    titles: list[str] = []
    set_title = Axes.set_title

    def spy(axes: Axes, label: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        titles.append(label)
        return set_title(axes, label, *args, **kwargs)

    monkeypatch.setattr(Axes, "set_title", spy)
    _digest_chart.cache_clear()
    await world.tick(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    for email in [f"eng{i}@example.com" for i in range(8)] + [
        f"sales{i}@example.com" for i in range(6)
    ]:
        item = world.port.latest(email, "pulse")
        assert item is not None
        await world.channel.act(
            email,
            action="checkin",
            value=item.message.submit.value,
            answers=good_answers(item.message),
        )
    await world.tick(datetime(2026, 11, 7, 12, 0, tzinfo=UTC))
    assert (await world.tick(datetime(2026, 11, 9, 8, 0, tzinfo=UTC))).digests == 1
    digest = world.port.latest("ceo@example.com", "digest").message
    assert digest.title == "Synthèse de collaboration : organisation, semaine 45 de 2026"
    facts = {f.label: f.value for s in digest.sections for f in s.facts}
    assert "(14 sur 17)" in facts["Taux de réponse"]
    assert facts["Legal"].startswith("masqué"), "department names as the admin wrote them"
    headings = [s.heading for s in digest.sections]
    assert "Carte des silos" in headings and "Ce qui a changé" in headings
    assert digest.image is not None
    assert digest.image.title == "Carte des silos, tendance et services"
    assert digest.image.alt.startswith("Carte des silos de")
    assert titles[:2] == ["Qui a travaillé avec qui (ligne → colonne)", "Engagement (0-100)"]
    assert any(t.startswith("Services cette semaine") for t in titles[2:]), "the heat map's"


async def test_the_organisation_default_applies_to_everyone_without_a_language(
    world: World,
) -> None:
    async with world.db.session() as session:
        survey = (await session.exec(select(Survey))).one()
        await apply_settings(session, survey=survey, pairs=["locale=es-MX"], actor="test")
        survey = (await session.exec(select(Survey))).one()
        assert survey.locale == "es"
        with pytest.raises(SettingError, match="locale must be one of"):
            await apply_settings(session, survey=survey, pairs=["locale=xx"], actor="test")
    shown = await world.channel.command("eng1@example.com", "/pulse language")
    assert shown[0].title == "Tu idioma"


async def test_custom_questions_carry_translations(world: World) -> None:
    pair = (
        "questions=focus:I had time to focus|de=Ich hatte Zeit zum Fokussieren"
        "|ja=集中する時間があった"
    )
    async with world.db.session() as session:
        survey = (await session.exec(select(Survey))).one()
        await apply_settings(session, survey=survey, pairs=[pair], actor="test")
        survey = (await session.exec(select(Survey))).one()
        (spec,) = survey.custom_questions
        assert spec["translations"] == {
            "de": "Ich hatte Zeit zum Fokussieren",
            "ja": "集中する時間があった",
        }
        with pytest.raises(SettingError, match="lang=text"):
            await apply_settings(
                session, survey=survey, pairs=["questions=focus:Some text|xx=Nope"], actor="test"
            )
    question = custom_question(spec)
    with use_locale("de"):
        assert question.shown_text() == "Ich hatte Zeit zum Fokussieren"
    with use_locale("fr"):
        assert question.shown_text() == "I had time to focus", "as the admin wrote it"
    old = custom_question({"key": "old", "text": "The old form still works"})
    with use_locale("ja"):
        assert old.shown_text() == "The old form still works"
    assert _("Your weekly pulse") == "Your weekly pulse"


def test_a_japanese_chart_without_a_japanese_font_keeps_english_labels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No installed font draws Japanese: the chart is labelled in English rather than in
    boxes, its alt text and title still in Japanese."""
    from bot.chat.templates.digest import EXAMPLE
    from bot.insights import charts

    monkeypatch.setattr(charts, "_font_for", lambda language: None)
    titles: list[str] = []
    set_title = Axes.set_title

    def spy(axes: Axes, label: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        titles.append(label)
        return set_title(axes, label, *args, **kwargs)

    monkeypatch.setattr(Axes, "set_title", spy)
    _digest_chart.cache_clear()
    with use_locale("ja"):
        image = charts.digest_chart(EXAMPLE.digest)
    assert image is not None and image.png[:4] == b"\x89PNG"
    assert titles == ["Who worked with whom (row → column)", "Engagement (0-100)"]
    assert image.title == "サイロマップと推移" and "サイロマップ" in image.alt


async def test_an_admin_reads_the_card_and_its_problems_in_german(world: World) -> None:
    from bot.messages import ActionId
    from tests.bot.test_admin_chat import ADMIN, _admin_card, _form

    async with world.db.session() as session:
        admin = (await session.exec(select(Person).where(Person.email == ADMIN))).one()
        admin.language = "de"
        session.add(admin)
        await session.commit()
    card = await _admin_card(world)
    assert card.title == "Crosspulse-Verwaltung"
    assert "Letzte Runde: noch keiner" in card.fallback_text
    answers = _form(card) | {"k_scores": "2", "locale": "xx"}
    (reply,) = await world.channel.act(ADMIN, action=ActionId.ADMIN_SAVE, answers=answers)
    assert reply.title == "Nichts geändert"
    assert "k_scores muss eine ganze Zahl von 3 bis 50 sein; erhalten: '2'" in reply.fallback_text
    assert "locale muss einer dieser Werte sein: en, de, fr" in reply.fallback_text
    answers = _form(card) | {"locale": "ja"}
    (saved,) = await world.channel.act(ADMIN, action=ActionId.ADMIN_SAVE, answers=answers)
    assert "Gespeichert: locale." in saved.fallback_text, "her own choice still wins"
    assert (await world.survey()).locale == "ja"


def test_default_tour_questions_are_asked_in_each_readers_language() -> None:
    """A tour started in English with the default questions asks a German reader in German;
    a question the executive wrote stays as written."""
    from bot.listening.tours import default_questions, question_text

    with use_locale("en"):
        english = default_questions()
    with use_locale("fr"):
        french = default_questions()
    with use_locale("de"):
        german = default_questions()
        assert [question_text(q) for q in english] == german
        assert [question_text(q) for q in french] == german
        assert question_text("What slows your releases?") == "What slows your releases?"
    assert german[0] != english[0] and german[0].endswith("?")


def test_a_japanese_chart_is_labelled_in_japanese_with_the_bundled_font(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """matplotlib-fontja's IPAexGothic draws the Japanese labels: no glyph is missing."""
    import warnings

    from bot.chat.templates.digest import EXAMPLE
    from bot.insights import charts

    titles: list[str] = []
    set_title = Axes.set_title

    def spy(axes: Axes, label: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        titles.append(label)
        return set_title(axes, label, *args, **kwargs)

    monkeypatch.setattr(Axes, "set_title", spy)
    _digest_chart.cache_clear()
    with warnings.catch_warnings(record=True) as caught, use_locale("ja"):
        warnings.simplefilter("always")
        image = charts.digest_chart(EXAMPLE.digest)
    assert image is not None and image.png[:4] == b"\x89PNG"
    assert titles and all(not t.isascii() for t in titles), titles
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing and "missing from" not in caplog.text


def test_a_tour_summary_names_outside_customers_in_the_readers_language() -> None:
    """The customer chain ending outside the company reads in German, as the list does."""
    from bot.chat.templates import tour_summary

    with use_locale("de"):
        text = tour_summary.render(tour_summary.EXAMPLE).fallback_text
        outside = _("customers outside the company")
    assert "customers outside the company" not in text
    assert text.count(outside) >= 2, "in the customers' list and at the end of the chain"
