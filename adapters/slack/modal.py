"""The admin settings form as a Slack modal: the core's neutral form (the same inputs the
Block Kit message and the Adaptive Card draw) in `input` blocks, so a bad field gets its
error under it (`response_action: "errors"`, keyed by block id = the setting's key).
Executives are picked with `multi_users_select` (no 100-person limit: Slack lists the
workspace); the audience with `multi_static_select`, or, beyond Slack's 100 options, a text
field of comma-separated department names (what `survey set audience=` takes)."""

from __future__ import annotations

from adapters.slack.render import _cut, _initial_options, _options, _plain, _section
from adapters.slack.translate import answers_from_state
from bot.i18n import _, in_message_language
from bot.messages import Input, InputKind, Message

CALLBACK_ID = "admin_settings"
PEOPLE_KEYS = frozenset({"executives"})  # drawn with Slack's people picker
MAX_OPTIONS = 100
MAX_TITLE = 24  # a modal's title, submit and close texts


@in_message_language
def render_modal(message: Message, *, people: dict[str, list[str]]) -> dict:
    """`people`: the people pickers' initial users (Slack ids) by input key."""
    blocks: list[dict] = []
    for section in message.sections:
        blocks += _section(section)
    blocks += [_block(item, people.get(item.key, [])) for item in message.inputs]
    if message.context:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": _cut(message.context, 2000)}],
            }
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(_("Crosspulse admin"), MAX_TITLE),
        "submit": _plain(_("Save"), MAX_TITLE),
        "close": _plain(_("Cancel"), MAX_TITLE),
        "blocks": blocks[:100],
    }


def _block(item: Input, initial_users: list[str]) -> dict:
    action_id = f"input:{item.key}"[:255]
    element: dict
    if item.key in PEOPLE_KEYS:
        element = {"type": "multi_users_select", "action_id": action_id}
        if initial_users:
            element["initial_users"] = initial_users
        optional = True
    elif item.kind == InputKind.TEXT or len(item.choices) > MAX_OPTIONS:
        element = {"type": "plain_text_input", "action_id": action_id}
        element["multiline"] = item.multiline
        if item.max_length:
            element["max_length"] = min(item.max_length, 3000)
        initial = _initial_text(item)
        if initial:
            element["initial_value"] = initial[:3000]
        optional = item.optional or item.kind == InputKind.MULTI
    else:
        multi = item.kind == InputKind.MULTI
        element = {
            "type": "multi_static_select" if multi else "static_select",
            "action_id": action_id,
            "placeholder": _plain(_("Pick any") if multi else _("Pick one"), 150),
            "options": _options(item),
        }
        element |= _initial_options(item, element["options"])
        optional = item.optional
    label = item.label
    if item.kind == InputKind.MULTI and len(item.choices) > MAX_OPTIONS:
        label += _(": comma-separated names")
    block = {
        "type": "input",
        "block_id": item.key[:255],
        "optional": optional,
        "label": _plain(label, 2000),
        "element": element,
    }
    if item.hint and item.kind == InputKind.TEXT:
        block["hint"] = _plain(item.hint, 2000)
    return block


def _initial_text(item: Input) -> str:
    """A text field's starting value; a long choice list drawn as text shows the labels."""
    if isinstance(item.initial, str):
        return item.initial
    labels = {c.value: c.label for c in item.choices}
    return ", ".join(labels.get(v, v) for v in item.initial or ())


def form_answers(view: dict) -> tuple[dict, dict[str, list[str]]]:
    """A submitted modal's state as (answers by key, people picked by key as Slack ids)."""
    values = (view.get("state") or {}).get("values") or {}
    picked: dict[str, list[str]] = {}
    rest: dict = {}
    for block_id, elements in values.items():
        states = [s for s in (elements or {}).values() if isinstance(s, dict)]
        users = next((s for s in states if s.get("type") == "multi_users_select"), None)
        if users is not None:
            picked[block_id] = [u for u in users.get("selected_users") or [] if isinstance(u, str)]
        else:
            rest[block_id] = elements
    return dict(answers_from_state(rest)), picked
