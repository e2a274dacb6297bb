"""Who the actor is, and how people's platform ids are linked: the part of `Bot` that the
adapters call besides events (directory sync, roster linking, reaching someone).
A mixin of `Bot`, kept apart from the event handlers because it changes with how identities
are stored, not with what people can ask."""

from __future__ import annotations

import logging

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.events import Actor
from bot.people.directory import DirectoryMember, SyncReport, sync_directory
from bot.people.org import recipient_of
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
        column = {"slack": Person.slack_user_id, "teams": Person.teams_user_id}.get(
            actor.platform, Person.email
        )
        value = actor.user_id if actor.platform in ("slack", "teams") else actor.user_id.lower()
        person = (
            await session.exec(select(Person).where(column == value, col(Person.active).is_(True)))
        ).first()
        if person is None and actor.email:
            person = (
                await session.exec(select(Person).where(Person.email == actor.email.lower()))
            ).first()
        return person

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
        """Remember a person's id on a platform that told us their e-mail (Teams roster)."""
        return await self.link_platform_ids(platform=platform, ids_by_email={email: user_id}) == 1

    async def link_platform_ids(self, *, platform: str, ids_by_email: dict[str, str]) -> int:
        """The same for a whole roster page in one transaction; returns how many are linked.

        Never re-points a person already linked to another account, nor gives an account
        a second person: a roster's e-mail is whatever that organisation's directory says,
        and would otherwise hand someone's pulses to whoever shows their address (the CSV
        import can change a link)."""
        column = {"slack": "slack_user_id", "teams": "teams_user_id"}[platform]
        wanted = {email.lower(): user_id for email, user_id in ids_by_email.items()}
        if not wanted:
            return 0
        linked = 0
        attribute = getattr(Person, column)
        async with self.db.session() as session:
            people = (
                await session.exec(select(Person).where(col(Person.email).in_(list(wanted))))
            ).all()
            holders = dict(  # platform id -> the person who has it already
                (
                    await session.exec(
                        select(attribute, Person.id).where(
                            col(attribute).in_(list(wanted.values()))
                        )
                    )
                ).all()
            )
            for person in people:
                current, new = getattr(person, column), wanted[person.email]
                if current not in (None, new) or holders.get(new, person.id) != person.id:
                    log.warning(
                        "%s id not linked to person %s: one of the two is linked elsewhere",
                        platform,
                        person.id,
                    )
                    continue
                setattr(person, column, new)
                session.add(person)
                holders[new] = person.id  # the same address twice in a page: once
                linked += 1
            await session.commit()
            return linked

    async def known_platform_ids(self, *, platform: str, user_ids: list[str]) -> set[str]:
        """Which of these platform ids belong to a person Crosspulse knows."""
        column = {"slack": Person.slack_user_id, "teams": Person.teams_user_id}[platform]
        if not user_ids:
            return set()
        async with self.db.session() as session:
            found = await session.exec(select(column).where(col(column).in_(user_ids)))
            return {value for value in found.all() if value}

    async def recipient(self, person_id: int) -> Recipient | None:
        """How to reach a person, for effects aimed at someone other than the actor."""
        async with self.db.session() as session:
            person = await session.get(Person, person_id)
            if person is None:
                return None
            return recipient_of(person)
