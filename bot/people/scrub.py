"""Remove what could name someone from free-text comments, before they are stored.

Names are matched word by word against a set of the organisation's name parts (one pass
over the text, whatever the size of the directory), case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
MENTION = re.compile(r"<@[\w|.-]+>|@[\w.-]+")
URL = re.compile(r"https?://\S+")
WORD = re.compile(r"[\w'’-]+")
REPEATED = re.compile(r"\[name\](?:\s+\[name\])+")
MIN_NAME = 3


class NameIndex:
    """Every part (of three letters or more) of every name, lower-cased."""

    def __init__(self, names: Iterable[str]) -> None:
        self.parts = frozenset(
            part.lower() for full in names for part in full.split() if len(part) >= MIN_NAME
        )

    def scrub(self, text: str) -> str:
        text = EMAIL.sub("[email]", text)
        text = URL.sub("[link]", text)
        text = MENTION.sub("[someone]", text)
        text = WORD.sub(lambda m: "[name]" if m[0].lower() in self.parts else m[0], text)
        return REPEATED.sub("[name]", text)


def scrub(text: str, *, names: Iterable[str]) -> str:
    return NameIndex(names).scrub(text)
