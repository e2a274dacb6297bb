"""A person asking about themselves or the bot: `status`, `help`, and any command the grammar
does not know (answered with help, never a trace). Read-only."""

from __future__ import annotations

from bot.chat import personal
from bot.chat.commands import Command
from bot.chat.events import Effect, Reply
from bot.chat.handlers.turn import Turn
from bot.chat.templates import help, status
from bot.i18n import _
from bot.insights.access import is_leader


async def show_status(turn: Turn, cmd: Command) -> list[Effect]:
    data = await personal.status_data(turn.session, person=turn.person, now=turn.now())
    return [Reply(status.render(data))]


async def show_help(turn: Turn, cmd: Command) -> list[Effect]:
    return [Reply(help.render(help.HelpData(leader=is_leader(turn.person))))]


async def unknown_command(turn: Turn, cmd: Command) -> list[Effect]:
    intro = _("I didn't recognise “{text}”. Here is what I can do:").format(text=cmd.raw)
    return [Reply(help.render(help.HelpData(leader=is_leader(turn.person), intro=intro)))]
