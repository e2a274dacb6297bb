"""Settings: every environment variable of the public contract, declared once."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./crosspulse.db"
_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    port: int = Field(default=3000, ge=1, le=65535)
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # chat.postMessage per second per workspace: Slack publishes 1/s per channel plus an
    # unpublished workspace-wide limit; 8/s (480 a minute) stays under it in practice.
    slack_send_rate: float = Field(default=8.0, gt=0, le=1000)
    microsoft_app_id: str | None = None
    microsoft_app_password: SecretStr | None = None
    microsoft_app_tenant_id: str | None = None
    microsoft_app_type: str = "MultiTenant"
    # Entra (Azure AD) tenants whose Teams activities are taken, comma-separated; by default
    # MICROSOFT_APP_TENANT_ID's alone. Unset both on a MultiTenant bot: any organisation.
    teams_tenant_ids: str | None = None
    crosspulse_secret: SecretStr | None = None
    crosspulse_dev: bool = False

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept the URLs operators paste and pick the async driver for them."""
        for plain, driver in (
            ("postgres://", "postgresql+psycopg://"),
            ("postgresql://", "postgresql+psycopg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return driver + url[len(plain) :]
        if not url.startswith(("postgresql+psycopg://", "sqlite+aiosqlite://")):
            raise ValueError("use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")
        return url

    @field_validator("microsoft_app_type")
    @classmethod
    def _app_type(cls, value: str) -> str:
        allowed = {"MultiTenant", "SingleTenant", "UserAssignedMSI"}
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(sorted(allowed))}")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token or self.slack_client_id)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.microsoft_app_id or self.crosspulse_dev)

    @field_validator("teams_tenant_ids")
    @classmethod
    def _tenant_guids(cls, value: str | None) -> str | None:
        for tenant in (value or "").split(","):
            if tenant.strip() and not _GUID.fullmatch(tenant.strip()):
                raise ValueError(f"{tenant.strip()!r} is not a tenant id (a GUID)")
        return value

    @property
    def teams_allowed_tenants(self) -> frozenset[str] | None:
        """None: every tenant (a MultiTenant bot with no list; `serve` warns). A
        MICROSOFT_APP_TENANT_ID given as a domain cannot be matched: it is not used here."""
        listed = self.teams_tenant_ids
        if not listed and self.microsoft_app_tenant_id:
            if not _GUID.fullmatch(self.microsoft_app_tenant_id.strip()):
                return None
            listed = self.microsoft_app_tenant_id
        if not listed:
            return None
        return frozenset(t.strip().lower() for t in listed.split(",") if t.strip())

    @cached_property
    def secrets(self) -> list[bytes]:
        """CROSSPULSE_SECRET, newest first (comma-separated during a key rotation); a local
        file stands in for it outside production."""
        if self.crosspulse_secret is not None:
            parts = self.crosspulse_secret.get_secret_value().split(",")
            return [p.strip().encode() for p in parts if p.strip()]
        return [_local_secret(Path(".crosspulse-secret"))]

    @property
    def secret_bytes(self) -> bytes:
        """The pseudonym key: the oldest secret, so rotation never changes pseudonyms."""
        return self.secrets[-1]

    def check_for_serve(self) -> None:
        """Refuse settings that would make a production server unsafe."""
        if self.crosspulse_secret is None and not self.crosspulse_dev:
            raise ConfigError(
                "CROSSPULSE_SECRET is not set. Set it to a long random value "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`) "
                "before running `serve`, or set CROSSPULSE_DEV=1 for local development."
            )
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


def _local_secret(path: Path) -> bytes:
    import secrets

    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and `.env`, with errors that name the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(f"{str(err['loc'][0]).upper()}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"Invalid configuration: {problems}") from None
