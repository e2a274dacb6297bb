"""The Teams app package for a deployment: manifest.json (schema v1.19) and the two icons."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from urllib.parse import urlparse

from PIL import Image, ImageDraw

MANIFEST_VERSION = "1.19"
SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/MicrosoftTeams.schema.json"
)
ACCENT = "#1D4E89"
# The schema types botId as a GUID and Teams refuses the upload otherwise.
GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
COMMANDS = (  # Teams lists at most 10 per scope
    ("help", "What Crosspulse can do"),
    ("status", "Your last check-in, streak and next pulse"),
    ("thanks", "Thank someone in another team: thanks @person message"),
    ("optout", "Stop receiving pulses"),
    ("optin", "Receive pulses again"),
    ("forget-me", "Erase everything Crosspulse holds about you"),
    ("digest", "This week's digest (leaders)"),
    ("silos", "Who works with whom (leaders)"),
    ("trend", "Engagement over four weeks (leaders)"),
)


def teams_manifest(*, app_id: str, url: str, version: str = "1.0.0") -> dict:
    host = urlparse(url).hostname or url
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"crosspulse:{app_id}")),
        "developer": {
            "name": "Crosspulse",
            "websiteUrl": f"https://{host}/",
            "privacyUrl": f"https://{host}/privacy",
            "termsOfUseUrl": f"https://{host}/terms",
        },
        "name": {"short": "Crosspulse", "full": "Crosspulse collaboration pulse"},
        "description": {
            "short": "One-minute weekly pulse on engagement and cross-team work",
            "full": (
                "Crosspulse asks everyone a one-minute weekly pulse in a 1:1 chat: how "
                "engaged they are, which other teams they worked with, how smooth that was and "
                "who blocked them. Leaders get a weekly digest of where collaboration flows and "
                "where the silos are. Answers are anonymous: figures only for groups of five or "
                "more, comments for groups of ten or more."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team"],
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [{"title": t, "description": d} for t, d in COMMANDS],
                    },
                    {
                        "scopes": ["team"],
                        "commands": [{"title": t, "description": d} for t, d in COMMANDS[:3]],
                    },
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def _icon(size: int, *, outline: bool) -> bytes:
    """Colour: 192x192 on the accent colour; outline: 32x32 white on transparent."""
    background = (0, 0, 0, 0) if outline else (29, 78, 137, 255)
    image = Image.new("RGBA", (size, size), background)
    draw = ImageDraw.Draw(image)
    pad, width = size // 6, max(2, size // 12)
    draw.ellipse((pad, pad, size - pad, size - pad), outline=(255, 255, 255, 255), width=width)
    mid = size // 2
    draw.line(
        (
            pad,
            mid,
            mid - size // 10,
            mid,
            mid,
            pad + size // 8,
            mid + size // 10,
            size - pad - size // 8,
            size - pad,
            mid,
        ),
        fill=(255, 255, 255, 255),
        width=width,
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


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
        package.writestr("color.png", _icon(192, outline=False))
        package.writestr("outline.png", _icon(32, outline=True))
    return buffer.getvalue()
