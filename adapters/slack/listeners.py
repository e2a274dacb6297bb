"""Bolt listeners: hand the neutral event to the bot and carry out its effects on Slack.

Everything is acknowledged first (Slack wants an answer within 3 seconds; we answer in
milliseconds) and the work follows on a `Backlog`: a bounded queue served by a few workers
that let waiting acks go first, so a burst of requests is acked at the pace of a bare Bolt
app and answered just after. Work in flight is tracked so a graceful shutdown waits for it;
after a hard crash the pulse simply stays unanswered in the DM (the confirmation that
replaces it is the receipt), so the person can send it again. Retries and replays are
dropped by `fresh` (in the database, so every replica agrees)."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.effects import EffectTarget, carry_out
from adapters.slack import PLATFORM
from adapters.slack.directory import Locales, member_from
from adapters.slack.modal import CALLBACK_ID, PEOPLE_KEYS, form_answers, render_modal
from adapters.slack.port import SlackPort
from adapters.slack.render import render_home, render_message
from adapters.slack.translate import (
    _id,
    actor_from,
    answers_from_state,
    message_ref,
    round_value,
)
from bot.chat.events import ActionEvent, Actor, CommandEvent
from bot.chat.handlers import Bot
from bot.chat.templates import welcome
from bot.i18n import N_, _, use_locale
from bot.messages import Message, MessageKind
from bot.ports import Identity, MessageRef, OutcomeUnknown, Recipient, SendError
from bot.store.dedupe import first_time

log = logging.getLogger("crosspulse.slack")
FORM_KINDS = {
    MessageKind.PULSE,
    MessageKind.FOLLOWUP,
    MessageKind.ADMIN,
    MessageKind.CONVERSATION,
    MessageKind.LISTEN_FORM,
    MessageKind.TOUR,
}
SENT_TO_DM = {
    MessageKind.ADMIN: N_("I've sent you the admin settings in a direct message."),
    MessageKind.CONVERSATION: N_("I've sent you the conversation in a direct message."),
    MessageKind.LISTEN_FORM: N_("I've sent you the listening tour form in a direct message."),
}
SENT_PULSE_TO_DM = N_("I've sent you the pulse in a direct message.")
# The database part of the work runs on WORKERS at a time: the event loop stays free to
# ack new requests instead of interleaving them behind dozens of half-done answers. The
# Slack calls that follow (waiting on the network, little CPU) run up to SENDS at a time.
WORKERS = 4
SENDS = 32
# A job waits while requests are being acked, but never longer than this after its ack:
# a burst is acked first, and a flood still gets its answers.
PATIENCE = 1.0
QUIET = 0.05  # seconds without a request in the ack path before work starts early
CAPACITY = 5000  # queued jobs; beyond it a request is acked with "busy, try again"
BUSY = "Crosspulse is very busy right now; please try again in a minute."  # before we know who

Deliver = Callable[[], Awaitable[None]]
Job = Callable[[], Awaitable[Deliver | None]]  # database work; returns its Slack calls


class Backlog:
    """The work behind the acks. `ack_started`/`ack_done` bracket every request in the
    HTTP endpoint; a worker starts its next job only when no ack is pending or the job
    has waited `patience`, and then, while acks keep coming, one worker at a time: the
    database work (ORM, and aiosqlite's thread contending for the GIL) is what slowed the
    acks. Workers and the HTTP session for `response_url` exist only while there is work,
    so an idle process holds no tasks and no connections."""

    def __init__(
        self,
        *,
        workers: int = WORKERS,
        sends: int = SENDS,
        patience: float = PATIENCE,
        capacity: int = CAPACITY,
        inline: bool = False,
    ) -> None:
        """`inline`: run each job to the end inside its listener (process_before_response:
        a FaaS host freezes after the response, and some tests need the work done)."""
        self.workers, self.sends, self.patience = workers, sends, patience
        self.capacity, self.inline = capacity, inline
        self.acking = 0
        self._last_ack = 0.0  # loop time a request last entered or left the ack path
        # Each job keeps its request's context (request id, workspace for the logs): a worker
        # started by one request runs the jobs of many.
        self._jobs: deque[tuple[float, Job, contextvars.Context]] = deque()
        self._running: set[asyncio.Task] = set()  # workers and deliveries
        self._workers = 0
        self._send_slots: asyncio.Semaphore | None = None
        self._flood: asyncio.Lock | None = None
        self._quiet: list[asyncio.Future] = []
        self._idle: list[asyncio.Future] = []
        self._session: aiohttp.ClientSession | None = None
        self._inline = 0  # inline jobs running

    @property
    def full(self) -> bool:
        return len(self._jobs) >= self.capacity

    def ack_started(self) -> None:
        self.acking += 1
        self._last_ack = asyncio.get_running_loop().time()

    def ack_done(self) -> None:
        self.acking -= 1
        self._last_ack = asyncio.get_running_loop().time()
        if self.acking == 0:
            _wake(self._quiet)

    async def submit(self, job: Job) -> None:
        if self.inline:
            self._inline += 1
            try:
                deliver = await job()
                if deliver is not None:
                    await deliver()
            finally:
                self._inline -= 1
                self._release_session()
            return
        loop = asyncio.get_running_loop()
        self._jobs.append((loop.time(), job, contextvars.copy_context()))
        if self._workers < self.workers:
            self._workers += 1
            self._start(self._work())

    async def drain(self, timeout: float) -> None:
        """Until every queued job and delivery has finished (or `timeout`)."""
        if not self._running:
            return
        idle = asyncio.get_running_loop().create_future()
        self._idle.append(idle)
        await asyncio.wait([idle], timeout=timeout)

    async def respond(self, response_url: str, **message: object) -> None:
        """`respond` as Bolt's, over one HTTP session kept while there is work (Bolt
        opens a new session and connection for every reply)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        client = AsyncWebhookClient(url=response_url, session=self._session)
        await client.send_dict({k: v for k, v in message.items() if v is not None})

    def _start(
        self, work: Coroutine[Any, Any, None], context: contextvars.Context | None = None
    ) -> None:
        task = asyncio.get_running_loop().create_task(work, context=context)
        self._running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack background work failed", exc_info=task.exception())
        if not self._running:
            self._release_session()
            _wake(self._idle)

    def _release_session(self) -> None:
        if self._session is None or self._running or self._inline:
            return
        closing = asyncio.ensure_future(self._session.close())
        self._session = None
        _CLOSING.add(closing)
        closing.add_done_callback(_CLOSING.discard)

    async def _work(self) -> None:
        try:
            while self._jobs:
                queued, job, context = self._jobs.popleft()
                await self._wait_for_acks(queued + self.patience)
                if self.acking:  # out of patience in a flood of requests: one at a time
                    if self._flood is None:
                        self._flood = asyncio.Lock()
                    async with self._flood:
                        deliver = await self._run_in(job, context)
                else:
                    deliver = await self._run_in(job, context)
                if deliver is not None:
                    if self._send_slots is None:
                        self._send_slots = asyncio.Semaphore(self.sends)
                    await self._send_slots.acquire()
                    self._start(self._deliver(deliver), context=context)
        finally:
            self._workers -= 1

    @classmethod
    async def _run_in(cls, job: Job, context: contextvars.Context) -> Deliver | None:
        """The job in its own request's context (its log lines name that request)."""
        return await asyncio.get_running_loop().create_task(cls._run(job), context=context)

    @staticmethod
    async def _run(job: Job) -> Deliver | None:
        try:
            return await job()
        except Exception:
            log.exception("slack work failed")
            return None

    async def _deliver(self, deliver: Deliver) -> None:
        try:
            await deliver()
        finally:
            assert self._send_slots is not None
            self._send_slots.release()

    async def _wait_for_acks(self, deadline: float) -> None:
        """Until no request has been in the ack path for QUIET (a burst's acks go out in
        batches, and the gaps between batches are not the end of the burst), or until
        `deadline`."""
        loop = asyncio.get_running_loop()
        while (now := loop.time()) < deadline:
            if self.acking:
                quiet = loop.create_future()
                self._quiet.append(quiet)
                await asyncio.wait([quiet], timeout=deadline - now)
            elif (calm := now - self._last_ack) < QUIET:
                await asyncio.sleep(min(QUIET - calm, deadline - now))
            else:
                return


def _wake(waiters: list[asyncio.Future]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)
    waiters.clear()


_CLOSING: set[asyncio.Task] = set()
BACKLOGS: weakref.WeakKeyDictionary[AsyncApp, Backlog] = weakref.WeakKeyDictionary()


def backlog_of(app: AsyncApp) -> Backlog | None:
    return BACKLOGS.get(app)


async def drain(timeout: float = 25.0) -> None:
    """Wait for work still queued or in flight (answers being recorded and replied to)
    before the process exits."""
    busy = [b for b in BACKLOGS.values() if b._running]
    if busy:
        log.info("waiting for Slack work in flight to finish")
        await asyncio.gather(*(b.drain(timeout) for b in busy))


def register(app: AsyncApp, *, bot: Bot, port: SlackPort) -> Backlog:
    backlog = Backlog(inline=app.process_before_response)
    BACKLOGS[app] = backlog

    locales = Locales()  # users.info once per person: their language on first contact

    @app.command("/pulse")
    async def pulse_command(ack, body, client, request) -> None:  # type: ignore[no-untyped-def]
        if backlog.full:
            await ack(text=BUSY)
            return
        await ack()
        reply = _replier(backlog, body)

        async def work() -> Deliver | None:
            if not await fresh(bot, request, body):
                return None
            actor = locales.asked(actor_from(body), client)
            effects = await bot.handle(CommandEvent(actor, body.get("text", "")))
            target = SlackEffects(bot=bot, port=port, body=body, respond=reply, ref=None)
            return lambda: carry_out(effects, target)

        await backlog.submit(work)

    @app.action(re.compile(r"^(submit|action):"))
    async def button(ack, body, client, request) -> None:  # type: ignore[no-untyped-def]
        await ack()
        reply = _replier(backlog, body)
        if not backlog.full:
            await backlog.submit(_button(bot, port, body, reply, client, request, locales))
        elif body.get("response_url"):  # a button's ack carries no text
            await reply(text=BUSY, response_type="ephemeral", replace_original=False)

    @app.event("app_home_opened")
    async def home_opened(event, client, body, request) -> None:  # type: ignore[no-untyped-def]
        if event.get("tab", "home") != "home":
            return

        async def work() -> Deliver | None:
            if not await fresh(bot, request, body):
                return None
            return await publish_home(client, bot, event["user"])

        await backlog.submit(work)

    @app.event("team_join")
    @app.event("user_change")
    async def member_changed(event, body, request) -> None:  # type: ignore[no-untyped-def]
        async def work() -> Deliver | None:
            if not await fresh(bot, request, body):
                return None
            member = member_from(event.get("user") or {})
            if member is None:
                return None
            report = await bot.sync_directory(platform=PLATFORM, members=[member])
            if not (report.created and member.active):
                return None
            recipient = Recipient(
                person_id=0,
                email="",
                name=member.name,
                identities=(Identity(PLATFORM, member.platform_id, member.workspace or ""),),
            )

            async def welcome_dm() -> None:
                try:
                    await port.send(recipient=recipient, message=welcome.render())
                except (SendError, OutcomeUnknown) as exc:
                    log.warning("welcome DM failed: %s", exc)

            return welcome_dm

        await backlog.submit(work)

    @app.event("app_uninstalled")
    async def uninstalled(body, request) -> None:  # type: ignore[no-untyped-def]
        await backlog.submit(_removal(bot, port, body, request, "app_uninstalled"))

    @app.event("tokens_revoked")
    async def revoked(body, request) -> None:  # type: ignore[no-untyped-def]
        await backlog.submit(_removal(bot, port, body, request, "tokens_revoked"))

    @app.view(CALLBACK_ID)
    async def admin_submitted(ack, body, view, request) -> None:  # type: ignore[no-untyped-def]
        """Checked before the ack, which carries the errors under their fields (nothing
        applied); a valid form closes and the admin gets the confirmation in the DM."""
        if not await fresh(bot, request, body):
            await ack()
            return
        answers, picked = form_answers(view)
        outcome = await bot.admin_form(actor_from(body), answers=answers, picked=picked)
        if outcome.errors:
            await ack(response_action="errors", errors=outcome.errors)
            return
        await ack()
        if outcome.message is not None:
            user = Recipient(
                person_id=0,
                email="",
                name="",
                identities=(Identity(PLATFORM, actor_from(body).user_id, _id(body, "team")),),
            )
            message = outcome.message

            async def confirm() -> Deliver | None:
                async def send() -> None:
                    await port.send(recipient=user, message=message)

                return send

            await backlog.submit(confirm)

    @app.action(re.compile(r"^input:"))
    async def choice(ack) -> None:  # type: ignore[no-untyped-def]
        """Picking an option only changes `state`; the submit button sends it all."""
        await ack()

    return backlog


def _replier(backlog: Backlog, body: dict) -> Callable[..., Awaitable[None]]:
    """`respond` for this request's response_url (App Home buttons have none)."""
    url = body.get("response_url")

    async def reply(**message: object) -> None:
        if not url:
            raise ValueError("respond is unsupported here as there is no response_url")
        await backlog.respond(url, **message)

    return reply


def _removal(bot: Bot, port: SlackPort, body: dict, request, reason: str) -> Job:  # type: ignore[no-untyped-def]
    async def work() -> Deliver | None:
        if await fresh(bot, request, body):
            await _removed(bot, port, body, reason)
        return None

    return work


def _button(bot: Bot, port: SlackPort, body: dict, respond, client, request, locales) -> Job:  # type: ignore[no-untyped-def]
    async def work() -> Deliver | None:
        if not await fresh(bot, request, body):
            return None
        event = _action_event(body)
        event = replace(event, actor=locales.asked(event.actor, client))
        effects = await bot.handle(event)
        from_home = (body.get("container") or {}).get("type") == "view"
        home = await publish_home(client, bot, event.actor.user_id) if from_home else None

        async def deliver() -> None:
            target = SlackEffects(bot=bot, port=port, body=body, respond=respond, ref=event.ref)
            await carry_out(effects, target)
            if home is not None:
                await home()  # show the new state

        return deliver

    return work


def _action_event(body: dict) -> ActionEvent:
    action = body["actions"][0]
    kind, _, action_id = action["action_id"].partition(":")
    values = (body.get("state") or {}).get("values") or {}
    answers = answers_from_state(values) if kind == "submit" else {}
    value = action.get("value") or ""
    if kind == "submit":
        value = round_value(value)
    return ActionEvent(
        actor_from(body), action_id, "" if value == "-" else value, answers, message_ref(body)
    )


async def _removed(bot: Bot, port: SlackPort, body: dict, reason: str) -> None:
    """Uninstalled or revoked: purge the stored tokens (OAuth mode) and record it."""
    if port.installations is not None:
        await port.installations.async_delete_all(  # type: ignore[attr-defined]
            enterprise_id=body.get("enterprise_id"), team_id=body.get("team_id")
        )
    await bot.platform_removed(platform="slack", workspace=body.get("team_id", ""), reason=reason)


async def fresh(bot: Bot, request, body: dict) -> bool:  # type: ignore[no-untyped-def]
    """False for an Events API retry (same event_id) or a replayed request (same signature;
    over Socket Mode, which has none, the same trigger and action time)."""
    signature = (request.headers.get("x-slack-signature") or [""])[0]
    action = (body.get("actions") or [{}])[0]
    if body.get("event_id"):
        key = f"slack:event:{body['event_id']}"
    elif signature:
        key = f"slack:sig:{signature}"
    elif body.get("trigger_id"):
        key = f"slack:trigger:{body['trigger_id']}:{action.get('action_ts', '')}"
    else:
        return True
    if await first_time(bot.db, key=key, now=bot.clock.now()):
        return True
    log.info("slack retry or replay ignored (%s)", key[:24])
    return False


async def publish_home(client, bot: Bot, user_id: str) -> Deliver:  # type: ignore[no-untyped-def]
    """Reads the home state now (database work); the returned call publishes it."""
    view = render_home(await bot.home(Actor(PLATFORM, user_id)))

    async def publish() -> None:
        try:
            await client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            log.warning("views.publish failed: %s", exc.response.get("error"))

    return publish


class SlackEffects(EffectTarget):
    """Effects of one Slack request: answers through its `response_url` (ephemeral), forms
    and App Home answers in the person's DM, updates to the message a button was on."""

    platform = PLATFORM
    failures = (SlackApiError, SendError, OutcomeUnknown)

    def __init__(
        self,
        *,
        bot: Bot,
        port: SlackPort,
        body: dict,
        respond,  # type: ignore[no-untyped-def]
        ref: MessageRef | None,
    ) -> None:
        self.bot, self.port, self.body, self.respond, self.ref = bot, port, body, respond, ref
        user_id = actor_from(body).user_id
        self.me = Recipient(
            person_id=0, email="", name="", identities=(Identity(PLATFORM, user_id),)
        )
        # App Home has no response_url: answers to a click there go to the DM.
        self.from_home = (body.get("container") or {}).get("type") == "view"

    async def reply(self, message: Message, *, ephemeral: bool) -> None:
        if message.kind == MessageKind.ADMIN and await self._modal(message):
            return
        if self.from_home:
            await self.port.send(recipient=self.me, message=message)
        elif message.kind in FORM_KINDS:
            # Forms live in the DM, where they can be updated once answered.
            await self.port.send(recipient=self.me, message=message)
            if not self.body.get("channel_id", "").startswith("D") and self.ref is None:
                with use_locale(message.language):
                    sent = _(SENT_TO_DM.get(message.kind, SENT_PULSE_TO_DM))
                await self.respond(
                    text=sent,
                    response_type="ephemeral",
                    replace_original=False,
                )
        else:
            await self.respond(
                **render_message(message), response_type="ephemeral", replace_original=False
            )

    async def _modal(self, message: Message) -> bool:
        """The admin form as a modal where the request carries a trigger; False (the form
        goes to the DM, as before) without one or when Slack refuses (an expired trigger)."""
        trigger = self.body.get("trigger_id")
        if not trigger:
            return False
        actor = actor_from(self.body)
        people: dict[str, list[str]] = {}
        for item in message.inputs:
            if item.key in PEOPLE_KEYS:
                initial = item.initial or ()
                emails = (
                    [e.strip() for e in initial.split(",")]
                    if isinstance(initial, str)
                    else list(initial)
                )
                accounts = await self.bot.accounts(actor, emails=[e for e in emails if e])
                people[item.key] = [accounts[e] for e in emails if e in accounts]
        workspace = _id(self.body, "team") or self.body.get("team_id")
        try:
            await self.port.open_view(
                trigger_id=trigger, view=render_modal(message, people=people), workspace=workspace
            )
        except (SlackApiError, SendError) as exc:
            log.warning("views.open failed (%s): the admin form goes to the DM", self.describe(exc))
            return False
        return True

    async def replace(self, message: Message) -> None:
        if self.from_home:
            await self.port.send(recipient=self.me, message=message)
        elif self.ref is not None:
            await self.port.update(ref=self.ref, message=message)
        else:
            await self.respond(**render_message(message), replace_original=True)

    async def notify(self, person_id: int, message: Message) -> None:
        recipient = await self.bot.recipient(person_id)
        if recipient and self.port.can_reach(recipient):
            await self.port.send(recipient=recipient, message=message)

    def describe(self, exc: Exception) -> str:
        if isinstance(exc, SlackApiError):
            return str(exc.response.get("error"))
        return str(exc)
