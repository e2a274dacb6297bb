"""The language a message is written in: gettext-style lookups against the current locale.

Templates and handlers write English msgids through `_()` / `ngettext()`; the caller that
knows the reader (the dispatcher for a person, the sender for a pulse, the digest delivery
for an executive) sets the locale around the render with `use_locale()`. `N_()` marks a
module-level constant for extraction and is translated with `_()` when rendered.

Stub API (issue 18 fills in Babel catalogs): until then every lookup returns the English text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

DEFAULT_LOCALE = "en"
_current: ContextVar[str] = ContextVar("crosspulse_locale", default=DEFAULT_LOCALE)


def current_locale() -> str:
    return _current.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Render everything inside in `locale` (None or unknown: English)."""
    token = _current.set(locale or DEFAULT_LOCALE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """`message` (an English msgid) in the current locale."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n` in the current locale (use `.format(n=n)`)."""
    return singular if n == 1 else plural


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it now (translate at render)."""
    return message
