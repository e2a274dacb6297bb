"""The one `/pulse` grammar, shared by every chat platform and the console.

`REGISTRY` is the single list of commands: the parser's words, the help message and each
platform's command menu are all generated from it, so they cannot drift apart. To add a
command: add a `Verb`, add its `CommandSpec` here, and give the verb a handler in `COMMANDS`
(`bot/chat/handlers/__init__.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import N_

PREFIX = "/pulse"  # what people type before a command; optional in one-to-one chats


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
    ADMIN = "admin"
    CONVERSATIONS = "conversations"
    INTROS = "intros"
    INTRODUCTIONS = "introductions"
    LISTEN = "listen"
    LANGUAGE = "language"
    UNKNOWN = "unknown"


class Audience(StrEnum):
    """Who may use a command; help shows a person only what they may use."""

    EVERYONE = "everyone"
    LEADERS = "leaders"  # executives and admins (managers get their own people's digest)


@dataclass(frozen=True)
class CommandSpec:
    """One command as people meet it. `menu`: worth a place in a platform's short command
    menu (some allow only ten); `shared`: useful in a group conversation too, not only
    one-to-one; `bare`: also what an empty `/pulse` does, so help shows it without a word."""

    verb: Verb
    help: str  # an English msgid (N_): shown through `_()` in the reader's language
    aliases: tuple[str, ...] = ()
    audience: Audience = Audience.EVERYONE
    arguments: str = ""
    menu: bool = True
    shared: bool = False
    bare: bool = False

    @property
    def name(self) -> str:
        return self.verb.value

    @property
    def words(self) -> tuple[str, ...]:
        """Every word that selects this command, its name first."""
        return (self.name, *self.aliases)

    @property
    def invocation(self) -> str:
        """The command without the prefix, as typed: `thanks @person message`."""
        return " ".join(p for p in ("" if self.bare else self.name, self.arguments) if p)

    @property
    def usage(self) -> str:
        """The full form shown in help: `/pulse thanks @person message`."""
        return f"{PREFIX} {self.invocation}".rstrip()


REGISTRY: tuple[CommandSpec, ...] = (
    CommandSpec(Verb.CHECKIN, N_("check in now"), aliases=("", "check-in", "now"), bare=True),
    CommandSpec(
        Verb.STATUS,
        N_("your last check-in, your streak, your team's trend"),
        ("me",),
        shared=True,
    ),
    CommandSpec(
        Verb.THANKS,
        N_("thank someone in another team"),
        ("thank", "kudos"),
        arguments="@person message",
        shared=True,
    ),
    CommandSpec(Verb.OPTOUT, N_("stop receiving pulses"), ("opt-out",)),
    # The reply to optout and mute says how to undo them, so the undo can leave the menu.
    CommandSpec(Verb.OPTIN, N_("receive pulses again"), ("opt-in",), menu=False),
    CommandSpec(Verb.MUTE, N_("no reminders; the weekly pulse still comes"), ("mute",)),
    CommandSpec(Verb.UNMUTE, N_("reminders back on"), ("unmute",), menu=False),
    CommandSpec(
        Verb.FORGET, N_("erase everything Crosspulse holds about you"), ("forgetme", "forget")
    ),
    CommandSpec(Verb.HELP, N_("what Crosspulse can do"), ("?",), shared=True),
    CommandSpec(
        Verb.DIGEST,
        N_("this week's digest, for the organisation or a department"),
        audience=Audience.LEADERS,
        arguments="[department]",
    ),
    CommandSpec(
        Verb.SILOS, N_("who works with whom, and where it grinds"), audience=Audience.LEADERS
    ),
    CommandSpec(Verb.TREND, N_("engagement over the last four weeks"), audience=Audience.LEADERS),
    # Admins only (the handler refuses executives); out of the menu, which holds ten.
    CommandSpec(
        Verb.ADMIN,
        N_("survey settings and delivery status (admins)"),
        ("settings",),
        audience=Audience.LEADERS,
        menu=False,
    ),
    CommandSpec(
        Verb.CONVERSATIONS,
        N_("your anonymous conversations on comments"),
        ("conversation", "replies"),
        menu=False,
    ),
    CommandSpec(
        Verb.INTROS,
        N_("be introduced to people in other teams, or not"),
        arguments="on|off",
        menu=False,
    ),
    CommandSpec(
        Verb.INTRODUCTIONS,
        N_("the introductions made and how many led to a meeting"),
        audience=Audience.LEADERS,
        menu=False,
    ),
    # Executives only (the handler refuses the others); out of the menu, which holds ten.
    CommandSpec(
        Verb.LISTEN,
        N_("start a listening tour, or see its status or summary (executives)"),
        audience=Audience.LEADERS,
        arguments="[status|summary]",
        menu=False,
    ),
    # A person's own language; `/pulse language` alone shows it and the choices.
    CommandSpec(
        Verb.LANGUAGE,
        N_("the language Crosspulse writes to you in"),
        ("lang",),
        arguments="[code]",
        menu=False,
    ),
)


def commands_for(*, leader: bool) -> tuple[CommandSpec, ...]:
    """The commands this person may use, in registry order."""
    return tuple(c for c in REGISTRY if leader or c.audience is Audience.EVERYONE)


def _words() -> dict[str, Verb]:
    words: dict[str, Verb] = {}
    for spec in REGISTRY:
        for word in spec.words:
            if word in words:  # a shared word would silently pick one command
                raise ValueError(f"'{word}' selects both {words[word]} and {spec.verb}")
            words[word] = spec.verb
    return words


ALIASES = _words()
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
    if text.lower().startswith(PREFIX):
        text = text[len(PREFIX) :].strip()
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
