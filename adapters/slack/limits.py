"""Slack's documented Block Kit limits, checked on everything we send (slack_sdk checks only
some of them, and only when converting model objects)."""

from __future__ import annotations

import json

LIMITS = {"message": 50, "modal": 100, "home": 100}


def check_blocks(payload: dict, *, surface: str = "message") -> list[str]:
    """Every violation, in words; an empty list means Slack will accept the layout."""
    blocks = payload.get("blocks", [])
    problems = []
    if len(blocks) > LIMITS[surface]:
        problems.append(f"{len(blocks)} blocks; a {surface} takes at most {LIMITS[surface]}")
    # Characters, as Slack counts them: Japanese text is one character each, not a \u escape.
    if surface == "message" and len(json.dumps(payload, ensure_ascii=False)) >= 12_000:
        problems.append("message JSON is 12,000 characters or more (msg_blocks_too_long)")
    for index, block in enumerate(blocks):
        problems += [f"block {index}: {p}" for p in _block(block)]
    return problems


def _block(block: dict) -> list[str]:
    problems = []
    if len(block.get("block_id", "")) > 255:
        problems.append("block_id over 255 characters")
    kind = block.get("type")
    if kind == "header" and len(block["text"]["text"]) > 150:
        problems.append("header over 150 characters")
    if kind == "section":
        if len(block.get("text", {}).get("text", "")) > 3000:
            problems.append("section text over 3000 characters")
        fields = block.get("fields", [])
        if len(fields) > 10:
            problems.append("more than 10 fields")
        problems += ["field over 2000 characters" for f in fields if len(f["text"]) > 2000]
    if kind == "actions":
        if len(block["elements"]) > 25:
            problems.append("more than 25 elements in an actions block")
        for element in block["elements"]:
            problems += _element(element)
    if kind == "input":
        problems += _element(block["element"])
        if len(block["label"]["text"]) > 2000:
            problems.append("input label over 2000 characters")
    return problems


def _element(element: dict) -> list[str]:
    problems = []
    if len(element.get("action_id", "")) > 255:
        problems.append("action_id over 255 characters")
    if element["type"] == "button":
        if len(element["text"]["text"]) > 75:
            problems.append("button text over 75 characters")
        if len(element.get("value", "")) > 2000:
            problems.append("button value over 2000 characters")
    options = element.get("options", [])
    if len(options) > 100:
        problems.append("more than 100 options")
    if element["type"] in ("radio_buttons", "checkboxes") and len(options) > 10:
        problems.append("radio buttons and checkboxes take at most 10 options")
    for option in options:
        if len(option["text"]["text"]) > 75:
            problems.append("option text over 75 characters")
        if len(option["value"]) > 150:
            problems.append("option value over 150 characters")
    return problems


def check_view(view: dict) -> list[str]:
    """A modal's own limits (title, submit and close up to 24 characters, callback_id and
    block ids up to 255, private_metadata up to 3,000, input labels) and its blocks'."""
    problems = check_blocks(view, surface=view.get("type", "modal"))
    for key in ("title", "submit", "close"):
        if len((view.get(key) or {}).get("text", "")) > 24:
            problems.append(f"{key} over 24 characters")
    if len(view.get("callback_id", "")) > 255:
        problems.append("callback_id over 255 characters")
    if len(view.get("private_metadata", "")) > 3000:
        problems.append("private_metadata over 3000 characters")
    ids = [b["block_id"] for b in view.get("blocks", []) if "block_id" in b]
    if len(ids) != len(set(ids)):
        problems.append("two blocks share a block_id")
    for block in view.get("blocks", []):
        element = block.get("element") or {}
        if element.get("type") == "multi_users_select" and block.get("type") != "input":
            problems.append("multi_users_select outside an input block is never submitted")
    return problems
