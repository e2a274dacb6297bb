"""What /pulse can do, for this person's role: the lines come from the command registry."""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.commands import Audience, commands_for
from bot.i18n import _
from bot.messages import Action, ActionId, Message, MessageKind, Section, Style

# (usage, help msgid): the help text is translated when rendered; command words stay English.
MEMBER_COMMANDS = tuple((c.usage, c.help) for c in commands_for(leader=False))
LEADER_COMMANDS = tuple(
    (c.usage, c.help) for c in commands_for(leader=True) if c.audience is Audience.LEADERS
)


@dataclass(frozen=True)
class HelpData:
    leader: bool
    intro: str = ""


def render(data: HelpData) -> Message:
    commands = MEMBER_COMMANDS + (LEADER_COMMANDS if data.leader else ())
    listing = "\n".join(f"`{c}`: {_(what)}" for c, what in commands)
    intro = data.intro or _(
        "Crosspulse asks a one-minute pulse each week and shows leaders "
        "how teams work together, never who said what."
    )
    return Message(
        kind=MessageKind.HELP,
        title=_("Crosspulse commands"),
        fallback_text=f"{intro}\n{listing}",
        sections=(Section(text=intro), Section(text=listing)),
        actions=(
            Action(id=ActionId.CHECKIN_NOW, label=_("Check in now"), style=Style.PRIMARY),
            Action(id=ActionId.STATUS, label=_("My status")),
        ),
    )


EXAMPLE = HelpData(leader=True)
