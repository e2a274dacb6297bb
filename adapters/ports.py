"""Which chat ports this deployment has, from the settings."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.ports import ChatPort

log = logging.getLogger("crosspulse")


def configured_ports(settings: Settings) -> dict[str, ChatPort]:
    """The platforms switched on by the settings. Slack and Teams ports are added by their
    adapters; until then a configured platform is reported, never silently ignored."""
    ports: dict[str, ChatPort] = {}
    for name, enabled in (("slack", settings.slack_enabled), ("teams", settings.teams_enabled)):
        if enabled:
            log.warning(
                "%s is configured but this build has no %s sender yet; its people "
                "are reported unreachable",
                name,
                name,
            )
    return ports


def platform_summary(settings: Settings) -> str:
    on = [n for n, e in (("Slack", settings.slack_enabled), ("Teams", settings.teams_enabled)) if e]
    return ", ".join(on) if on else "none (scheduler and /healthz only)"
