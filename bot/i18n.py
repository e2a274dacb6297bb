"""The language a message is written in: gettext-style lookups against the current locale.

Templates and handlers write English msgids through `_()` / `ngettext()`; the caller that
knows the reader (the dispatcher for a person, the sender for a pulse, the digest delivery
for an executive) sets the locale around the render with `use_locale()`. `N_()` marks a
module-level constant for extraction and is translated with `_()` when rendered.

Catalogs are the gettext `.po` files under `bot/locales/<lang>/LC_MESSAGES/crosspulse.po`,
read with Babel once per language and compiled in memory (no binary `.mo` in the tree); plural
forms come from each catalog's header. Numbers, percentages and dates follow Babel's CLDR data.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache, wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DEFAULT_LOCALE = "en"
# The languages Crosspulse speaks: English is the source, every other one has a catalog.
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "pt_BR", "fi", "ja")
DOMAIN = "crosspulse"
LOCALES_DIR = Path(__file__).parent / "locales"
# A bare language negotiates to the variant we ship (`pt` -> Brazilian Portuguese).
_ALIASES = {"pt": "pt_BR"}

_current: ContextVar[str] = ContextVar("crosspulse_locale", default=DEFAULT_LOCALE)
P = ParamSpec("P")
R = TypeVar("R")


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=512)  # every render asks again; the answer never changes
def negotiate(code: str | None) -> str | None:
    """The supported language for a locale code (`de-AT` -> de, `pt-BR`, `pt_br`, `pt` ->
    pt_BR, `ja_JP` -> ja), or None when Crosspulse does not speak it."""
    if not code or not isinstance(code, str):
        return None
    code = code.strip().replace("-", "_")
    try:
        parsed = Locale.parse(code)
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    wanted = [str(parsed), parsed.language]
    found = negotiate_locale(wanted, list(LANGUAGES), sep="_", aliases=_ALIASES)
    return found if found in LANGUAGES else None


def choose_language(*candidates: str | None) -> str:
    """The first candidate Crosspulse speaks (in order of preference: the person's own
    choice, their imported locale, their platform's locale, the organisation's default),
    else English."""
    for candidate in candidates:
        if found := negotiate(candidate):
            return found
    return DEFAULT_LOCALE


def current_locale() -> str:
    return _current.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Render everything inside in `locale` (negotiated: `de-AT` is German; None or a
    language Crosspulse does not speak: English)."""
    token = _current.set(negotiate(locale) or DEFAULT_LOCALE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The language's catalog, read once and compiled in memory (fuzzy entries left out)."""
    path = catalog_path(language)
    if language == DEFAULT_LOCALE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """`message` (an English msgid) in the current locale."""
    if not message:
        return message
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n` in the current locale (use `.format(n=n)`)."""
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it now (translate at render)."""
    return message


def in_message_language(render: Callable[P, R]) -> Callable[P, R]:
    """For a renderer whose first argument is a `Message`: render it in the language the
    message was written in (an adapter's own words: button placeholders, form errors)."""

    @wraps(render)
    def rendered(*args: P.args, **kwargs: P.kwargs) -> R:
        language = getattr(args[0], "language", None) if args else None
        with use_locale(language):
            return render(*args, **kwargs)

    return rendered


def _babel_locale() -> Locale:
    return _parsed(_current.get())


@cache
def _parsed(language: str) -> Locale:
    return Locale.parse(language)


def format_decimal(value: float, digits: int = 1) -> str:
    """A figure with a fixed number of decimals: 7.5 -> '7.5' / '7,5'. Rounded as Python's
    `f"{value:.1f}"` rounds, so every language shows the same figure."""
    rounded = Decimal(f"{value:.{digits}f}")
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return numbers.format_decimal(rounded, format=pattern, locale=_babel_locale())


def format_signed(value: float, digits: int = 1) -> str:
    """A change with its sign, as `f"{value:+.1f}"` gives it: +0.4 / -1,2."""
    text = f"{value:+.{digits}f}"
    return text[0] + format_decimal(float(text[1:]), digits)


def format_percent(fraction: float) -> str:
    """0.42 -> '42%' / '42 %' / '42 %'."""
    return numbers.format_percent(fraction, locale=_babel_locale())


def format_date(value: date | datetime, format: str = "medium") -> str:
    """A date as the reader writes it: '27 Nov 2026' / '27.11.2026' / '2026/11/27'."""
    day = value.date() if isinstance(value, datetime) else value
    if _current.get() == DEFAULT_LOCALE and format == "medium":
        return day.strftime("%-d %b %Y")  # the product's English: '27 Nov 2026'
    return dates.format_date(day, format=format, locale=_babel_locale())


def format_datetime(value: datetime) -> str:
    """A local instant in the reader's words, e.g. 'Fri, Nov 27, 10:00' / 'Fr., 27. Nov., 10:00'
    (`value` already in the reader's timezone): the locale's day skeleton and short time, joined
    as the locale joins a date and a time."""
    locale = _babel_locale()
    day = dates.format_skeleton("MMMEd", value, locale=locale)
    time = dates.format_time(value, format="short", locale=locale)
    joined = str(locale.datetime_formats["short"])
    return joined.replace("{1}", day).replace("{0}", time)


def format_week(iso_week: str) -> str:
    """'2026-W49' as the reader names a week: '2026-W49' / 'KW 49/2026' / '2026年第49週'
    (the catalog holds the wording)."""
    year, _sep, number = iso_week.partition("-W")
    if not number.isdigit() or not year.isdigit():
        return iso_week
    return _("{year}-W{week:02d}").format(year=year, week=int(number))


def format_local_time(value: datetime) -> str:
    """A local instant: 'Fri 27 Nov, 10:00' in English, the reader's own form elsewhere."""
    if _current.get() == DEFAULT_LOCALE:
        return value.strftime("%a %-d %b, %H:%M")
    return format_datetime(value)


def language_name(language: str) -> str:
    """A language in its own words: 'Deutsch', '日本語', 'português (Brasil)'."""
    return Locale.parse(language).get_display_name(language) or language
