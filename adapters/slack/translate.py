"""Slack payloads -> neutral events: who is acting, and the answers in `state.values`."""

from __future__ import annotations

from adapters.slack import PLATFORM
from bot.chat.events import Actor
from bot.ports import MessageRef
from bot.pulse.surveys import Answers


def actor_from(body: dict) -> Actor:
    """Commands carry `user_id`; interactions carry `user.id` (or, rarely, `user` alone)."""
    return Actor(platform=PLATFORM, user_id=str(body.get("user_id") or _id(body, "user")))


def round_value(value: object) -> str:
    """The round a submit button names, as our buttons write it (digits); anything else
    (a forged "²", 5,000 digits) becomes "", which the core answers with "That pulse
    doesn't exist" instead of failing on `int()` or on the database's integer range."""
    text = str(value)
    return text if text.isascii() and text.isdigit() and len(text) <= 18 else ""


def _id(body: dict, key: str) -> str:
    """`body[key]` may be an id or an object carrying one."""
    found = body.get(key)
    if isinstance(found, dict):
        found = found.get("id")
    return found if isinstance(found, str) else ""


def message_ref(body: dict) -> MessageRef | None:
    container = body.get("container") or {}
    if container.get("type") == "message" and not container.get("is_ephemeral"):
        return MessageRef(
            platform=PLATFORM,
            channel=container.get("channel_id", ""),
            id=container.get("message_ts", ""),
            workspace=_id(body, "team") or body.get("team_id"),
        )
    return None


def answers_from_state(values: dict) -> Answers:
    """`state.values` is {block_id: {action_id: element state}}; our block_id is the key."""
    answers: Answers = {}
    for block_id, elements in (values or {}).items():
        if not isinstance(elements, dict):
            continue
        for state in elements.values():
            value = _value(state if isinstance(state, dict) else {})
            if value not in (None, "", []):
                answers[block_id] = value
    return answers


def _value(state: dict) -> str | list[str] | None:
    if "selected_options" in state:
        options = state.get("selected_options")
        options = options if isinstance(options, list) else []
        return [str(o.get("value", "")) for o in options if isinstance(o, dict)]
    if "selected_option" in state:
        option = state.get("selected_option")
        return str(option.get("value", "")) if isinstance(option, dict) and option else None
    value = state.get("value")
    return str(value).strip() if value is not None else None
