"""Bolt listeners: hand the neutral event to the bot and carry out its effects on Slack.

Everything is acknowledged first (Slack wants an answer within 3 seconds; we answer in
milliseconds) and the work follows. Work in flight is tracked so a graceful shutdown waits
for it; after a hard crash the pulse simply stays unanswered in the DM (the confirmation
that replaces it is the receipt), so the person can send it again. Retries and replays are
dropped by `fresh` (in the database, so every replica agrees)."""

from __future__ import annotations

import asyncio
import functools
import logging
import re

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.slack.directory import member_from
from adapters.slack.port import SlackPort
from adapters.slack.render import render_home, render_message
from adapters.slack.translate import actor_from, answers_from_state, message_ref, round_value
from bot.dedupe import first_time
from bot.enums import Platform
from bot.events import ActionEvent, Actor, CommandEvent, Effect, Notify, Replace, Reply
from bot.handlers import Bot
from bot.ports import MessageRef, OutcomeUnknown, Recipient, SendError
from bot.templates import welcome

log = logging.getLogger("crosspulse.slack")
FORM_KINDS = {"pulse", "followup"}
IN_FLIGHT: set[asyncio.Task] = set()
# Work after the ack runs a few at a time: the event loop stays free to ack new requests
# at once instead of interleaving them behind dozens of half-done answers.
WORK_SLOTS = 4
_slots: asyncio.Semaphore | None = None


def work_slot() -> asyncio.Semaphore:
    global _slots
    if _slots is None:
        _slots = asyncio.Semaphore(WORK_SLOTS)
    return _slots


def tracked(listener):  # type: ignore[no-untyped-def]
    """Remember the listener's task until it ends, so shutdown can wait for it."""

    @functools.wraps(listener)
    async def run(*args, **kwargs):  # type: ignore[no-untyped-def]
        task = asyncio.current_task()
        if task is not None:
            IN_FLIGHT.add(task)
        try:
            return await listener(*args, **kwargs)
        finally:
            if task is not None:
                IN_FLIGHT.discard(task)

    return run


async def drain(timeout: float = 25.0) -> None:
    """Wait for listeners still at work (answers being recorded) before the process exits."""
    pending = {t for t in IN_FLIGHT if t is not asyncio.current_task()}
    if pending:
        log.info("waiting for %d Slack listeners to finish", len(pending))
        await asyncio.wait(pending, timeout=timeout)


def register(app: AsyncApp, *, bot: Bot, port: SlackPort) -> None:
    @app.command("/pulse")
    @tracked
    async def pulse_command(ack, body, respond, request) -> None:  # type: ignore[no-untyped-def]
        await ack()
        async with work_slot():  # database work only; Slack calls below run unthrottled
            if not await fresh(bot, request, body):
                return
            effects = await bot.handle(CommandEvent(actor_from(body), body.get("text", "")))
        await apply(effects, bot=bot, port=port, body=body, respond=respond, ref=None)

    @app.action(re.compile(r"^(submit|action):"))
    @tracked
    async def button(ack, body, respond, client, request) -> None:  # type: ignore[no-untyped-def]
        await ack()
        await _button(bot, port, body, respond, client, request)

    @app.event("app_home_opened")
    @tracked
    async def home_opened(event, client, body, request) -> None:  # type: ignore[no-untyped-def]
        if event.get("tab", "home") != "home" or not await fresh(bot, request, body):
            return
        await publish_home(client, bot, event["user"])

    @app.event("team_join")
    @app.event("user_change")
    @tracked
    async def member_changed(event, body, request) -> None:  # type: ignore[no-untyped-def]
        if not await fresh(bot, request, body):
            return
        member = member_from(event.get("user") or {})
        if member is None:
            return
        report = await bot.sync_directory(platform="slack", members=[member])
        if report.created and member.active:
            recipient = Recipient(
                person_id=0,
                email="",
                name=member.name,
                slack_user_id=member.platform_id,
                slack_workspace_id=member.workspace,
            )
            try:
                await port.send(recipient=recipient, message=welcome.render())
            except (SendError, OutcomeUnknown) as exc:
                log.warning("welcome DM failed: %s", exc)

    @app.event("app_uninstalled")
    @tracked
    async def uninstalled(body, request) -> None:  # type: ignore[no-untyped-def]
        if not await fresh(bot, request, body):
            return
        await _removed(bot, port, body, "app_uninstalled")

    @app.event("tokens_revoked")
    @tracked
    async def revoked(body, request) -> None:  # type: ignore[no-untyped-def]
        if not await fresh(bot, request, body):
            return
        await _removed(bot, port, body, "tokens_revoked")

    @app.action(re.compile(r"^input:"))
    @tracked
    async def choice(ack) -> None:  # type: ignore[no-untyped-def]
        """Picking an option only changes `state`; the submit button sends it all."""
        await ack()


async def _button(bot: Bot, port: SlackPort, body: dict, respond, client, request) -> None:  # type: ignore[no-untyped-def]
    async with work_slot():  # database work only; Slack calls below run unthrottled
        if not await fresh(bot, request, body):
            return
        event = _action_event(body)
        effects = await bot.handle(event)
    await apply(effects, bot=bot, port=port, body=body, respond=respond, ref=event.ref)
    if (body.get("container") or {}).get("type") == "view":
        await publish_home(client, bot, event.actor.user_id)  # show the new state


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


async def publish_home(client, bot: Bot, user_id: str) -> None:  # type: ignore[no-untyped-def]
    view = render_home(await bot.home(Actor(Platform.SLACK, user_id)))
    try:
        await client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish failed: %s", exc.response.get("error"))


async def apply(
    effects: list[Effect],
    *,
    bot: Bot,
    port: SlackPort,
    body: dict,
    respond,  # type: ignore[no-untyped-def]
    ref: MessageRef | None,
) -> None:
    user_id = actor_from(body).user_id
    me = Recipient(person_id=0, email="", name="", slack_user_id=user_id)
    from_home = (body.get("container") or {}).get("type") == "view"
    for effect in effects:
        try:
            if from_home and isinstance(effect, Reply | Replace):
                # App Home has no response_url: answers go to the DM.
                await port.send(recipient=me, message=effect.message)
            elif isinstance(effect, Reply) and effect.message.kind in FORM_KINDS:
                # Forms live in the DM, where they can be updated once answered.
                await port.send(recipient=me, message=effect.message)
                if not body.get("channel_id", "").startswith("D") and ref is None:
                    await respond(
                        text="I've sent you the pulse in a direct message.",
                        response_type="ephemeral",
                        replace_original=False,
                    )
            elif isinstance(effect, Reply):
                await respond(
                    **render_message(effect.message),
                    response_type="ephemeral",
                    replace_original=False,
                )
            elif isinstance(effect, Replace) and ref is not None:
                await port.update(ref=ref, message=effect.message)
            elif isinstance(effect, Replace):
                await respond(**render_message(effect.message), replace_original=True)
            elif isinstance(effect, Notify):
                recipient = await bot.recipient(effect.person_id)
                if recipient and port.can_reach(recipient):
                    await port.send(recipient=recipient, message=effect.message)
        except SlackApiError as exc:
            log.warning(
                "slack effect %s failed: %s", type(effect).__name__, exc.response.get("error")
            )
        except (SendError, OutcomeUnknown) as exc:
            log.warning("slack effect %s failed: %s", type(effect).__name__, exc)
