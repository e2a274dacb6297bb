"""Slack's settings (SLACK_* in the environment or `.env`), owned by the Slack adapter."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import ConfigError, not_blank


class SlackSettings(BaseSettings):
    """Validators are named for the platform: the deployment's settings inherit every
    adapter's, and two methods of one name would hide each other."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # chat.postMessage per second per workspace: Slack publishes 1/s per channel plus an
    # unpublished workspace-wide limit; 8/s (480 a minute) stays under it in practice.
    slack_send_rate: float = Field(default=8.0, gt=0, le=1000)

    @field_validator(
        "slack_bot_token", "slack_signing_secret", "slack_app_token", "slack_client_secret"
    )
    @classmethod
    def _slack_not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        return not_blank(value)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token or self.slack_client_id)

    def check_slack_for_serve(self) -> None:
        """Refuse Slack settings that would leave the events endpoint unverifiable."""
        if (
            self.slack_enabled
            and self.slack_app_token is None
            and self.slack_signing_secret is None
        ):
            raise ConfigError(
                "SLACK_SIGNING_SECRET is required when Slack is on over HTTP "
                "(find it under Basic Information > App Credentials), or set SLACK_APP_TOKEN "
                "for Socket Mode."
            )
