"""Every template renders its example into a complete message and a readable text."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import bot.chat.templates
from adapters.console.render import render_text

MODULES = [m.name for m in pkgutil.iter_modules(bot.chat.templates.__path__)]


def test_every_kind_has_a_template() -> None:
    assert {
        "pulse",
        "followup",
        "confirmation",
        "notice",
        "help",
        "status",
        "digest",
        "kudos",
    } <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_example_renders(name: str) -> None:
    module = importlib.import_module(f"bot.chat.templates.{name}")
    message = module.render(module.EXAMPLE)
    assert message.title and message.fallback_text
    text = render_text(message)
    assert message.title in text
    for item in message.inputs:
        assert item.label in text, "every question can be answered in plain text"
        assert item.label in message.fallback_text, "notifications read the whole question"


def test_pulse_text_numbers_the_team_choices() -> None:
    from bot.chat.templates import pulse

    text = render_text(pulse.render(pulse.EXAMPLE))
    assert "1) Engineering" in text and "0-10 (0 = Not at all likely" in text


def test_digest_text_never_prints_a_withheld_figure() -> None:
    from bot.chat.templates import digest

    text = render_text(digest.render(digest.EXAMPLE))
    assert "Legal: withheld (fewer than 5 answers)" in text
    assert "What changed" in text and "Support: engagement 73 → 51 (-22)" in text
