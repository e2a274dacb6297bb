"""Teams' settings (MICROSOFT_APP_*, TEAMS_TENANT_IDS in the environment or `.env`), owned
by the Teams adapter."""

from __future__ import annotations

import re

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import not_blank

_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class TeamsSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    microsoft_app_id: str | None = None
    microsoft_app_password: SecretStr | None = None
    microsoft_app_tenant_id: str | None = None
    microsoft_app_type: str = "MultiTenant"
    # Entra (Azure AD) tenants whose Teams activities are taken, comma-separated; by default
    # MICROSOFT_APP_TENANT_ID's alone. Unset both on a MultiTenant bot: any organisation.
    teams_tenant_ids: str | None = None
    crosspulse_dev: bool = False  # the Bot Framework Emulator without an app id

    @field_validator("microsoft_app_password")
    @classmethod
    def _teams_not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        return not_blank(value)

    @field_validator("microsoft_app_type")
    @classmethod
    def _teams_app_type(cls, value: str) -> str:
        allowed = {"MultiTenant", "SingleTenant", "UserAssignedMSI"}
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(sorted(allowed))}")
        return value

    @property
    def teams_enabled(self) -> bool:
        return bool(self.microsoft_app_id or self.crosspulse_dev)

    @field_validator("teams_tenant_ids")
    @classmethod
    def _teams_tenant_guids(cls, value: str | None) -> str | None:
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
