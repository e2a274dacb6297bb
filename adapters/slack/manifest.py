"""The Slack app manifest for a deployment: one slash command, the events we handle, the
bot scopes we use and no more (chat:write for DMs, commands for /pulse, files:write for the
digest chart, users:read and users:read.email for directory sync and team_join)."""

from __future__ import annotations

BOT_SCOPES = ["chat:write", "commands", "files:write", "users:read", "users:read.email"]
BOT_EVENTS = ["app_home_opened", "app_uninstalled", "team_join", "tokens_revoked", "user_change"]
USAGE = "[help | status | thanks @person message | optout | optin | forget-me | digest]"


def slack_manifest(*, url: str | None, name: str = "Crosspulse") -> dict:
    """HTTP mode with `url` (https://HOST); Socket Mode when `url` is None."""
    base = url.rstrip("/") if url else None
    command = {
        "command": "/pulse",
        "description": "Check in, see your status, thank another team",
        "usage_hint": USAGE,
        "should_escape": True,  # mentions arrive as <@U123|name>, which /pulse thanks reads
    }
    if base:
        command["url"] = f"{base}/slack/events"
    events: dict = {"bot_events": BOT_EVENTS}
    interactivity: dict = {"is_enabled": True}
    if base:
        events["request_url"] = f"{base}/slack/events"
        interactivity["request_url"] = f"{base}/slack/events"
    oauth: dict = {"scopes": {"bot": BOT_SCOPES}}
    if base:
        oauth["redirect_urls"] = [f"{base}/slack/oauth_redirect"]
    return {
        "display_information": {
            "name": name,
            "description": "One-minute weekly pulse on engagement and cross-team work",
            "long_description": (
                "Crosspulse asks everyone a one-minute weekly pulse in a direct message: how "
                "engaged they are, which other teams they worked with, how smooth that was and "
                "who blocked them. Leaders get a weekly digest of where collaboration flows and "
                "where the silos are. Answers are anonymous: figures are only shown for groups "
                "of five or more, comments for groups of ten or more, and nobody, not even an "
                "admin, can see what one person answered."
            ),
            "background_color": "#1d4e89",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": base is None,
            "token_rotation_enabled": False,
        },
    }
