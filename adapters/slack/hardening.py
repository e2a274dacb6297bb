"""Checks on a Slack request before Bolt sees it. Bolt parses a body before it verifies
the signature and reads many fields without checking their type, so a deep, undecodable or
oddly shaped body would end as a 500; here it ends as a 4xx with a short reason.

Order: headers (401), body read whole and decoded (413/408/400), then the caller checks
the signature, and only a signed body is parsed and its shape checked (400)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from aiohttp import web

from adapters.http_guard import Refused, is_token, parse_json, single_header
from adapters.shapes import (
    Check,
    flag,
    ident,
    ident_or_obj,
    map_of,
    obj,
    objects,
    strict_ident,
    text,
    url,
)

_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def check_headers(request: web.Request) -> None:
    """A timestamp of at most 12 ASCII digits (`int()` of 5,000 digits raises) and a
    signature in Slack's one format (non-ASCII breaks `hmac.compare_digest`)."""
    timestamp = single_header(request, "X-Slack-Request-Timestamp") or ""
    signature = single_header(request, "X-Slack-Signature") or ""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Refused(401, "missing or malformed request timestamp")
    if not _SIGNATURE.fullmatch(signature):
        raise Refused(401, "missing or malformed signature")
    single_header(request, "Content-Type")


def check_query(query: str) -> None:
    """OAuth's query (`code`, `state`, `error`): short plain tokens, as Slack sends them;
    a NUL in `state` would reach PostgreSQL."""
    if len(query) > 4096:
        raise Refused(414, "query too long")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if not (is_token(name) and is_token(value, longest=2000)):
            raise Refused(400, "query holds an invalid character")


def payload_of(body: str, content_type: str | None) -> dict:
    """The dict Bolt will build from the body (as slack_bolt's `parse_body` does, same
    branches), but parsed with the depth limit and refused unless it is an object."""
    if not body:
        return {}
    if (content_type or "").split(";")[0] == "application/json" or body.startswith("{"):
        parsed = parse_json(body)
    elif "payload" in body:
        payload = dict(parse_qsl(body, keep_blank_values=True)).get("payload")
        parsed = {} if payload is None else parse_json(payload, what="payload")
    else:
        parsed = dict(parse_qsl(body, keep_blank_values=True))
    if not isinstance(parsed, dict):
        raise Refused(400, "body must be an object")
    return parsed


# ---- the shape Bolt and our listeners rely on -------------------------------------------


_OPTION = {"value": ident}
_ELEMENT = obj(
    {
        "type": ident,
        "value": text,
        "selected_option": obj(_OPTION),
        "selected_options": objects(_OPTION),
    },
    null=False,
)
_STATE = {"values": map_of(map_of(_ELEMENT))}
_PROFILE = {"email": ident, "real_name": text}
_USER = {
    "id": ident,
    "team_id": ident,
    "name": text,
    "username": text,
    "real_name": text,
    "tz": ident,
    "locale": ident,
    "profile": obj(_PROFILE),
}
_CHANNEL = {"id": ident, "name": text}
_TEAM = {"id": ident, "domain": ident, "enterprise_id": ident, "enterprise_name": text}
_MESSAGE = {
    "user": ident_or_obj(_USER),
    "channel": ident_or_obj(_CHANNEL),
    "thread_ts": ident,
    "subtype": ident,
    "bot_id": ident,
    "text": text,
}
_EVENT = {
    "type": strict_ident,
    "user": ident_or_obj(_USER),
    "team": ident,
    "user_team": ident,
    "channel": ident_or_obj(_CHANNEL),
    "channel_type": ident,
    "tab": ident,
    "thread_ts": ident,
    "bot_id": ident,
    "subtype": ident,
    "event_ts": ident,
    "text": text,
    "callback_id": strict_ident,
    "function_execution_id": ident,
    "bot_access_token": ident,
    "message": obj(_MESSAGE),
    "previous_message": obj(_MESSAGE),
    "item": obj({"channel": ident_or_obj(_CHANNEL)}),
    "assistant_thread": obj({"channel_id": ident, "thread_ts": ident}),
    "function": obj({"callback_id": strict_ident}),
    "workflow_step": obj(),
}
_VIEW = {
    "id": ident,
    "type": ident,
    "callback_id": strict_ident,
    "team_id": ident,
    "app_installed_team_id": ident,
    "bot_id": ident,
    "hash": ident,
    "private_metadata": text,
    "state": obj(_STATE),
}
_ACTION: dict[str, Check] = {
    "action_id": strict_ident,
    "block_id": ident,
    "type": ident,
    "value": text,
    "action_ts": ident,
    "selected_option": obj(_OPTION),
    "selected_options": objects(_OPTION),
}
_AUTHORIZATION = {
    "enterprise_id": ident,
    "team_id": ident,
    "user_id": ident,
    "is_bot": flag,
    "is_enterprise_install": flag,
}
_PAYLOAD: dict[str, Check] = {
    **{
        key: ident
        for key in (
            "type",
            "token",
            "team_id",
            "team_domain",
            "enterprise_id",
            "api_app_id",
            "user_id",
            "user_name",
            "channel_id",
            "channel_name",
            "trigger_id",
            "event_id",
            "thread_ts",
            "function_execution_id",
            "bot_access_token",
            "context_team_id",
            "context_enterprise_id",
        )
    },
    "command": strict_ident,
    "callback_id": strict_ident,
    "action_id": strict_ident,
    "text": text,
    "response_url": url,
    "is_enterprise_install": flag,
    "is_ext_shared_channel": flag,
    "user": ident_or_obj(_USER),
    "team": ident_or_obj(_TEAM),
    "channel": ident_or_obj(_CHANNEL),
    "enterprise": ident_or_obj({"id": ident, "name": text}),
    "event": obj(_EVENT, null=False),
    "view": obj(_VIEW, null=False),
    "container": obj(
        {
            "type": ident,
            "message_ts": ident,
            "channel_id": ident,
            "view_id": ident,
            "is_ephemeral": flag,
        }
    ),
    "state": obj(_STATE),
    "message": obj(_MESSAGE),
    "previous_message": obj(_MESSAGE),
    "item": obj({"channel": ident_or_obj(_CHANNEL)}),
    "assistant_thread": obj(),
    "function_data": obj(),
    "workflow_step": obj(),
    "authorizations": objects(_AUTHORIZATION),
    "actions": objects(_ACTION, empty=False, required=("action_id",)),
}


def check_shape(payload: dict) -> None:
    """Every field Bolt or our listeners read, of the type Slack sends; plus what each
    kind of request needs to be answered at all. Unknown fields are left alone."""
    for key, check in _PAYLOAD.items():
        if key in payload and not check(payload[key]):
            raise Refused(400, f"{key} has the wrong shape")
    kind = payload.get("type")
    event = payload.get("event") or {}
    if kind == "event_callback" and not event:
        raise Refused(400, "event is missing")
    if event.get("type") == "app_home_opened" and not isinstance(event.get("user"), str):
        raise Refused(400, "event.user is missing")
    if event.get("type") in ("team_join", "user_change") and not (
        isinstance(event.get("user"), dict) and isinstance(event["user"].get("id"), str)
    ):
        raise Refused(400, "event.user is missing")
    if kind in ("block_actions", "interactive_message") and "actions" not in payload:
        raise Refused(400, "actions is missing")
    if kind in ("view_submission", "view_closed") and "view" not in payload:
        raise Refused(400, "view is missing")
    home = (payload.get("container") or {}).get("type") == "view"
    answerable = "command" in payload or kind == "block_actions"
    if answerable and not home and "response_url" not in payload:
        raise Refused(400, "response_url is missing")
