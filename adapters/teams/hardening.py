"""Checks on a Teams Activity before botbuilder sees it. botbuilder answers 500 to a body
it cannot parse, and our turn code fails (logged as a failed turn) on an Activity of the
wrong shape; here both end as a 4xx with a short reason. The same checks run in every
mode: with an app id the token is checked by botbuilder after these."""

from __future__ import annotations

from typing import Any

from adapters.http_guard import Refused
from adapters.shapes import flag, ident, obj, objects, strict_ident, text, url

_ACCOUNT = {"id": strict_ident, "name": text, "aadObjectId": ident, "role": ident}
_CONVERSATION = {
    "id": strict_ident,
    "conversationType": ident,
    "tenantId": ident,
    "isGroup": flag,
    "name": text,
}
_NAMED = {"id": ident, "name": text, "aadGroupId": ident}
_CHANNEL_DATA = {
    "tenant": obj({"id": ident}),
    "team": obj(_NAMED),
    "channel": obj(_NAMED),
    "eventType": ident,
}
_ACTIVITY = {
    "type": strict_ident,
    "id": ident,
    "channelId": ident,
    "serviceUrl": url,
    "replyToId": ident,
    "locale": ident,
    "text": text,
    "textFormat": ident,
    "action": ident,
    "from": obj(_ACCOUNT, null=False, required=("id",)),
    "recipient": obj(_ACCOUNT),
    "conversation": obj(_CONVERSATION, null=False, required=("id",)),
    "channelData": obj(_CHANNEL_DATA),
    "membersAdded": objects(_ACCOUNT, required=("id",)),
    "membersRemoved": objects(_ACCOUNT, required=("id",)),
    "attachments": objects({"contentType": ident, "name": text}),
    "entities": objects({"type": ident}),
    "relatesTo": obj(),
}
_REQUIRED = ("type", "from", "conversation", "serviceUrl")


def check_activity(body: Any) -> dict:
    """The Activity as botbuilder and our turn read it; returns it with a submitted
    round value made plain (see `_plain_round`)."""
    if not isinstance(body, dict):
        raise Refused(400, "body must be an Activity object")
    for key in _REQUIRED:
        if key not in body or body[key] in ("", None):
            raise Refused(400, f"{key} is missing")
    for key, check in _ACTIVITY.items():
        if key in body and not check(body[key]):
            raise Refused(400, f"{key} has the wrong shape")
    return _plain_round(body)


def _plain_round(body: dict) -> dict:
    """A card submit names its round in `value.value`, as digits. Anything else (a forged
    "²", 5,000 digits) becomes "", which the core answers with "That pulse doesn't
    exist" instead of failing on `int()` or on the database's integer range."""
    value = body.get("value")
    if not isinstance(value, dict) or not str(value.get("action", "")).startswith("submit:"):
        return body
    raw = value.get("value")
    if raw is None:
        return body
    plain = str(raw)
    if not (plain.isascii() and plain.isdigit() and len(plain) <= 18):
        body = {**body, "value": {**value, "value": ""}}
    return body
