"""The core's settings (database, port, secret, development mode). Each chat platform's
settings live in its adapter, read from the same environment and `.env`."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./crosspulse.db"
# HMAC-SHA256 and the HKDF behind token encryption are only as strong as their key: 32 bytes
# is SHA-256's own size, and what `secrets.token_urlsafe(32)` gives (43 characters).
MIN_SECRET_BYTES = 32
_NEW_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    port: int = Field(default=3000, ge=1, le=65535)
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

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

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


def not_blank(value: SecretStr | None) -> SecretStr | None:
    """A pasted credential keeps no stray spaces; one of only spaces is a mistake (for the
    adapters' credential validators)."""
    if value is None:
        return None
    stripped = value.get_secret_value().strip()
    if not stripped:
        raise ValueError("is blank; paste the value from the platform's app settings")
    return SecretStr(stripped)


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


S = TypeVar("S", bound=BaseSettings)


def load_settings(settings_class: type[S] = Settings, /, **overrides: object) -> S:  # type: ignore[assignment]
    """Settings from the environment and `.env`: every problem on its own line, naming the
    variable and never showing a value (it may be a secret). `settings_class`: the core's,
    or the composition root's with every platform's settings too."""
    try:
        return settings_class(**overrides)
    except ValidationError as exc:
        problems = [
            f"  {str(err['loc'][0]).upper() if err['loc'] else 'SETTINGS'}: "
            + err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        ]
        raise ConfigError("Invalid configuration:\n" + "\n".join(problems)) from None
    except UnicodeDecodeError:
        raise ConfigError("Invalid configuration: .env is not UTF-8 text.") from None
