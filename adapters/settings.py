"""The deployment's settings: the core's and every platform adapter's, read at once from
the environment and `.env` (the variable names are the public contract)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, field_validator

from adapters.slack import ACCOUNT_COLUMN as SLACK_ACCOUNTS
from adapters.slack.settings import SlackSettings
from adapters.teams import ACCOUNT_COLUMN as TEAMS_ACCOUNTS
from adapters.teams.settings import TeamsSettings
from bot.config import Settings, not_blank
from bot.config import load_settings as _load


class AppSettings(Settings, SlackSettings, TeamsSettings):
    # Operations (README, "Operating it"): /metrics off unless asked for; JSON logs on demand.
    metrics: bool = False
    metrics_token: SecretStr | None = None
    log_format: Literal["text", "json"] = "text"

    _token_not_blank = field_validator("metrics_token")(not_blank)

    def check_for_serve(self) -> None:
        """The core's checks, then each platform's."""
        super().check_for_serve()
        self.check_slack_for_serve()


def load_settings(**overrides: object) -> AppSettings:
    """Every setting, every problem on its own line (see `bot.config.load_settings`)."""
    return _load(AppSettings, **overrides)


# The org import's optional columns of platform account ids, in the order the help lists.
ACCOUNT_COLUMNS = (SLACK_ACCOUNTS, TEAMS_ACCOUNTS)
