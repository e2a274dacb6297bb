"""Who the actor is, and how people's platform accounts are linked: the part of `Bot` that the
adapters call besides events (directory sync, roster linking, reaching someone).
A mixin of `Bot`, kept apart from the event handlers because it changes with how identities
are stored, not with what people can ask."""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.events import Actor
from bot.i18n import choose_language
from bot.people import identity
from bot.people.directory import DirectoryMember, SyncReport, sync_directory
from bot.people.languages import reader_language
from bot.people.tenancy import default_tenant
from bot.ports import Clock, Recipient
from bot.store import audit
from bot.store.db import Database
from bot.store.models import Person

log = logging.getLogger("crosspulse.handlers")


class Identities:
    """Finding a person from an actor, and linking people to their platform accounts."""

    db: Database
    clock: Clock

    async def _person(self, session: AsyncSession, actor: Actor) -> Person | None:
        return await identity.find_person(
            session,
            platform=actor.platform,
            external_id=actor.user_id,
            workspace=actor.workspace,
            email=actor.email,
        )

    async def sync_directory(self, *, platform: str, members: list[DirectoryMember]) -> SyncReport:
        """Apply the platform's directory (all members, or one that joined or changed)."""
        async with self.db.session() as session:
            tenant = await default_tenant(session, today=self.clock.now().date())
            report = await sync_directory(
                session, tenant_id=tenant.id, platform=platform, members=members, actor=platform
            )
            await session.commit()
            return report

    async def platform_removed(self, *, platform: str, workspace: str, reason: str) -> None:
        """The app was uninstalled or its tokens revoked: record it; sends to that platform
        fail from now on and are counted, never retried blindly."""
        async with self.db.session() as session:
            audit.record(
                session,
                tenant_id=None,
                actor=platform,
                action="platform.removed",
                workspace=workspace,
                reason=reason,
            )
            await session.commit()

    async def link_platform_id(self, *, platform: str, email: str, user_id: str) -> bool:
        """Remember a person's id on a platform that told us their e-mail (a roster)."""
        return await self.link_platform_ids(platform=platform, ids_by_email={email: user_id}) == 1

    async def link_platform_ids(self, *, platform: str, ids_by_email: dict[str, str]) -> int:
        """The same for a whole roster page in one transaction; returns how many are linked
        (never re-pointing an existing link: see `identity.link_by_email`)."""
        async with self.db.session() as session:
            linked = await identity.link_by_email(
                session, platform=platform, ids_by_email=ids_by_email
            )
            await session.commit()
            return linked

    async def known_platform_ids(self, *, platform: str, user_ids: list[str]) -> set[str]:
        """Which of these platform ids belong to a person Crosspulse knows."""
        if not user_ids:
            return set()
        async with self.db.session() as session:
            return await identity.known_ids(session, platform=platform, external_ids=user_ids)

    async def language(self, actor: Actor) -> str:
        """The language to answer this actor in outside a turn (an adapter's own notice):
        the person's, else what their platform reports, else English."""
        async with self.db.session() as session:
            person = await self._person(session, actor)
            if person is None:
                return choose_language(actor.locale)
            return await reader_language(session, person)

    async def recipient(self, person_id: int) -> Recipient | None:
        """How to reach a person, for effects aimed at someone other than the actor."""
        async with self.db.session() as session:
            person = await session.get(Person, person_id)
            if person is None:
                return None
            return await identity.recipient(session, person=person)
