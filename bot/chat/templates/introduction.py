"""Two people introduced: who, why (the finding in neutral words, no figures) and a
suggested first step. One message to both where the platform allows a group conversation;
else each gets it 1:1 with a way to open a chat with the other (the adapter adds that)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, _
from bot.messages import Message, MessageKind, Section

WHY = {
    "island": N_(
        "The weekly pulse suggests {first_team} works mostly on its own, and {second_team} is "
        "the team most others work with."
    ),
    "friction": N_(
        "The weekly pulse suggests work between {first_team} and {second_team} could run more "
        "smoothly."
    ),
    "one_sided": N_(
        "The weekly pulse suggests {first_team} and {second_team} see their work together "
        "differently."
    ),
    "pairing": N_(
        "A cross-team coffee: you both asked to meet people from other teams, and this "
        "round paired you."
    ),
}
STEP = {
    "island": N_(
        "Suggested first step: a short show-and-tell, each of you showing what your team is "
        "working on."
    ),
    "friction": N_(
        "Suggested first step: a 30-minute joint retro: what works, what grinds, one thing to try."
    ),
    "one_sided": N_(
        "Suggested first step: pick one: a 30-minute joint retro, or a short show-and-tell."
    ),
    "pairing": N_("Suggested first step: a 20-minute coffee chat, in person or on a call."),
}


@dataclass(frozen=True)
class IntroductionData:
    kind: str  # island | friction | one_sided | pairing
    first: str
    first_team: str
    second: str
    second_team: str


def render(data: IntroductionData) -> Message:
    teams = {"first_team": data.first_team, "second_team": data.second_team}
    title = _("Meet each other: {first} and {second}").format(first=data.first, second=data.second)
    meet = _("{first} ({first_team}), meet {second} ({second_team}).").format(
        first=data.first, second=data.second, **teams
    )
    why = _(WHY.get(data.kind, WHY["pairing"])).format(**teams)
    step = _(STEP.get(data.kind, STEP["pairing"]))
    return Message(
        kind=MessageKind.INTRODUCTION,
        title=title,
        fallback_text="\n".join((title, meet, why, step)),
        sections=(Section(text=meet), Section(text=why), Section(text=step)),
        context=_("A week from now I will ask each of you whether you met."),
    )


EXAMPLE = IntroductionData(
    kind="island",
    first="Dana Scientist",
    first_team="Data Science",
    second="Eli Engineer",
    second_team="Engineering",
)
