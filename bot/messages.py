"""The neutral message: what every adapter renders into its platform's format.

A template fills one of these; each adapter turns it into its platform's rich layout
(blocks, cards), the console into plain text. `fallback_text` is always a complete plain reading
of the message (notifications, screen readers, channels without rich layout).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.i18n import current_locale


class InputKind(StrEnum):
    SCALE = "scale"  # one of consecutive integers, shown as buttons or a choice set
    SINGLE = "single"  # one of the choices
    MULTI = "multi"  # any number of the choices (up to max_selected)
    TEXT = "text"  # free text


class ActionId(StrEnum):
    """What a button or a form does: `Action.id`, sent to the platform and handed back on a
    click. The values are on the wire (buttons already in people's chats), so never rename
    one; an id the bot no longer knows is answered "That button is out of date"."""

    CHECKIN = "checkin"  # submit a pulse
    SMOOTHNESS = "smoothness"  # submit the follow-up on the teams one worked with
    CHECKIN_NOW = "checkin_now"
    STATUS = "status"
    DIGEST = "digest"
    SILOS = "silos"
    OPTOUT = "optout"
    OPTIN = "optin"
    FORGET_ME = "forget_me"
    FORGET_CONFIRM = "forget_confirm"
    FORGET_CANCEL = "forget_cancel"
    ADMIN = "admin"  # open the admin card (a button in an admin's home)
    ADMIN_SAVE = "admin_save"  # submit the survey settings form
    IMPORT_CONFIRM = "import_confirm"  # value: the held import's token
    IMPORT_CANCEL = "import_cancel"
    CONVO_REPLY = "convo_reply"  # a leader's Reply under a comment; value: the comment id
    CONVO_SEND = "convo_send"  # submit a leader's reply; value: the comment id
    CONVO_ANSWER = "convo_answer"  # submit the author's answer; value: the thread id
    CONVO_CLOSE = "convo_close"  # close a conversation; value: the thread id
    CONVO_OPEN = "convo_open"  # show one conversation with its form; value: the thread id
    INTRODUCE = "introduce"  # value: the digest's finding (week, kind, departments), re-checked
    INTRO_MET = "intro_met"  # value: "<introduction id>:<yes|not_yet|no>"
    LISTEN_START = "listen_start"  # submit the listening tour form
    TOUR_ANSWER = "tour_answer"  # value: the tour's id


class MessageKind(StrEnum):
    """`Message.kind`: which template made a message. Adapters read it (one renders `help`
    once and keeps `pulse` and `followup` in the DM; one looks a `stranger` up in a roster)."""

    PULSE = "pulse"
    FOLLOWUP = "followup"
    CONFIRMATION = "confirmation"
    DIGEST = "digest"
    HELP = "help"
    STATUS = "status"
    HOME = "home"
    WELCOME = "welcome"
    KUDOS = "kudos"
    NOTICE = "notice"
    STRANGER = "stranger"  # a notice to someone Crosspulse does not know yet
    ADMIN = "admin"  # the admin card: survey settings form and delivery status
    IMPORT = "import"  # an organisation CSV checked, waiting for its confirm
    CONVERSATION = "conversation"  # one anonymous conversation on a comment, with its form
    CONVERSATIONS = "conversations"  # the list of a person's conversations
    INTRODUCTION = "introduction"  # two people introduced (`ChatPort.introduce`)
    INTRO_ASK = "intro_ask"  # "Did you meet?" a week after an introduction
    LISTEN_FORM = "listen_form"  # an executive's form starting a listening tour
    TOUR = "tour"  # a listening tour's intake (and its nudge)
    TOUR_SUMMARY = "tour_summary"  # what a listening tour heard


class Style(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Input:
    """A question the reader answers; all inputs of a message are submitted together."""

    key: str
    label: str
    kind: InputKind
    choices: tuple[Choice, ...] = ()
    optional: bool = False
    max_selected: int | None = None
    hint: str | None = None  # e.g. "0 = not at all likely, 10 = extremely likely"
    max_length: int | None = None
    # What the form shows before the reader changes it (a choice's value, or values for
    # MULTI); a settings form starts from the current settings.
    initial: str | tuple[str, ...] | None = None
    multiline: bool = True  # TEXT only: False for a short value such as 10:00


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    text: str = ""
    heading: str | None = None
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class Action:
    """A button. `id` names the handler; `value` is opaque data handed back with it."""

    id: ActionId
    label: str
    value: str = ""
    style: Style = Style.DEFAULT


@dataclass(frozen=True)
class Image:
    """A chart: PNG bytes, with alt text that says what it shows. `compact` is a smaller
    chart of the essentials, for a platform whose message cannot carry this one."""

    png: bytes = field(repr=False)
    alt: str
    title: str = ""
    compact: Image | None = None


@dataclass(frozen=True)
class Message:
    kind: MessageKind  # the template that made it
    title: str
    fallback_text: str
    sections: tuple[Section, ...] = ()
    inputs: tuple[Input, ...] = ()
    submit: Action | None = None  # submits every input with this action's id and value
    actions: tuple[Action, ...] = ()
    image: Image | None = None
    context: str | None = None  # small print, e.g. "Anonymous: shown only in groups of 5+"
    # The language the template wrote it in: adapters render their own words in it too.
    language: str = field(default_factory=current_locale)
