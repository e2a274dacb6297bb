"""Neutral message -> Block Kit, for messages (chat.postMessage / chat.update / respond)
and the App Home view. Inputs live in the message itself: selects in `actions` blocks and
the comment in an `input` block, so one click on the submit button brings every answer in
`state.values` (block_id = the input's key)."""

from __future__ import annotations

import json
from functools import lru_cache

from bot.i18n import _, in_message_language
from bot.messages import Action, Input, InputKind, Message, MessageKind, Section, Style

MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_OPTION = 75
MAX_BUTTON = 75
MAX_HEADER = 150
MAX_BLOCKS_MESSAGE = 50
MAX_MESSAGE_JSON = 12_000  # msg_blocks_too_long, in characters (not \u escapes)
MIN_FALLBACK = 150  # the notification keeps at least this much of the fallback text
SHARED_KINDS = {MessageKind.HELP}  # rendered the same for everyone who gets them: rendered once


def _plain(text: str, limit: int) -> dict:
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": True}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _chunks(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Split long text on line breaks so no section passes Slack's 3,000 characters."""
    chunks, current = [], ""
    for line in text.splitlines() or [""]:
        while len(line) > limit:
            chunks.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def _section(section: Section) -> list[dict]:
    blocks: list[dict] = []
    text = f"*{section.heading}*\n{section.text}" if section.heading else section.text
    if text.strip():
        blocks += [
            {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
            for chunk in _chunks(text)
        ]
    facts = list(section.facts)
    for start in range(0, len(facts), MAX_FIELDS):
        fields = [
            {"type": "mrkdwn", "text": _cut(f"*{f.label}*\n{f.value}", MAX_FIELD)}
            for f in facts[start : start + MAX_FIELDS]
        ]
        blocks.append({"type": "section", "fields": fields})
    return blocks


def _options(item: Input) -> list[dict]:
    labels = {}
    if item.kind == InputKind.SCALE and item.hint and item.choices:
        # "0 = Not at all likely, 10 = Extremely likely": name the two ends in the options.
        for part in item.hint.split(", "):
            value, _, label = part.partition(" = ")
            labels[value.strip()] = label.strip()
    return [
        {
            "text": _plain(
                f"{c.label} – {labels[c.value]}" if c.value in labels else c.label, MAX_OPTION
            ),
            "value": c.value[:150],
        }
        for c in item.choices[:100]
    ]


def _input(item: Input) -> list[dict]:
    action_id = f"input:{item.key}"[:255]
    if item.kind == InputKind.TEXT:
        element = {"type": "plain_text_input", "action_id": action_id, "multiline": item.multiline}
        if item.max_length:
            element["max_length"] = min(item.max_length, 3000)
        if isinstance(item.initial, str) and item.initial:
            element["initial_value"] = item.initial[:3000]
        return [
            {
                "type": "input",
                "block_id": item.key,
                "optional": item.optional,
                "label": _plain(item.label, 2000),
                "element": element,
            }
        ]
    placeholder = _("Pick any") if item.kind == InputKind.MULTI else _("Pick one")
    element = {
        "type": "multi_static_select" if item.kind == InputKind.MULTI else "static_select",
        "action_id": action_id,
        "placeholder": _plain(placeholder, 150),
        "options": _options(item),
    }
    if item.kind == InputKind.MULTI and item.max_selected:
        element["max_selected_items"] = item.max_selected
    element |= _initial_options(item, element["options"])
    label = item.label + ("" if not item.optional else " _(optional)_")
    return [
        {
            "type": "section",
            "block_id": f"q:{item.key}"[:255],
            "text": {"type": "mrkdwn", "text": _cut(f"*{label}*", MAX_SECTION)},
        },
        {"type": "actions", "block_id": item.key[:255], "elements": [element]},
    ]


def _initial_options(item: Input, options: list[dict]) -> dict:
    """The form's starting choice(s); Slack wants the very option objects it was given."""
    wanted = (item.initial,) if isinstance(item.initial, str) else item.initial or ()
    picked = [o for o in options if o["value"] in wanted]
    if not picked:
        return {}
    if item.kind == InputKind.MULTI:
        return {"initial_options": picked}
    return {"initial_option": picked[0]}


def _button(action: Action, prefix: str) -> dict:
    button = {
        "type": "button",
        "text": _plain(action.label, MAX_BUTTON),
        "action_id": f"{prefix}:{action.id}"[:255],
        "value": action.value[:2000] or "-",
    }
    if action.style in (Style.PRIMARY, Style.DANGER):
        button["style"] = action.style.value
    return button


@in_message_language
def render_blocks(message: Message, *, max_blocks: int = MAX_BLOCKS_MESSAGE) -> list[dict]:
    blocks: list[dict] = [{"type": "header", "text": _plain(message.title, MAX_HEADER)}]
    for section in message.sections:
        blocks += _section(section)
    for item in message.inputs:
        blocks += _input(item)
    buttons = ([_button(message.submit, "submit")] if message.submit else []) + [
        _button(a, "action") for a in message.actions
    ]
    tail = []
    if buttons:
        tail.append({"type": "actions", "block_id": "buttons", "elements": buttons[:25]})
    notes = [message.context] if message.context else []
    if message.image:
        notes.append(_("Chart attached below: {alt}").format(alt=message.image.alt))
    if notes:
        tail.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": _cut(n, 2000)} for n in notes],
            }
        )
    room = max_blocks - len(tail)
    if len(blocks) > room:
        blocks = [
            *blocks[: room - 1],
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "_More in `/pulse digest` and the attached chart._",
                },
            },
        ]
    return blocks + tail


def render_message(message: Message) -> dict:
    """`text` is the notification and screen-reader fallback; blocks are what people see.
    A message everyone gets alike is rendered once (callers never change the result)."""
    if message.kind in SHARED_KINDS and message.image is None:
        return _shared(message)
    return _render(message)


@in_message_language
def _render(message: Message) -> dict:
    """A message over Slack's 12,000 characters (a long language, a full form) keeps its
    blocks whole and shortens `text`, which people only see in the notification."""
    payload = {"text": _cut(message.fallback_text, 3000), "blocks": render_blocks(message)}
    while (over := len(json.dumps(payload, ensure_ascii=False)) - MAX_MESSAGE_JSON + 1) > 0:
        room = max(len(payload["text"]) - over - 1, MIN_FALLBACK)
        if room >= len(payload["text"]):
            break  # the blocks alone are too long; the text is as short as it gets
        payload["text"] = _cut(message.fallback_text, room)
    return payload


@lru_cache(maxsize=32)
def _shared(message: Message) -> dict:
    return _render(message)


def render_home(message: Message) -> dict:
    return {"type": "home", "blocks": render_blocks(message, max_blocks=100)}
