"""Text that people typed or an import carried, made safe to store on every database.

PostgreSQL refuses a NUL byte in text (psycopg raises DataError) while SQLite stores it, so
the same answer would be kept on one database and lost on the other. Control characters
also garble chat messages and CSV exports. Cleaning them where text enters keeps both
databases, and what people see, the same.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, the Unicode line/paragraph separators and lone surrogates (no
# database can encode those); tab and newline are handled apart (kept in multi-line text,
# turned into spaces in one-line values).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NEWLINES = re.compile(r"\r\n?")
_LINE_BREAKS = re.compile(r" *[\t\n][ \t\n]*")


def clean_text(text: str, *, multiline: bool = True) -> str:
    """Drop NUL and other control characters; keep newlines and tabs in multi-line text,
    turn each run of them into one space otherwise. Surrounding whitespace is stripped."""
    text = _NEWLINES.sub("\n", text)
    text = _CONTROL.sub("", text)
    if not multiline:
        text = _LINE_BREAKS.sub(" ", text)
    return text.strip()
