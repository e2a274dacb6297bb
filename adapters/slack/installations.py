"""Slack installations (OAuth) in our database, tokens encrypted at rest, and the one-time
state values of install flows. slack_sdk's SQLAlchemy store would keep tokens in plain text.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from sqlalchemy import delete
from sqlmodel import col, select

from adapters.slack import PLATFORM
from adapters.slack.crypto import CredentialCipher
from bot.people.tenancy import default_tenant
from bot.ports import Clock
from bot.store.db import Database
from bot.store.models import OAuthState, Workspace

log = logging.getLogger("crosspulse.slack")
STATE_LIFETIME = timedelta(minutes=10)


def workspace_key(enterprise_id: str | None, team_id: str | None) -> str:
    return f"{enterprise_id or '-'}:{team_id or '-'}"


class DbInstallationStore(AsyncInstallationStore):
    """One row per Slack workspace (or Grid org install); the installation as encrypted JSON."""

    def __init__(
        self,
        *,
        db: Database,
        cipher: CredentialCipher,
        clock: Clock,
        rotator: AsyncTokenRotator | None = None,
    ) -> None:
        self.db = db
        self.cipher = cipher
        self.clock = clock
        self.rotator = rotator

    async def bot_token(self, *, team_id: str | None = None) -> str | None:
        """The bot token for a send to someone of `team_id`, refreshed first when it expires
        within two hours (token rotation). Without a team: the only installation, if there is
        exactly one (an org-wide Grid install, or a single workspace)."""
        installation = await self._installation_for(team_id)
        if installation is None:
            return None
        if self.rotator is not None and installation.bot_refresh_token:
            rotated = await self.rotator.perform_token_rotation(
                installation=installation, minutes_before_expiration=120
            )
            if rotated is not None:
                await self.async_save(rotated)
                installation = rotated
        return installation.bot_token

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        data = installation.to_dict()
        data = {k: _plain(k, v) for k, v in data.items()}
        team = None if installation.is_enterprise_install else installation.team_id
        key = workspace_key(installation.enterprise_id, team)
        async with self.db.session() as session:
            tenant = await default_tenant(session, today=self.clock.now().date())
            row = (
                await session.exec(
                    select(Workspace).where(
                        Workspace.platform == PLATFORM, Workspace.external_id == key
                    )
                )
            ).first()
            row = row or Workspace(tenant_id=tenant.id, platform=PLATFORM, external_id=key)
            row.name = installation.team_name or installation.enterprise_name or ""
            row.credentials = self.cipher.encrypt(json.dumps(data))
            row.active = True
            session.add(row)
            await session.commit()
        log.info("slack installation saved for %s", key)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        data = await self._load(enterprise_id, None if is_enterprise_install else team_id)
        if data is None:
            return None
        return Installation(**{k: v for k, v in data.items() if k != "bot_token_expires_in"})

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return installation.to_bot() if installation and installation.bot_token else None

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self._purge(enterprise_id, team_id)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._purge(enterprise_id, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._purge(enterprise_id, team_id)

    async def installations(
        self, *, key_suffix: str = "", limit: int | None = None
    ) -> list[Installation]:
        """Active installations (all of them for directory sync), decrypted; `key_suffix`
        narrows by workspace key (":T123" one workspace, ":-" org-wide Grid installs)."""
        query = (
            select(Workspace)
            .where(
                Workspace.platform == PLATFORM,
                col(Workspace.active).is_(True),
                col(Workspace.credentials).is_not(None),
                col(Workspace.external_id).endswith(key_suffix),
            )
            .order_by(col(Workspace.id))
            .limit(limit)
        )
        async with self.db.session() as session:
            rows = (await session.exec(query)).all()
        return [Installation(**json.loads(self.cipher.decrypt(r.credentials))) for r in rows]

    async def _installation_for(self, team_id: str | None) -> Installation | None:
        """The workspace's own installation, else the organisation-wide (Grid) one; with no
        team known, the only installation there is: never a guess among several. Reads and
        decrypts one or two rows per send, not every installation."""
        if team_id is not None:
            own = await self.installations(key_suffix=workspace_key(None, team_id)[1:], limit=1)
            if own:
                return own[0]
            found = await self.installations(key_suffix=workspace_key(None, None)[1:], limit=2)
        else:
            found = await self.installations(limit=2)
        return found[0] if len(found) == 1 else None

    async def _load(self, enterprise_id: str | None, team_id: str | None) -> dict | None:
        async with self.db.session() as session:
            for key in (workspace_key(enterprise_id, team_id), workspace_key(enterprise_id, None)):
                row = (
                    await session.exec(
                        select(Workspace).where(
                            Workspace.platform == PLATFORM,
                            Workspace.external_id == key,
                            col(Workspace.active).is_(True),
                        )
                    )
                ).first()
                if row is not None and row.credentials:
                    return json.loads(self.cipher.decrypt(row.credentials))
        return None

    async def _purge(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Uninstalled or revoked: forget the tokens for good, keep the row's history."""
        async with self.db.session() as session:
            for key in (workspace_key(enterprise_id, team_id), workspace_key(enterprise_id, None)):
                row = (
                    await session.exec(
                        select(Workspace).where(
                            Workspace.platform == PLATFORM, Workspace.external_id == key
                        )
                    )
                ).first()
                if row is not None:
                    row.credentials = None
                    row.active = False
                    session.add(row)
            await session.commit()
        log.info("slack tokens purged for %s", workspace_key(enterprise_id, team_id))


def _plain(key: str, value: object) -> object:
    """JSON-safe, in the types Installation() accepts back (expiry: int seconds)."""
    if isinstance(value, datetime):
        return int(value.timestamp()) if key.endswith("expires_at") else value.timestamp()
    return value


class DbStateStore(AsyncOAuthStateStore):
    def __init__(self, *, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(32)
        async with self.db.session() as session:
            session.add(OAuthState(state=state, expires_at=self.clock.now() + STATE_LIFETIME))
            await session.commit()
        return state

    async def async_consume(self, state: str) -> bool:
        """Valid once, within its lifetime; consuming deletes it either way. One DELETE ...
        RETURNING: of two concurrent callbacks with the same state only one gets the row."""
        async with self.db.session() as session:
            taken = await session.exec(
                delete(OAuthState)
                .where(OAuthState.state == state[:100])
                .returning(OAuthState.expires_at)
            )
            expires_at = taken.scalar_one_or_none()
            await session.commit()
        return expires_at is not None and expires_at > self.clock.now()
