"""Golden renders: every template's EXAMPLE as each platform shows it, committed under
tests/golden/, so a change to a message shows up in review as a readable diff.

Regenerate after an intended change with `make golden` (or
`CROSSPULSE_UPDATE_GOLDEN=1 pytest tests/adapters/test_golden.py`) and commit tests/golden/.
"""

from __future__ import annotations

import difflib
import importlib
import json
import os
import pkgutil
from pathlib import Path

import pytest

import bot.chat.templates
from adapters.renderers import RENDERERS
from bot.messages import Message

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("CROSSPULSE_UPDATE_GOLDEN") == "1"
TEMPLATES = sorted(m.name for m in pkgutil.iter_modules(bot.chat.templates.__path__))


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


EXTENSIONS = {"console": "txt"}  # the others render JSON


def _file_name(template: str, platform: str) -> str:
    return f"{template}.{platform}.{EXTENSIONS.get(platform, 'json')}"


def _golden_text(platform: str, message: Message) -> str:
    rendered = RENDERERS[platform](message)
    return rendered + "\n" if isinstance(rendered, str) else _json(rendered)


def _example(template: str) -> Message:
    module = importlib.import_module(f"bot.chat.templates.{template}")
    assert hasattr(module, "EXAMPLE"), f"bot/chat/templates/{template}.py needs an EXAMPLE"
    return module.render(module.EXAMPLE)


@pytest.mark.parametrize("platform", sorted(RENDERERS))
@pytest.mark.parametrize("template", TEMPLATES)
def test_render_matches_golden_file(template: str, platform: str) -> None:
    path = GOLDEN / _file_name(template, platform)
    rendered = _golden_text(platform, _example(template))
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make golden` and commit it", pytrace=False)
    committed = path.read_text(encoding="utf-8")
    if rendered != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                rendered.splitlines(keepends=True),
                fromfile=f"tests/golden/{path.name} (committed)",
                tofile=f"{template} rendered for {platform} now",
            )
        )
        pytest.fail(
            f"{template} looks different on {platform}:\n{diff}\n"
            "If the change is intended, run `make golden` and commit tests/golden/.",
            pytrace=False,
        )


def test_no_golden_file_outlives_its_template() -> None:
    expected = {
        f"{t}.{platform}.{EXTENSIONS.get(platform, 'json')}"
        for t in TEMPLATES
        for platform in RENDERERS
    }
    stale = sorted(p.name for p in GOLDEN.glob("*.*") if p.name not in expected)
    assert not stale, f"golden files for no template (delete them): {stale}"
