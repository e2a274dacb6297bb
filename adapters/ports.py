"""Which chat ports this deployment has, from the settings."""

from __future__ import annotations

import logging

from adapters.settings import AppSettings
from bot.ports import ChatPort, Clock, SystemClock
from bot.store.db import Database

log = logging.getLogger("crosspulse")


def configured_ports(
    settings: AppSettings, *, db: Database | None = None, clock: Clock | None = None
) -> dict[str, ChatPort]:
    """The platforms switched on by the settings that this build can send through.
    Slack's multi-workspace OAuth mode keeps its installations in `db`."""
    ports: dict[str, ChatPort] = {}
    if settings.slack_bot_token is not None:
        from adapters.slack.app import make_client
        from adapters.slack.port import SlackPort

        ports["slack"] = SlackPort(make_client(settings), send_rate=settings.slack_send_rate)
    elif settings.slack_client_id is not None and db is not None:
        from adapters.slack.app import make_client, make_installations
        from adapters.slack.port import SlackPort

        installations = make_installations(settings, db=db, clock=clock or SystemClock())
        ports["slack"] = SlackPort(
            make_client(settings), installations=installations, send_rate=settings.slack_send_rate
        )
    if settings.teams_enabled and db is not None:
        from adapters.teams.app import make_adapter
        from adapters.teams.port import TeamsPort

        ports["teams"] = TeamsPort(
            adapter=make_adapter(settings), app_id=settings.microsoft_app_id or "", db=db
        )
    return ports


def platform_summary(settings: AppSettings) -> str:
    on = [n for n, e in (("Slack", settings.slack_enabled), ("Teams", settings.teams_enabled)) if e]
    return ", ".join(on) if on else "none (scheduler and /healthz only)"
