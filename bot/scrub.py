"""Remove what could name someone from free-text comments before anyone reads them."""

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
MENTION = re.compile(r"<@[\w|.-]+>|@[\w.-]+")
URL = re.compile(r"https?://\S+")


def scrub(text: str, *, names: list[str]) -> str:
    text = EMAIL.sub("[email]", text)
    text = URL.sub("[link]", text)
    text = MENTION.sub("[someone]", text)
    for name in sorted({n for n in names if len(n) >= 3}, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", "[name]", text, flags=re.IGNORECASE)
    return text
