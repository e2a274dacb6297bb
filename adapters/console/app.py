"""The bot in a terminal: the same events and effects as Slack and Teams, in plain text."""

from __future__ import annotations

from collections.abc import Callable

from adapters.console import PLATFORM
from adapters.console.port import ConsolePort
from adapters.console.render import render_input, render_text
from adapters.console.translate import action_event, command_event, parse_answer
from adapters.effects import EffectTarget, carry_out
from bot.chat.events import Effect
from bot.chat.handlers import Bot
from bot.messages import Message
from bot.ports import MessageRef, Recipient
from bot.pulse.surveys import Answers

QUIT = {"quit", "exit", "q"}


class ConsoleChannel:
    """Turns a person's typed commands and answers into neutral events, and effects into
    messages in the console port's inbox."""

    def __init__(self, *, bot: Bot, port: ConsolePort) -> None:
        self.bot = bot
        self.port = port

    async def command(self, email: str, text: str) -> list[Message]:
        return await self._apply(email, await self.bot.handle(command_event(email, text)), None)

    async def act(
        self,
        email: str,
        *,
        action: str,
        value: str = "",
        answers: Answers | None = None,
        ref: MessageRef | None = None,
    ) -> list[Message]:
        event = action_event(email, action=action, value=value, answers=answers, ref=ref)
        return await self._apply(email, await self.bot.handle(event), ref)

    async def _apply(
        self, email: str, effects: list[Effect], ref: MessageRef | None
    ) -> list[Message]:
        target = ConsoleEffects(self, email=email, ref=ref)
        await carry_out(effects, target)
        return target.shown


class ConsoleEffects(EffectTarget):
    """Effects into the console port's inbox; `shown`: what the person sees, in order."""

    platform = PLATFORM

    def __init__(self, channel: ConsoleChannel, *, email: str, ref: MessageRef | None) -> None:
        self.channel, self.ref = channel, ref
        self.me = Recipient(person_id=0, email=email, name=email)
        self.shown: list[Message] = []

    async def reply(self, message: Message, *, ephemeral: bool) -> None:
        await self.channel.port.send(recipient=self.me, message=message)
        self.shown.append(message)

    async def replace(self, message: Message) -> None:
        if self.ref is not None:
            await self.channel.port.update(ref=self.ref, message=message)
        else:
            await self.channel.port.send(recipient=self.me, message=message)
        self.shown.append(message)

    async def notify(self, person_id: int, message: Message) -> None:
        recipient = await self.channel.bot.recipient(person_id)
        if recipient is not None:
            await self.channel.port.send(recipient=recipient, message=message)


async def run_console(
    channel: ConsoleChannel,
    email: str,
    *,
    read: Callable[[str], str],
    write: Callable[[str], None],
) -> None:
    """The interactive loop of `crosspulse console --as EMAIL`."""
    write(f"Crosspulse console as {email}. Type /pulse help for commands, quit to leave.")
    pending = await channel.command(email, "/pulse")
    while True:
        for message in pending:
            await _show(channel, email, message, read=read, write=write)
        try:
            line = read("> ").strip()
        except EOFError:
            return
        if line.lower() in QUIT:
            return
        if not line:
            pending = []
            continue
        pending = await channel.command(email, line if line.startswith("/") else f"/pulse {line}")


async def _show(
    channel: ConsoleChannel,
    email: str,
    message: Message,
    *,
    read: Callable[[str], str],
    write: Callable[[str], None],
) -> None:
    write(
        render_text(message)
        if not message.inputs
        else f"{message.title}\n" + (message.sections[0].text if message.sections else "")
    )
    if message.inputs and message.submit:
        answers = _ask(message, read=read, write=write)
        if answers is None:
            return
        ref = channel.port.latest(email, message.kind)
        for reply in await channel.act(
            email,
            action=message.submit.id,
            value=message.submit.value,
            answers=answers,
            ref=ref.ref if ref else None,
        ):
            await _show(channel, email, reply, read=read, write=write)
        return
    for number, action in enumerate(message.actions, start=1):
        write(f"  b{number}) {action.label}")
    if message.actions:
        choice = read("press b1, b2... or Enter to go on: ").strip().lower()
        if (
            choice.startswith("b")
            and choice[1:].isdigit()
            and 1 <= int(choice[1:]) <= len(message.actions)
        ):
            action = message.actions[int(choice[1:]) - 1]
            for reply in await channel.act(email, action=action.id, value=action.value):
                await _show(channel, email, reply, read=read, write=write)


def _ask(
    message: Message, *, read: Callable[[str], str], write: Callable[[str], None]
) -> Answers | None:
    answers: Answers = {}
    for number, item in enumerate(message.inputs, start=1):
        write(f"\nQ{number}. {render_input(item)}")
        while True:
            try:
                raw = read("  your answer: ")
            except EOFError:
                return None
            value = parse_answer(item, raw)
            if value is not None:
                break
            write(f"  Please pick from 1 to {len(item.choices)}.")
        if value not in ("", []):
            answers[item.key] = value
    return answers
