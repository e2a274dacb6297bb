"""Slack payloads -> neutral events: who is acting, and the answers in `state.values`."""

from __future__ import annotations

from bot.enums import Platform
from bot.events import Actor
from bot.ports import MessageRef
from bot.surveys import Answers


def actor_from(body: dict) -> Actor:
    """Commands carry `user_id`; interactions carry `user.id`."""
    user = body.get("user_id") or (body.get("user") or {}).get("id") or ""
    return Actor(platform=Platform.SLACK, user_id=str(user))


def message_ref(body: dict) -> MessageRef | None:
    container = body.get("container") or {}
    if container.get("type") == "message" and not container.get("is_ephemeral"):
        return MessageRef(
            platform=Platform.SLACK,
            channel=container.get("channel_id", ""),
            id=container.get("message_ts", ""),
            workspace=(body.get("team") or {}).get("id") or body.get("team_id"),
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
        return [str(o.get("value", "")) for o in state.get("selected_options") or []]
    if "selected_option" in state:
        option = state.get("selected_option") or {}
        return str(option.get("value", "")) if option else None
    value = state.get("value")
    return str(value).strip() if value is not None else None
