"""The one `/pulse` grammar, shared by every chat platform and the console."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Verb(StrEnum):
    CHECKIN = "checkin"
    HELP = "help"
    STATUS = "status"
    THANKS = "thanks"
    OPTOUT = "optout"
    OPTIN = "optin"
    FORGET = "forget-me"
    DIGEST = "digest"
    SILOS = "silos"
    TREND = "trend"
    MUTE = "mute-nudges"
    UNMUTE = "unmute-nudges"
    UNKNOWN = "unknown"


ALIASES = {
    "": Verb.CHECKIN,
    "checkin": Verb.CHECKIN,
    "check-in": Verb.CHECKIN,
    "now": Verb.CHECKIN,
    "help": Verb.HELP,
    "?": Verb.HELP,
    "status": Verb.STATUS,
    "me": Verb.STATUS,
    "thanks": Verb.THANKS,
    "thank": Verb.THANKS,
    "kudos": Verb.THANKS,
    "optout": Verb.OPTOUT,
    "opt-out": Verb.OPTOUT,
    "optin": Verb.OPTIN,
    "opt-in": Verb.OPTIN,
    "forget-me": Verb.FORGET,
    "forgetme": Verb.FORGET,
    "forget": Verb.FORGET,
    "digest": Verb.DIGEST,
    "silos": Verb.SILOS,
    "trend": Verb.TREND,
    "mute": Verb.MUTE,
    "mute-nudges": Verb.MUTE,
    "unmute": Verb.UNMUTE,
    "unmute-nudges": Verb.UNMUTE,
}
MENTION = re.compile(r"^<@([A-Za-z0-9._:-]+)(?:\|[^>]*)?>$")
MAX_TEXT = 2000


@dataclass(frozen=True)
class Command:
    verb: Verb
    argument: str = ""  # digest: department; thanks: the message
    target: str = ""  # thanks: a mention id, an e-mail or a name
    raw: str = ""


def parse(text: str) -> Command:
    """Parse what follows `/pulse`; unknown input becomes UNKNOWN (answered with help)."""
    text = (text or "").strip()[:MAX_TEXT]
    if text.lower().startswith("/pulse"):
        text = text[len("/pulse") :].strip()
    word, _, rest = text.partition(" ")
    verb = ALIASES.get(word.lower(), Verb.UNKNOWN)
    rest = rest.strip()
    if verb == Verb.THANKS:
        target, _, message = rest.partition(" ")
        mention = MENTION.match(target)
        return Command(
            verb,
            argument=message.strip(),
            target=mention.group(1) if mention else target.lstrip("@"),
            raw=text,
        )
    return Command(verb, argument=rest, raw=text)
