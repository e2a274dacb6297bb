"""The person's home (a platform's app home or personal tab): their status and what they can do;
admins also see the organisation's status, executives the latest digest's headline."""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.templates import status as status_template
from bot.i18n import _
from bot.messages import Action, ActionId, Fact, Message, MessageKind, Section, Style


@dataclass(frozen=True)
class HomeData:
    status: status_template.StatusData
    name: str
    org_facts: tuple[Fact, ...] = ()  # admins only
    admin_status: Section | None = None  # admins only: last round's delivery, what's next
    digest_facts: tuple[Fact, ...] = ()  # executives and admins


def render(data: HomeData) -> Message:
    personal = status_template.render(data.status)
    sections = (
        Section(
            text=_(
                "Hi {name}. Crosspulse asks a one-minute pulse "
                "each week; leaders only ever see group figures."
            ).format(name=data.name.split()[0])
        ),
        *personal.sections,
    )
    if data.org_facts:
        sections += (Section(heading=_("Organisation (admin)"), facts=data.org_facts),)
    if data.admin_status is not None:
        sections += (data.admin_status,)
    if data.digest_facts:
        sections += (Section(heading=_("Latest digest"), facts=data.digest_facts),)
    actions = [Action(id=ActionId.CHECKIN_NOW, label=_("Check in now"), style=Style.PRIMARY)]
    actions.append(
        Action(id=ActionId.OPTIN, label=_("Opt back in"))
        if data.status.opted_out
        else Action(id=ActionId.OPTOUT, label=_("Opt out"))
    )
    if data.digest_facts:
        actions.append(Action(id=ActionId.DIGEST, label=_("Open the digest")))
    if data.org_facts:
        actions.append(Action(id=ActionId.ADMIN, label=_("Admin settings")))
    actions.append(Action(id=ActionId.FORGET_ME, label=_("Erase my data"), style=Style.DANGER))
    fallback = "\n".join(
        [personal.fallback_text]
        + [f"{f.label}: {f.value}" for f in data.org_facts + data.digest_facts]
        + [f"{f.label}: {f.value}" for f in (data.admin_status.facts if data.admin_status else ())]
    )
    return Message(
        kind=MessageKind.HOME,
        title="Crosspulse",
        fallback_text=fallback,
        sections=sections,
        actions=tuple(actions),
    )


EXAMPLE = HomeData(
    status=status_template.EXAMPLE,
    name="Ada Lovelace",
    org_facts=(
        Fact("People", "200 (12 opted out)"),
        Fact("This week", "81% answered"),
        Fact("Schedule", "weekly, tue 10:00 local"),
    ),
    admin_status=Section(
        heading="Delivery (admin)",
        text="Could not be reached:\n• Cy C: not in the workspace",
        facts=(
            Fact("Last round", "2026-W47"),
            Fact("Sent", "198"),
            Fact("Failed", "1"),
            Fact("Answered", "61% (122 of 200)"),
            Fact("Next pulse", "Tue 1 Dec, 10:00 (each person's local time)"),
            Fact("Next digest", "Mon 7 Dec, 08:00 (each executive's local time)"),
        ),
    ),
    digest_facts=(Fact("Week", "2026-W47"), Fact("Engagement", "68/100 (-3)")),
)
