"""The Slack app manifest for a deployment, from `manifest/slack/manifest.json`: one slash
command whose usage hint comes from the command registry, the events we handle, and the
bot scopes we use and no more (chat:write for DMs, commands for /pulse, files:write for the
digest chart, mpim:write for the group DM of an introduction, users:read and
users:read.email for directory sync and team_join).
`should_escape` is on because `/pulse thanks` reads mentions as <@U123|name>."""

from __future__ import annotations

from typing import Any

from adapters.manifest_files import fill, load_template
from bot.chat.commands import REGISTRY

# OAuth asks for these at install time without reading manifest/; a test keeps the two equal.
BOT_SCOPES = [
    "chat:write",
    "commands",
    "files:read",  # an admin's organisation CSV sent in the DM
    "files:write",
    "mpim:write",  # a group DM that introduces two people (conversations.open with both)
    "users:read",
    "users:read.email",
]


def usage_hint() -> str:
    """What Slack shows after `/pulse` as people type: every command but the bare one."""
    return "[" + " | ".join(c.invocation for c in REGISTRY if not c.bare) + "]"


def slack_manifest(*, url: str | None, name: str = "Crosspulse") -> dict[str, Any]:
    """HTTP mode with `url` (https://HOST); Socket Mode when `url` is None (no URL fields)."""
    values = {"name": name, "usage": usage_hint(), "url": url.rstrip("/") if url else ""}
    manifest = fill(
        load_template("slack", "manifest.json"),
        values,
        drop=frozenset() if url else frozenset({"url"}),
    )
    manifest["settings"]["socket_mode_enabled"] = url is None
    return manifest
