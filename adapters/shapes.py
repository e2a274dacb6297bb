"""Small type checks for JSON payloads, composed into the shape each platform's hardening
expects: platform libraries read fields without checking their type, and a wrong type
deep inside them is a 500 (and a traceback) instead of the 400 it deserves."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from adapters.http_guard import is_token

Check = Callable[[Any], bool]
_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+")


def ident(value: Any) -> bool:
    """An id, or null: a short string without control characters."""
    return value is None or is_token(value, longest=2000)


def strict_ident(value: Any) -> bool:
    """An id that must be there: libraries match it against a pattern or look it up."""
    return is_token(value, longest=2000)


def text(value: Any) -> bool:
    """Free text, or null: what people typed (cleaned by the core, not here)."""
    return value is None or isinstance(value, str)


def flag(value: Any) -> bool:
    return value is None or isinstance(value, bool)


def url(value: Any) -> bool:
    """http(s) only: a library will send a request to it."""
    return isinstance(value, str) and len(value) <= 2000 and bool(_URL.fullmatch(value))


def fields_ok(value: dict, fields: dict[str, Check], required: tuple[str, ...] = ()) -> bool:
    """Each listed field present in `value` passes its check (the `required` ones must be
    present); others are left alone."""
    return all(key in value for key in required) and all(
        check(value[key]) for key, check in fields.items() if key in value
    )


def obj(
    fields: dict[str, Check] | None = None, *, null: bool = True, required: tuple[str, ...] = ()
) -> Check:
    def check(value: Any) -> bool:
        if value is None:
            return null
        return isinstance(value, dict) and fields_ok(value, fields or {}, required)

    return check


def ident_or_obj(fields: dict[str, Check]) -> Check:
    """Slack names a user, team or channel either by its id or by an object."""
    as_object = obj(fields)
    return lambda value: strict_ident(value) if isinstance(value, str) else as_object(value)


def objects(
    fields: dict[str, Check], *, empty: bool = True, required: tuple[str, ...] = ()
) -> Check:
    """A list of objects, each with `fields`, or null; `empty=False` (no null either) when
    libraries read item 0."""

    def check(value: Any) -> bool:
        if value is None:
            return empty
        return (
            isinstance(value, list)
            and (empty or bool(value))
            and all(isinstance(v, dict) and fields_ok(v, fields, required) for v in value)
        )

    return check


def map_of(check: Check) -> Check:
    """An object (or null) whose every value passes `check`."""
    return lambda value: (
        value is None or (isinstance(value, dict) and all(check(v) for v in value.values()))
    )
