"""The neutral Message as an Adaptive Card 1.5 and a Bot Framework message Activity.

Pure JSON (dicts) on purpose: no botbuilder import, so a move to Microsoft's successor
SDK leaves this module alone and golden tests need no SDK. `translate.py` reads the
submissions these cards produce; the data keys and prefixes below are shared with it.
"""

from __future__ import annotations

import base64
import functools
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image as PILImage

from bot.i18n import _, in_message_language
from bot.messages import Action, Image, Input, InputKind, Message, Section, Style

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

# Size budget for one whole message Activity, as serialized by `payload_bytes`.
# 28,000 bytes is the strictest Teams limit Microsoft documents for posting a card:
# "The message size limit is 28 KB" (Create Incoming Webhooks,
# learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook;
# the Workflows / Power Automate Teams connector also says "about 28 KB", images included).
# Bots proper get more ("Format your bot messages": 100 KB, 80 KB recommended, counted in
# UTF-16 and without base64 images; older revisions said 40 KB), and that figure has moved
# twice. So we keep to 28,000 (the decimal, stricter reading of KB), count the embedded
# image too, and measure ASCII-escaped JSON: the same card then fits every route into Teams,
# and its UTF-16 size (at most 2 bytes per byte here) stays under the 80 KB recommendation.
MAX_ACTIVITY_BYTES = 28_000
# A chart is embedded as a data URI only up to this many base64 characters, which leaves
# about 8 KB of the budget for the rest of the card; larger charts need a hosted URL.
MAX_EMBEDDED_IMAGE_CHARS = 20_000
PALETTES = (128, 32)  # a chart too big to embed is re-encoded with this many colours
EXPANDED_CHOICES_MAX = 5  # radio buttons up to here, a dropdown beyond
DEFAULT_TEXT_MAX_LENGTH = 1000
MAX_PRIMARY_ACTIONS = 6  # Teams' host config shows 6 action buttons; the rest go to "..."

# Action.Submit merges the card's input values into its `data` object, input ids winning
# (adaptivecards SubmitAction.internalPrepareForExecution), so no input may use these keys.
ACTION_KEY = "action"
VALUE_KEY = "value"
RESERVED_KEYS = frozenset({ACTION_KEY, VALUE_KEY, "msteams"})
SUBMIT_PREFIX = "submit:"
BUTTON_PREFIX = "action:"

_STYLES = {Style.PRIMARY: "positive", Style.DANGER: "destructive"}
_ELLIPSIS = "…"


@dataclass(frozen=True)
class _Budget:
    """How much of the message to keep; relaxed step by step until the Activity fits."""

    embed_image: bool = True
    text_limit: int | None = None  # characters per text block or fact
    summary_limit: int | None = None
    max_sections: int | None = None


@in_message_language
def render_card(message: Message) -> dict[str, Any]:
    """The message as an Adaptive Card 1.5, a small chart embedded as a data URI."""
    return _card(message, _Budget(), image_url=None)


@in_message_language
def render_card_with_image_url(message: Message, image_url: str) -> dict[str, Any]:
    """The same card with the chart at a hosted https URL, for charts too big to embed."""
    _check_url(image_url)
    return _card(message, _Budget(), image_url=image_url)


@in_message_language
def render_activity(message: Message, *, image_url: str | None = None) -> dict[str, Any]:
    """A message Activity carrying the card, under MAX_ACTIVITY_BYTES.

    No `text`: Teams would show it above the card, saying everything twice. `summary`
    holds the plain fallback for notifications and clients that cannot show cards.
    Too long a message is cut readably (long texts clipped with an ellipsis, then the
    embedded chart replaced by a note, then trailing sections left out), never its inputs.
    """
    if image_url is not None:
        _check_url(image_url)
    for budget in _budgets(message):
        activity = {
            "type": "message",
            "summary": _clip(message.fallback_text, budget.summary_limit),
            "attachments": [
                {"contentType": CARD_CONTENT_TYPE, "content": _card(message, budget, image_url)}
            ],
        }
        if payload_bytes(activity) < MAX_ACTIVITY_BYTES:
            return activity
    raise ValueError(
        f"the {str(message.kind)!r} message does not fit a Teams card ({MAX_ACTIVITY_BYTES} bytes) "
        "even cut short: its inputs and buttons alone are too large; split it into two messages"
    )


def payload_bytes(activity: dict[str, Any]) -> int:
    """Size on the wire, counted the pessimistic way (json.dumps defaults, \\u escapes)."""
    return len(json.dumps(activity).encode("ascii"))


def _check_url(image_url: str) -> None:
    if not image_url.startswith("https://"):
        raise ValueError(f"Teams loads card images over https only; got {image_url!r}")


def _budgets(message: Message) -> Iterator[_Budget]:
    yield _Budget()
    yield _Budget(summary_limit=1000)
    yield _Budget(summary_limit=1000, text_limit=1000)
    for limit in (1000, 500, 250, 120):
        yield _Budget(embed_image=False, summary_limit=500, text_limit=limit)
    kept = len(message.sections)
    while kept > 0:  # leave out trailing sections, about a tenth more each time
        kept = min(kept - 1, int(kept * 0.9))
        yield _Budget(embed_image=False, summary_limit=300, text_limit=120, max_sections=kept)


def _card(message: Message, budget: _Budget, image_url: str | None) -> dict[str, Any]:
    _check(message)
    return {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": _body(message, budget, image_url),
        "actions": _actions(message),
    }


def _check(message: Message) -> None:
    """Refuse inputs whose submitted values could not be read back unambiguously."""
    keys = [item.key for item in message.inputs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{str(message.kind)!r}: input keys repeat ({keys}); each must be unique")
    for item in message.inputs:
        if item.key in RESERVED_KEYS:
            raise ValueError(
                f"{str(message.kind)!r}: input key {item.key!r} would overwrite the submit data; "
                f"rename it (reserved: {sorted(RESERVED_KEYS)})"
            )
        if item.kind != InputKind.TEXT and not item.choices:
            raise ValueError(f"{str(message.kind)!r}: input {item.key!r} needs choices")
        if item.kind == InputKind.MULTI and any("," in c.value for c in item.choices):
            raise ValueError(
                f"{str(message.kind)!r}: choice values of {item.key!r} contain ','; Teams joins "
                "multi-select answers with commas, so use values without them"
            )


def _body(message: Message, budget: _Budget, image_url: str | None) -> list[dict[str, Any]]:
    body = [
        _text(_clip(message.title, 200), size="large", weight="bolder", style="heading"),
    ]
    sections = message.sections[: budget.max_sections]
    for section in sections:
        body += _section(section, budget.text_limit)
    if len(sections) < len(message.sections):
        left_out = len(message.sections) - len(sections)
        body.append(_note(f"{left_out} more part(s) left out: too long for one Teams message."))
    if message.image:
        body += _image(message.image, image_url, embed=budget.embed_image)
    for item in message.inputs:
        body += _input(item)
    if message.context:
        body.append(_note(_clip(message.context, budget.text_limit)))
    return body


def _text(text: str, **props: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **props}


def _note(text: str) -> dict[str, Any]:
    return _text(text, size="small", isSubtle=True)


def _paragraphs(text: str) -> str:
    """One line per paragraph: Teams' card markdown swallows single newlines."""
    return "\n\n".join(line for line in text.splitlines() if line.strip())


def _clip(text: str, limit: int | None) -> str:
    """Cut at a word boundary near `limit`, marking the cut with an ellipsis."""
    if limit is None or len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + _ELLIPSIS


def _section(section: Section, limit: int | None) -> list[dict[str, Any]]:
    elements = []
    if section.heading:
        elements.append(
            _text(_clip(section.heading, limit), weight="bolder", spacing="medium", style="heading")
        )
    if section.text:
        elements.append(_text(_paragraphs(_clip(section.text, limit))))
    if section.facts:
        facts = [
            {"title": _clip(f.label, limit), "value": _clip(f.value, limit)} for f in section.facts
        ]
        elements.append({"type": "FactSet", "facts": facts})
    return elements


def _image(image: Image, image_url: str | None, *, embed: bool) -> list[dict[str, Any]]:
    """The chart, embedded when it fits; else its compact version (the essentials, e.g. the
    department heat map without the silo map), with a note of what was left out."""
    if image_url is not None:
        return _image_element(image, image_url)
    url = _embeddable(image) if embed else None
    if url is not None:
        return _image_element(image, url)
    compact = _embeddable(image.compact) if embed and image.compact else None
    if image.compact is not None and compact is not None:
        left_out = _note(
            _(
                "The full chart (silo map and trend) is too detailed to fit in a Teams "
                "message; type `silos` for the whole map as text."
            )
        )
        return [*_image_element(image.compact, compact), left_out]
    elements = [_text(image.title, weight="bolder")] if image.title else []
    elements.append(
        _note(
            _(
                "Chart: {alt} (The chart is too detailed to fit in a Teams message; "
                "type `silos` for the whole map as text.)"
            ).format(alt=image.alt)
        )
    )
    return elements


def _embeddable(image: Image) -> str | None:
    """A data URI of the chart, re-encoded with fewer colours if need be; None if too big."""
    encoded = base64.b64encode(image.png).decode("ascii")
    for colors in PALETTES:
        if len(encoded) <= MAX_EMBEDDED_IMAGE_CHARS:
            break
        encoded = base64.b64encode(palette_png(image.png, colors)).decode("ascii")
    if len(encoded) <= MAX_EMBEDDED_IMAGE_CHARS:
        return f"data:image/png;base64,{encoded}"
    return None


def _image_element(image: Image, url: str) -> list[dict[str, Any]]:
    elements = [_text(image.title, weight="bolder")] if image.title else []
    elements.append({"type": "Image", "url": url, "altText": image.alt, "size": "stretch"})
    return elements


@functools.lru_cache(maxsize=8)  # the budget loop asks again for each size it tries
def palette_png(png: bytes, colors: int) -> bytes:
    """The same picture with a small palette: a chart (flat fills, one colour ramp) looks
    the same with 128 colours, and still reads with 32, and shrinks three- to fourfold
    (the demo digest's 36 KB chart to 9 KB), which lets it travel inside the card instead
    of being left out."""
    with PILImage.open(io.BytesIO(png)) as picture:
        reduced = picture.convert("RGB").quantize(
            colors=colors, method=PILImage.Quantize.FASTOCTREE
        )
    out = io.BytesIO()
    reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _input(item: Input) -> list[dict[str, Any]]:
    element = _text_input(item) if item.kind == InputKind.TEXT else _choice_set(item)
    element |= {"id": item.key, "label": item.label, "isRequired": not item.optional}
    if item.initial:  # a multi-select's starting values are joined by commas
        initial = (item.initial,) if isinstance(item.initial, str) else item.initial
        element["value"] = ",".join(initial)
    if not item.optional:
        element["errorMessage"] = _error_message(item)
    hint = _hint(item)
    return [element, _note(hint) | {"spacing": "none"}] if hint else [element]


def _choice_set(item: Input) -> dict[str, Any]:
    choices = [{"title": c.label, "value": c.value} for c in item.choices]
    if item.kind == InputKind.SINGLE:
        style = "compact"
    else:
        style = "expanded" if len(choices) <= EXPANDED_CHOICES_MAX else "compact"
    element: dict[str, Any] = {"type": "Input.ChoiceSet", "choices": choices, "style": style}
    if item.kind == InputKind.MULTI:
        element["isMultiSelect"] = True
    elif style == "compact":
        element["placeholder"] = _placeholder(item)
    return element


def _text_input(item: Input) -> dict[str, Any]:
    limit = item.max_length or DEFAULT_TEXT_MAX_LENGTH
    return {
        "type": "Input.Text",
        "isMultiline": item.multiline,
        "maxLength": limit,
        "placeholder": _("Up to {limit} characters").format(limit=limit),
    }


def _placeholder(item: Input) -> str:
    if item.kind == InputKind.SCALE:
        return _("Choose {low} to {high}").format(
            low=item.choices[0].label, high=item.choices[-1].label
        )
    return _("Choose one")


def _hint(item: Input) -> str:
    parts = [item.hint] if item.hint else []
    if item.kind == InputKind.MULTI and item.max_selected:
        parts.append(_("Choose up to {n}.").format(n=item.max_selected))
    return " ".join(parts)


def _error_message(item: Input) -> str:
    if item.kind == InputKind.TEXT:
        return _("This question needs an answer: write a few words, then send again.")
    if item.kind == InputKind.MULTI:
        return _("This question needs an answer: pick at least one option, then send again.")
    return _("This question needs an answer: pick one option, then send again.")


def _actions(message: Message) -> list[dict[str, Any]]:
    actions = [_submit(message.submit)] if message.submit else []
    for action in message.actions:
        actions.append(_button(action, overflow=len(actions) >= MAX_PRIMARY_ACTIONS))
    return actions


def _submit(action: Action) -> dict[str, Any]:
    return {
        "type": "Action.Submit",
        "title": action.label,
        "style": "positive",
        "data": {ACTION_KEY: f"{SUBMIT_PREFIX}{action.id}", VALUE_KEY: action.value},
    }


def _button(action: Action, *, overflow: bool) -> dict[str, Any]:
    """A plain button: it sends no inputs, so required questions do not block it."""
    button: dict[str, Any] = {
        "type": "Action.Submit",
        "title": action.label,
        "data": {ACTION_KEY: f"{BUTTON_PREFIX}{action.id}", VALUE_KEY: action.value},
        "associatedInputs": "none",
    }
    if action.style in _STYLES:
        button["style"] = _STYLES[action.style]
    if overflow:
        button["mode"] = "secondary"
    return button
