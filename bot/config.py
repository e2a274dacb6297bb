"""Settings: every environment variable of the public contract, declared once."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./crosspulse.db"
# HMAC-SHA256 and the HKDF behind token encryption are only as strong as their key: 32 bytes
# is SHA-256's own size, and what `secrets.token_urlsafe(32)` gives (43 characters).
MIN_SECRET_BYTES = 32
_NEW_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
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
                url = driver + url[len(plain) :]
                break
        if not url.startswith(("postgresql+psycopg://", "sqlite+aiosqlite://")):
            raise ValueError("use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")
        try:
            parsed = make_url(url)
        except ValueError:  # e.g. a port that is not a number; the URL may hold a password
            raise ValueError(
                "is not a valid URL: use sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
            ) from None
        if not parsed.database and parsed.drivername.startswith("sqlite"):
            raise ValueError("names no database file: use sqlite:///PATH")
        return url

    @field_validator("crosspulse_secret")
    @classmethod
    def _strong_secrets(cls, value: SecretStr | None) -> SecretStr | None:
        """Refuse a key that could be guessed, and rotation lists with holes (`,` or `new,`
        would otherwise crash `serve` or silently drop a key). Never echoes the value."""
        if value is None:
            return None
        parts = [p.strip() for p in value.get_secret_value().split(",")]
        if not any(parts):
            raise ValueError(f"is blank; set a long random value, e.g. `{_NEW_SECRET}`")
        if not all(parts):
            raise ValueError(
                "has an empty entry; during a key rotation write new,old (comma-separated, "
                "no empty entries)"
            )
        short = [str(i) for i, p in enumerate(parts, 1) if len(p.encode()) < MIN_SECRET_BYTES]
        if short:
            which = "is" if len(parts) == 1 else f"entry {', '.join(short)} of the list is"
            raise ValueError(
                f"{which} shorter than {MIN_SECRET_BYTES} bytes; generate a secret with "
                f"`{_NEW_SECRET}`"
            )
        return SecretStr(",".join(parts))

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_secret",
        "microsoft_app_password",
    )
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        """A pasted credential keeps no stray spaces; one of only spaces is a mistake."""
        if value is None:
            return None
        stripped = value.get_secret_value().strip()
        if not stripped:
            raise ValueError("is blank; paste the value from the platform's app settings")
        return SecretStr(stripped)

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
            return [p.encode() for p in self.crosspulse_secret.get_secret_value().split(",")]
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
                f"(e.g. `{_NEW_SECRET}`) "
                "before running `serve`, or set CROSSPULSE_DEV=1 for local development."
            )
        self.secrets  # noqa: B018 - the development key file is checked before serving
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
    """The development key: generated once (43 characters), refused if edited too short."""
    import secrets

    try:
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        secret = path.read_text(encoding="utf-8").strip().encode()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"CROSSPULSE_SECRET is not set and the development key file {path} cannot be "
            f"used ({type(exc).__name__}); set CROSSPULSE_SECRET."
        ) from None
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"The development key file {path} holds fewer than {MIN_SECRET_BYTES} bytes; "
            "delete it to have a new one generated, or set CROSSPULSE_SECRET."
        )
    return secret


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and `.env`: every problem on its own line, naming the
    variable and never showing a value (it may be a secret)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = [
            f"  {str(err['loc'][0]).upper() if err['loc'] else 'SETTINGS'}: "
            + err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        ]
        raise ConfigError("Invalid configuration:\n" + "\n".join(problems)) from None
    except UnicodeDecodeError:
        raise ConfigError("Invalid configuration: .env is not UTF-8 text.") from None
