"""The Teams app package for a deployment: `manifest/teams/manifest.json` (schema v1.19)
filled with the app id and host, the bot's command menus from the command registry, and
the two committed icons, zipped."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from typing import Any
from urllib.parse import urlparse

from adapters.manifest_files import fill, load_template, manifest_file
from bot.chat.commands import REGISTRY, Audience, CommandSpec

# The schema types botId as a GUID and Teams refuses the upload otherwise.
GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
MAX_COMMANDS = 10  # Teams lists at most 10 per scope
ICONS = ("color.png", "outline.png")  # 192x192 colour; 32x32 white on transparent


def describe(spec: CommandSpec) -> str:
    """The menu's line for a command: what it does, how to give its arguments, who for."""
    text = spec.help[0].upper() + spec.help[1:]
    if spec.arguments:
        text += f": {spec.name} {spec.arguments}"
    if spec.audience is Audience.LEADERS:
        text += " (leaders)"
    return text


def command_menu(*, shared: bool) -> list[dict[str, str]]:
    """The registry's menu commands, in its order; `shared`: those for a team's channels."""
    chosen = [c for c in REGISTRY if c.menu and (c.shared or not shared)]
    if len(chosen) > MAX_COMMANDS:
        raise ValueError(
            f"{len(chosen)} commands for a Teams menu, which shows at most {MAX_COMMANDS}: "
            "set menu=False on the least useful in bot/chat/commands.py"
        )
    return [{"title": c.name, "description": describe(c)} for c in chosen]


def teams_manifest(*, app_id: str, url: str, version: str = "1.0.0") -> dict[str, Any]:
    host = urlparse(url).hostname or url
    manifest = fill(
        load_template("teams", "manifest.json"),
        {
            "app_id": app_id,
            "host": host,
            "version": version,
            "package_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"crosspulse:{app_id}")),
        },
    )
    for bot in manifest["bots"]:
        for menu in bot["commandLists"]:
            menu["commands"] = command_menu(shared=menu["scopes"] != ["personal"])
    return manifest


def package_problems(*, app_id: str, url: str) -> list[str]:
    """Why Teams would refuse a package for these values (a package is only useful if its
    upload succeeds): the bot id must be a GUID, the URL an https address with a host."""
    problems = []
    if not GUID.fullmatch(app_id.strip()):
        problems.append(
            f"--app-id '{app_id}' is not a GUID such as 11111111-2222-3333-4444-555555555555 "
            "(Azure: the bot's Microsoft App ID)"
        )
    try:
        parsed = urlparse(url)
        host = parsed.hostname
    except ValueError:
        host = None
    if not url.startswith("https://") or not host:
        problems.append(f"--url '{url}' must be https://HOST")
    return problems


def teams_package(*, app_id: str, url: str) -> bytes:
    """manifest.json and the icons, zipped; ValueError for values Teams would refuse."""
    problems = package_problems(app_id=app_id, url=url)
    if problems:
        raise ValueError("; ".join(problems))
    app_id = app_id.strip()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "manifest.json", json.dumps(teams_manifest(app_id=app_id, url=url), indent=2)
        )
        for icon in ICONS:
            package.writestr(icon, manifest_file("teams", icon).read_bytes())
    return buffer.getvalue()
