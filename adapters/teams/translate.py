"""Teams payloads into neutral terms: here, what an Adaptive Card submission carries.

An `Action.Submit` click reaches the bot as a `message` Activity whose `value` is the
action's `data` ({"action": "submit:<id>" | "action:<id>", "value": ...}, see render.py)
with every set input merged in under its id, as a string: a multi-select ChoiceSet sends
its values joined by commas ("2,5,9"), and an unanswered input is missing (current
clients) or "" (older ones). Input ids win over data keys, which is why render.py
refuses inputs named like the reserved keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.teams.render import (
    ACTION_KEY,
    BUTTON_PREFIX,
    RESERVED_KEYS,
    SUBMIT_PREFIX,
    VALUE_KEY,
)
from bot.messages import InputKind, Message

Answer = str | list[str]


def multi_select_keys(message: Message) -> frozenset[str]:
    """Keys of the message's multi-select inputs: the ones `answers_from_submit` splits."""
    return frozenset(item.key for item in message.inputs if item.kind == InputKind.MULTI)


def answers_from_submit(
    value: Mapping[str, Any] | None, *, multi_keys: frozenset[str]
) -> tuple[str, str, dict[str, Answer]]:
    """(action id, action value, answers) from the `value` of a card submission.

    The action id is the neutral `Action.id` (prefix removed); answers are read only for
    the message's submit action, since plain buttons send no inputs. Empty answers are
    left out; multi-selects come back as lists, everything else as stripped strings.

    `multi_keys` comes from our own Message (`multi_select_keys`), not from the card:
    the submission is client data, and a string with a comma in it is a valid free-text
    answer, so only the question's kind may decide whether to split it.
    """
    if not isinstance(value, Mapping):
        raise ValueError(f"not an Adaptive Card submission: value is {type(value).__name__}")
    raw_action = value.get(ACTION_KEY)
    action_id, is_submit = _action(raw_action)
    action_value = "" if value.get(VALUE_KEY) is None else str(value[VALUE_KEY])
    answers: dict[str, Answer] = {}
    if is_submit:
        for key, raw in value.items():
            if key in RESERVED_KEYS:
                continue
            answer = _answer(raw, multi=key in multi_keys)
            if answer:
                answers[key] = answer
    return action_id, action_value, answers


def _action(raw: Any) -> tuple[str, bool]:
    """Split "submit:<id>" / "action:<id>" into the id and whether it is the submit."""
    for prefix in (SUBMIT_PREFIX, BUTTON_PREFIX):
        if isinstance(raw, str) and raw.startswith(prefix) and len(raw) > len(prefix):
            return raw[len(prefix) :], prefix == SUBMIT_PREFIX
    raise ValueError(
        f"not a Crosspulse card submission: {ACTION_KEY!r} is {raw!r}, expected "
        f"'{SUBMIT_PREFIX}<id>' or '{BUTTON_PREFIX}<id>' (a card from another app or version?)"
    )


def _answer(raw: Any, *, multi: bool) -> Answer | None:
    if raw is None:
        return None
    if multi:
        items = raw if isinstance(raw, list) else str(raw).split(",")
        picked = [item for item in dict.fromkeys(str(i).strip() for i in items) if item]
        return picked or None
    text = str(raw).strip()
    return text or None
