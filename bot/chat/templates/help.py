"""What /pulse can do, for this person's role."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Action, ActionId, Message, MessageKind, Section, Style

MEMBER_COMMANDS = (
    ("/pulse", "check in now"),
    ("/pulse status", "your last check-in, your streak, your team's trend"),
    ("/pulse thanks @person message", "thank someone in another team"),
    ("/pulse optout", "stop receiving pulses (/pulse optin to come back)"),
    ("/pulse forget-me", "erase everything Crosspulse holds about you"),
    ("/pulse help", "this message"),
)
LEADER_COMMANDS = (
    ("/pulse digest [department]", "this week's digest, for the organisation or a department"),
    ("/pulse silos", "who works with whom, and where it grinds"),
    ("/pulse trend", "engagement over the last four weeks"),
)


@dataclass(frozen=True)
class HelpData:
    leader: bool
    intro: str = ""


def render(data: HelpData) -> Message:
    commands = MEMBER_COMMANDS + (LEADER_COMMANDS if data.leader else ())
    listing = "\n".join(f"`{c}`: {what}" for c, what in commands)
    intro = (
        data.intro
        or "Crosspulse asks a one-minute pulse each week and shows leaders "
        "how teams work together, never who said what."
    )
    return Message(
        kind=MessageKind.HELP,
        title="Crosspulse commands",
        fallback_text=f"{intro}\n{listing}",
        sections=(Section(text=intro), Section(text=listing)),
        actions=(
            Action(id=ActionId.CHECKIN_NOW, label="Check in now", style=Style.PRIMARY),
            Action(id=ActionId.STATUS, label="My status"),
        ),
    )


EXAMPLE = HelpData(leader=True)
