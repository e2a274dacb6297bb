"""/pulse status: the person's own history, and their team's trend when it is big enough."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import _, format_week, ngettext
from bot.messages import Fact, Message, MessageKind, Section


@dataclass(frozen=True)
class StatusData:
    last_checkin: str | None  # ISO week
    streak: int
    next_pulse: str | None
    opted_out: bool
    department: str
    department_trend: tuple[tuple[str, float | None], ...] | None  # None: group too small
    threshold: int


def render(data: StatusData) -> Message:
    facts = [
        Fact(
            _("Last check-in"),
            format_week(data.last_checkin) if data.last_checkin else _("none yet"),
        ),
        Fact(
            _("Streak"),
            ngettext("{n} in a row", "{n} in a row", data.streak).format(n=data.streak),
        ),
        Fact(
            _("Next pulse"),
            _("you have opted out") if data.opted_out else data.next_pulse or "—",
        ),
    ]
    sections = [Section(heading=_("You"), facts=tuple(facts))]
    if data.department_trend is None:
        trend_text = _(
            "{department}'s figures are shown once at least {k} people there answer."
        ).format(department=data.department, k=data.threshold)
        sections.append(Section(heading=data.department, text=trend_text))
    else:
        trend = tuple(
            Fact(
                format_week(week),
                _("withheld (<k)") if v is None else _("{score}/100").format(score=f"{v:.0f}"),
            )
            for week, v in data.department_trend
        )
        trend_text = "; ".join(f"{f.label}: {f.value}" for f in trend)
        sections.append(
            Section(
                heading=_("{department} engagement").format(department=data.department),
                facts=trend,
            )
        )
    lines = [f"{f.label}: {f.value}" for f in facts] + [f"{data.department}: {trend_text}"]
    return Message(
        kind=MessageKind.STATUS,
        title=_("Your pulse status"),
        fallback_text="\n".join(lines),
        sections=tuple(sections),
    )


EXAMPLE = StatusData(
    last_checkin="2026-W47",
    streak=3,
    next_pulse="Tue 1 Dec, 10:00",
    opted_out=False,
    department="Engineering",
    department_trend=(
        ("2026-W45", 71.0),
        ("2026-W46", 69.5),
        ("2026-W47", None),
        ("2026-W48", 73.2),
    ),
    threshold=5,
)
