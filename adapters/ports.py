"""Which chat ports this deployment has, from the settings."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.ports import ChatPort

log = logging.getLogger("crosspulse")


def configured_ports(settings: Settings) -> dict[str, ChatPort]:
    """The platforms switched on by the settings that this build can send through."""
    ports: dict[str, ChatPort] = {}
    if settings.slack_bot_token is not None:
        from adapters.slack.app import make_client
        from adapters.slack.port import SlackPort

        ports["slack"] = SlackPort(make_client(settings))
    elif settings.slack_enabled:
        log.warning(
            "Slack OAuth (SLACK_CLIENT_ID) without SLACK_BOT_TOKEN is not supported "
            "yet; Slack people are reported unreachable"
        )
    if settings.teams_enabled:
        log.warning(
            "Teams is configured but this build has no Teams sender yet; its people "
            "are reported unreachable"
        )
    return ports


def platform_summary(settings: Settings) -> str:
    on = [n for n, e in (("Slack", settings.slack_enabled), ("Teams", settings.teams_enabled)) if e]
    return ", ".join(on) if on else "none (scheduler and /healthz only)"
