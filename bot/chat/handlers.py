"""Neutral event -> core calls -> effects. The same code serves every chat platform."""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import personal
from bot.chat.commands import Command, Verb, parse
from bot.chat.compose import digest_message, latest_week, pulse_message
from bot.chat.events import ActionEvent, Actor, CommandEvent, Effect, Event, Notify, Replace, Reply
from bot.chat.home import home_view
from bot.chat.templates import confirmation, followup, help, kudos, notice, status
from bot.enums import Role
from bot.insights.digest import WeekStillOpen
from bot.messages import Action, Message, Style
from bot.people import identity
from bot.people.directory import DirectoryMember, SyncReport, sync_directory
from bot.people.org import departments_by_id
from bot.people.tenancy import active_survey, default_tenant
from bot.ports import Clock, Recipient
from bot.pulse.checkins import (
    AlreadyAnswered,
    log_rejected,
    record_checkin,
    record_smoothness,
    sealed_answer,
)
from bot.pulse.privacy import erase_person, set_opted_out
from bot.pulse.rounds import open_pulse_for
from bot.pulse.schedule import iso_week
from bot.pulse.surveys import AnswerError
from bot.store import audit
from bot.store.db import Database
from bot.store.models import Department, Kudos, Person, Round, Survey
from bot.text import clean_text

log = logging.getLogger("crosspulse.handlers")
KUDOS_MAX = 500


def _stranger_notice(title: str, text: str) -> list[Effect]:
    """Kind `stranger`, so an adapter that can look people up (a roster) knows to."""
    return [Reply(notice.render(notice.NoticeData(title=title, text=text, kind="stranger")))]


def _notice(title: str, text: str, *actions: Action) -> list[Effect]:
    return [Reply(notice.render(notice.NoticeData(title=title, text=text, actions=actions)))]


class Bot:
    """The platform-neutral bot: adapters hand it events and carry out the effects."""

    def __init__(self, *, db: Database, secret: bytes, clock: Clock) -> None:
        self.db = db
        self.secret = secret
        self.clock = clock

    async def handle(self, event: Event) -> list[Effect]:
        async with self.db.session() as session:
            person = await self._person(session, event.actor)
            if person is None:
                return _stranger_notice(
                    "I don't know you yet",
                    "Crosspulse has no record of you. Ask your people team to add you to the "
                    "organisation import (`crosspulse org import`).",
                )
            if isinstance(event, CommandEvent):
                return await self._command(session, person, parse(event.text))
            return await self._action(session, person, event)

    async def _person(self, session: AsyncSession, actor: Actor) -> Person | None:
        return await identity.find_person(
            session,
            platform=actor.platform,
            external_id=actor.user_id,
            workspace=actor.workspace,
            email=actor.email,
        )

    async def _command(self, session: AsyncSession, person: Person, cmd: Command) -> list[Effect]:
        match cmd.verb:
            case Verb.CHECKIN:
                return await self._checkin_now(session, person)
            case Verb.HELP:
                return [Reply(help.render(help.HelpData(leader=self._leader(person))))]
            case Verb.STATUS:
                return await self._status(session, person)
            case Verb.THANKS:
                return await self._thanks(session, person, cmd)
            case Verb.OPTOUT | Verb.OPTIN:
                out = cmd.verb == Verb.OPTOUT
                await set_opted_out(session, person=person, opted_out=out)
                return _notice(
                    "Opted out" if out else "Welcome back",
                    "You will get no more pulses. `/pulse optin` brings them back."
                    if out
                    else "You will get the next pulse as usual.",
                )
            case Verb.MUTE | Verb.UNMUTE:
                person.nudges_muted = cmd.verb == Verb.MUTE
                session.add(person)
                await session.commit()
                return _notice(
                    "Reminders " + ("muted" if person.nudges_muted else "on"),
                    "You still get the weekly pulse; reminders are "
                    + ("off." if person.nudges_muted else "back on."),
                )
            case Verb.FORGET:
                return _notice(
                    "Erase everything about you?",
                    "This deletes your answers, your check-in history and your thank-yous, "
                    "and removes you from Crosspulse. It cannot be undone.",
                    Action(id="forget_confirm", label="Yes, erase my data", style=Style.DANGER),
                    Action(id="forget_cancel", label="Cancel"),
                )
            case Verb.DIGEST | Verb.SILOS | Verb.TREND:
                return await self._digest(session, person, cmd)
            case _:
                intro = f"I didn't recognise “{cmd.raw}”. Here is what I can do:"
                return [Reply(help.render(help.HelpData(leader=self._leader(person), intro=intro)))]

    async def _action(
        self, session: AsyncSession, person: Person, event: ActionEvent
    ) -> list[Effect]:
        match event.action:
            case "checkin" | "smoothness":
                return await self._submit(session, person, event)
            case "checkin_now":
                return await self._checkin_now(session, person)
            case "status":
                return await self._status(session, person)
            case "silos":
                return await self._digest(session, person, Command(Verb.SILOS))
            case "digest":
                return await self._digest(session, person, Command(Verb.DIGEST))
            case "optout" | "optin" | "forget_me":
                verb = {"optout": Verb.OPTOUT, "optin": Verb.OPTIN, "forget_me": Verb.FORGET}
                return await self._command(session, person, Command(verb[event.action]))
            case "forget_confirm":
                await erase_person(
                    session, person=person, secret=self.secret, actor=f"person:{person.id}"
                )
                return [
                    Replace(
                        notice.render(
                            notice.NoticeData(
                                title="Your data is erased",
                                text="Everything Crosspulse held about you is gone. If imported "
                                "again later, you start afresh.",
                            )
                        )
                    )
                ]
            case "forget_cancel":
                return [
                    Replace(
                        notice.render(
                            notice.NoticeData(
                                title="Nothing erased", text="Your data stays as it was."
                            )
                        )
                    )
                ]
            case _:
                log.warning("unknown action %r from person %s", event.action, person.id)
                return _notice(
                    "That button is out of date", "Try `/pulse help` for what I can do now."
                )

    async def _submit(
        self, session: AsyncSession, person: Person, event: ActionEvent
    ) -> list[Effect]:
        if person.opted_out:
            return _notice(
                "You have opted out",
                "Nothing was recorded. Type `/pulse optin` to take part again.",
            )
        # The round, only if it is of the person's own organisation (one query).
        round_ = (
            await session.exec(
                select(Round)
                .join(Survey, col(Survey.id) == Round.survey_id)
                .where(Round.id == _round_id(event.value), Survey.tenant_id == person.tenant_id)
            )
        ).first()
        if round_ is None:
            log_rejected(session, tenant_id=person.tenant_id, round_id=None)
            await session.commit()
            return _notice(
                "That pulse doesn't exist",
                "Nothing was recorded. Type `/pulse` to get the current one.",
            )
        round_id, week = round_.id, round_.week
        tenant_id = person.tenant_id
        departments = await departments_by_id(session, tenant_id=person.tenant_id)
        args = dict(
            person=person,
            round_=round_,
            answers=event.answers,
            departments=departments,
            secret=self.secret,
            now=self.clock.now(),
        )
        try:
            if event.action == "checkin":
                checkin = await record_checkin(session, **args)
                if checkin.worked_with:
                    teams = tuple((d, departments[d]) for d in checkin.worked_with)
                    return [Replace(followup.render(followup.FollowupData(round_.id, teams)))]
            else:
                await record_smoothness(session, **args)
        except AlreadyAnswered as exc:
            return _notice("Already answered", str(exc))
        except AnswerError as exc:
            await session.rollback()
            log_rejected(session, tenant_id=tenant_id, round_id=round_id)
            await session.commit()
            return _notice(
                "Your answer was not recorded", f"{exc} Nothing was saved; please try again."
            )
        streak = await personal.streak(session, person=person, survey_id=round_.survey_id)
        return [Replace(confirmation.render(confirmation.ConfirmationData(week, streak)))]

    async def _checkin_now(self, session: AsyncSession, person: Person) -> list[Effect]:
        if person.opted_out:
            return _notice("You have opted out", "Type `/pulse optin` to take part again.")
        found = await open_pulse_for(session, person_id=person.id, now=self.clock.now())
        if found is None:
            return _notice(
                "No pulse is open right now",
                f"The next one reaches you {await self._next_pulse(session, person)}.",
            )
        round_, delivery = found
        # While a round is open, an answer is exactly its sealed box (and participation row).
        sealed = await sealed_answer(session, person=person, round_=round_, secret=self.secret)
        if sealed is None:
            return [
                Reply(
                    await pulse_message(session, person=person, round_=round_, delivery=delivery),
                    ephemeral=False,
                )
            ]
        if sealed[1].followup_owed:
            departments = await departments_by_id(session, tenant_id=person.tenant_id)
            named = tuple((d, departments[d]) for d in sealed[1].worked_with if d in departments)
            return [
                Reply(followup.render(followup.FollowupData(round_.id, named)), ephemeral=False)
            ]
        return _notice(
            "You're all checked in",
            f"Thanks for this week's pulse. The next one reaches you "
            f"{await self._next_pulse(session, person)}.",
        )

    async def _next_pulse(self, session: AsyncSession, person: Person) -> str:
        return await personal.next_pulse(session, person=person, now=self.clock.now())

    async def _status(self, session: AsyncSession, person: Person) -> list[Effect]:
        data = await personal.status_data(session, person=person, now=self.clock.now())
        return [Reply(status.render(data))]

    async def _thanks(self, session: AsyncSession, person: Person, cmd: Command) -> list[Effect]:
        usage = (
            "Write `/pulse thanks @person what they did`, for example "
            "`/pulse thanks @ada for unblocking the release`."
        )
        # Stored and looked up alike on both databases (PostgreSQL refuses a NUL byte).
        cmd = replace(cmd, argument=clean_text(cmd.argument), target=clean_text(cmd.target))
        if not cmd.target or not cmd.argument:
            return _notice("Who and what for?", usage)
        if len(cmd.argument) > KUDOS_MAX:
            return _notice(
                "That thank-you is long",
                f"Keep it under {KUDOS_MAX} characters; yours has {len(cmd.argument)}.",
            )
        target = await self._find(session, person.tenant_id, cmd.target)
        if target is None:
            return _notice("I couldn't find that person", f"No one matches “{cmd.target}”. {usage}")
        if target.id == person.id:
            return _notice("Nice try", "Thank-yous go to someone else. " + usage)
        names = await departments_by_id(session, tenant_id=person.tenant_id)
        session.add(
            Kudos(
                tenant_id=person.tenant_id,
                from_person_id=person.id,
                to_person_id=target.id,
                from_department_id=person.department_id,
                to_department_id=target.department_id,
                week=iso_week(self.clock.now().date()),
                message=cmd.argument,
            )
        )
        await session.commit()
        cross = (
            ""
            if target.department_id != person.department_id
            else " (it counts most across teams, but thanks are always welcome)"
        )
        return [
            Reply(
                notice.render(
                    notice.NoticeData(
                        title="Thank-you sent", text=f"{target.name} will get your message{cross}."
                    )
                )
            ),
            Notify(
                target.id,
                kudos.render(
                    kudos.KudosData(
                        sender=person.name,
                        sender_department=names[person.department_id],
                        text=cmd.argument,
                    )
                ),
            ),
        ]

    async def _find(self, session: AsyncSession, tenant_id: int, ref: str) -> Person | None:
        found = await identity.person_with_account(session, tenant_id=tenant_id, external_id=ref)
        if found is None:
            by_email = select(Person).where(
                Person.tenant_id == tenant_id, Person.email == ref.lower()
            )
            found = (await session.exec(by_email)).first()
        if found:
            return found
        matches = (
            await session.exec(
                select(Person).where(Person.tenant_id == tenant_id, col(Person.active).is_(True))
            )
        ).all()
        wanted = ref.replace(".", " ").replace("_", " ").lower()
        hits = [
            p
            for p in matches
            if p.name.lower() == wanted or p.email.split("@")[0].lower() == ref.lower()
        ]
        return hits[0] if len(hits) == 1 else None

    @staticmethod
    def _leader(person: Person) -> bool:
        return person.role in (Role.EXECUTIVE, Role.ADMIN)

    async def _digest(self, session: AsyncSession, person: Person, cmd: Command) -> list[Effect]:
        survey = await active_survey(session, tenant_id=person.tenant_id)
        department = cmd.argument or None
        if not self._leader(person):
            own = await session.get(Department, person.department_id)
            is_manager = (
                await session.exec(select(Person.id).where(Person.manager_id == person.id))
            ).first() is not None
            if not is_manager or (department and department.lower() != own.name.lower()):
                admins = (
                    await session.exec(
                        select(Person.name).where(
                            Person.tenant_id == person.tenant_id, Person.role == Role.ADMIN
                        )
                    )
                ).all()
                ask = f" Ask {', '.join(admins[:3])} if you need it." if admins else ""
                return _notice(
                    "The digest is for leaders",
                    "Organisation figures go to executives and admins, and a "
                    f"department's figures to its managers.{ask}",
                )
            department = own.name
        week = await latest_week(session, survey=survey)
        if week is None:
            return _notice("No digest yet", "The first digest follows the first pulse.")
        try:
            message = await digest_message(
                session,
                survey=survey,
                week=week,
                department=department,
                details=cmd.verb == Verb.SILOS,
                chart=cmd.verb != Verb.TREND,
            )
        except WeekStillOpen as exc:
            return _notice("Not closed yet", str(exc))
        except LookupError as exc:
            return _notice("Unknown department", str(exc))
        audit.record(
            session,
            tenant_id=person.tenant_id,
            actor=f"person:{person.id}",
            action="digest.viewed",
            week=week,
            scope=department or "organisation",
        )
        await session.commit()
        return [Reply(message)]

    async def home(self, actor: Actor) -> Message:
        """The person's home view; a stranger is told how to get in."""
        async with self.db.session() as session:
            person = await self._person(session, actor)
            if person is None:
                return notice.render(
                    notice.NoticeData(
                        title="Crosspulse",
                        text="Crosspulse has no record of you yet. Ask your "
                        "people team to add you to the organisation import.",
                    )
                )
            return await home_view(session, person=person, now=self.clock.now())

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

    async def recipient(self, person_id: int) -> Recipient | None:
        """How to reach a person, for effects aimed at someone other than the actor."""
        async with self.db.session() as session:
            person = await session.get(Person, person_id)
            if person is None:
                return None
            return await identity.recipient(session, person=person)


def _round_id(value: str) -> int:
    """A round id from a button's value; anything else (digits of other scripts, a
    5,000-digit number) is no round (0)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0
