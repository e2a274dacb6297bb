"""The neutral message: what every adapter renders into its platform's format.

A template fills one of these; each adapter turns it into its platform's rich layout
(blocks, cards), the console into plain text. `fallback_text` is always a complete plain reading
of the message (notifications, screen readers, channels without rich layout).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class InputKind(StrEnum):
    SCALE = "scale"  # one of consecutive integers, shown as buttons or a choice set
    SINGLE = "single"  # one of the choices
    MULTI = "multi"  # any number of the choices (up to max_selected)
    TEXT = "text"  # free text


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

    id: str
    label: str
    value: str = ""
    style: Style = Style.DEFAULT


@dataclass(frozen=True)
class Image:
    """A chart: PNG bytes, with alt text that says what it shows."""

    png: bytes = field(repr=False)
    alt: str
    title: str = ""


@dataclass(frozen=True)
class Message:
    kind: str  # the template's name: pulse, followup, confirmation, nudge, digest, help, ...
    title: str
    fallback_text: str
    sections: tuple[Section, ...] = ()
    inputs: tuple[Input, ...] = ()
    submit: Action | None = None  # submits every input with this action's id and value
    actions: tuple[Action, ...] = ()
    image: Image | None = None
    context: str | None = None  # small print, e.g. "Anonymous: shown only in groups of 5+"
