"""Tooling around the message catalogs: extract the template afresh and check every language's
catalog against it (`crosspulse i18n check`, part of `make test`).

A catalog passes when every msgid of the freshly extracted template is translated (no empty
and no fuzzy entry), each translation keeps exactly the msgid's `{placeholders}`, and a plural
entry has every plural form the language's header asks for.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import DEFAULT_LOCALE, LANGUAGES, catalog_path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "adapters")
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)?[^{}]*\}(?!\})")


def extract_template(root: Path = ROOT) -> Catalog:
    """Every `_()`, `ngettext()` and `N_()` string of the sources, as `make i18n-extract`
    writes it to bot/locales/crosspulse.pot."""
    template = Catalog(project="crosspulse")
    for source in SOURCES:
        found = extract_from_dir(
            root / source, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
        )
        for filename, lineno, message, _comments, context in found:
            template.add(message, None, [(f"{source}/{filename}", lineno)], context=context)
    return template


def placeholders(text: str) -> set[str]:
    """The named `{placeholders}` of a str.format text (`{{` is a literal brace)."""
    return {m.group(1) or "" for m in PLACEHOLDER.finditer(text)}


def _problems_of(language: str, entry: Message, found: Message | None, forms: int) -> list[str]:
    msgid = entry.id if isinstance(entry.id, str) else entry.id[0]
    where = f"{language}: {msgid!r}"
    if found is None or not any(
        found.string if isinstance(found.string, tuple | list) else [found.string]
    ):
        return [f"{where} is not translated"]
    if found.fuzzy:
        return [f"{where} is fuzzy (review it and drop the fuzzy flag)"]
    ids = entry.id if isinstance(entry.id, tuple | list) else (entry.id,)
    strings = found.string if isinstance(found.string, tuple | list) else (found.string,)
    problems = []
    if isinstance(entry.id, tuple | list) and (len(strings) != forms or not all(strings)):
        problems.append(f"{where} needs {forms} plural forms, has {sum(map(bool, strings))}")
    wanted = set().union(*(placeholders(i) for i in ids))
    for text in strings:
        if text and placeholders(text) != wanted:
            problems.append(
                f"{where} placeholders {sorted(placeholders(text))} != {sorted(wanted)}"
            )
    return problems


def check_catalogs(template: Catalog | None = None) -> list[str]:
    """Every problem of every catalog against the template; empty when all pass."""
    template = template or extract_template()
    problems: list[str] = []
    for language in LANGUAGES:
        if language == DEFAULT_LOCALE:
            continue
        path = catalog_path(language)
        if not path.exists():
            problems.append(f"{language}: no catalog at {path.relative_to(ROOT)}")
            continue
        with path.open("rb") as po:
            catalog = read_po(po, locale=language)
        for entry in template:
            if not entry.id:
                continue
            problems += _problems_of(language, entry, catalog.get(entry.id), catalog.num_plurals)
    return problems
