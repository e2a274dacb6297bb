"""The executive digest: headline figures, what changed, the silo map, comments, a chart."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, _, ngettext
from bot.insights.digest_data import Change, DepartmentFigures, DigestData, Finding, Pair
from bot.insights.findings import WINDOW
from bot.insights.introductions import IntroductionsSummary, Offer, PairEffect
from bot.messages import Action, ActionId, Fact, Image, Message, MessageKind, Section

WITHHELD = "withheld (fewer than {k} answers)"
TOP_PAIRS = 5
MAX_COMMENTS = 5
MAX_TOO_EARLY = 3
REPLY_EXCERPT = 32  # characters of a comment on its Reply button

METRICS = {"engagement": "engagement", "enps": "eNPS"}


@dataclass(frozen=True)
class DigestMessageData:
    digest: DigestData
    chart: Image | None = None
    details: bool = False  # the full collaboration matrix instead of the summary


def _num(value: float | None, unit: str = "", change: float | None = None) -> str:
    if value is None:
        return "—"
    text = f"{value:.0f}{unit}"
    if change is not None:
        text += f" ({change:+.0f})"
    return text


def _headline(d: DigestData) -> Section:
    return Section(
        heading="This week",
        facts=(
            Fact("Response rate", f"{_num(d.response_rate, '%')} ({d.responded} of {d.invited})"),
            Fact("Engagement", _num(d.engagement, "/100", d.engagement_change)),
            Fact("eNPS", _num(d.enps, "", d.enps_change)),
            Fact("Trend (4 weeks)", " → ".join(_num(v) for _, v in d.trend) or "—"),
        ),
    )


def _changes(changes: tuple[Change, ...]) -> Section:
    if not changes:
        return Section(heading="What changed", text="No movement beyond the usual noise.")
    lines = [
        f"• {c.subject}: {METRICS.get(c.metric, c.metric)} {c.before:.0f} → {c.after:.0f} "
        f"({c.delta:+.0f}). {c.action}"
        for c in changes
    ]
    return Section(heading="What changed", text="\n".join(lines))


def _since(f: Finding) -> str:
    if f.weeks <= 1:
        return "new this week"
    ordinal = {2: "second", 3: "third", 4: "fourth"}.get(f.weeks)
    return f"for the {ordinal} week" if ordinal else f"for {f.weeks} weeks running"


def _finding(f: Finding) -> str:
    since = _since(f)
    if f.kind == "friction":
        if f.smoothness is None:
            return f"Friction: {f.subject} finds working with {f.other} rough ({since})"
        return (
            f"Friction: {f.subject} rates working with {f.other} {f.smoothness:.1f}/5 "
            f"over {WINDOW} weeks ({since})"
        )
    if f.smoothness is None or f.smoothness_back is None:
        return (
            f"One-sided: {f.subject} finds working with {f.other} rough, {f.other} finds it "
            f"smooth ({since})"
        )
    return (
        f"One-sided: {f.subject} → {f.other} {f.smoothness:.1f}/5, {f.other} → {f.subject} "
        f"{f.smoothness_back:.1f}/5 over {WINDOW} weeks ({since})"
    )


def _too_early(f: Finding) -> str:
    if f.kind == "island":
        return f"how much {f.subject} works with other teams"
    return f"how smoothly {f.subject} and {f.other} work together"


def _silos(d: DigestData) -> Section:
    lines = []
    islands = [f for f in d.findings if f.kind == "island"]
    if islands:
        lines.append(
            "Islands (little work with other teams): "
            + ", ".join(f"{f.subject} ({_since(f)})" for f in islands)
        )
    lines += [_finding(f) for f in d.findings if f.kind in ("friction", "one_sided")]
    if d.too_early:
        lines.append(
            "Too early to tell: "
            + "; ".join(_too_early(f) for f in d.too_early[:MAX_TOO_EARLY])
            + ". More answers over the coming weeks will say."
        )
    if d.bridges:
        lines.append("Bridges (tied to the most teams): " + ", ".join(d.bridges))
    busiest = sorted((p for p in d.collaboration if p.ties), key=lambda p: -(p.ties or 0))
    for p in busiest[:TOP_PAIRS]:
        smooth = f", smoothness {p.smoothness:.1f}/5" if p.smoothness is not None else ""
        lines.append(f"{p.source} → {p.target}: {p.ties} people{smooth}")
    if d.kudos:
        top = ", ".join(f"{a} → {b} ({n})" for a, b, n in d.kudos[:3])
        lines.append(f"Thanks across teams: {top}")
    lines += [f"Suggested: {action}" for action in d.actions]
    return Section(heading="Silo map", text="\n".join(lines) or "Not enough answers yet.")


def _introduce_button(week: str, offer: Offer) -> Action:
    return Action(
        id=ActionId.INTRODUCE,
        label=_("Introduce {first} and {second}").format(first=offer.subject, second=offer.other),
        value=offer.value(week),
    )


MOVED = {"up": N_("more ties than before"), "down": N_("fewer ties than before")}
SMOOTHER = {"up": N_("smoother than before"), "down": N_("rougher than before")}


def _effect(e: PairEffect) -> str:
    head = _("{first} and {second} (introduced {week})").format(
        first=e.first, second=e.second, week=e.since
    )
    if e.too_early:
        return head + ": " + _("too early to tell (under two weeks of answers since).")
    ties = _("ties a week {before} → {after}").format(
        before=_figure(e.ties_before), after=_figure(e.ties_after)
    )
    smooth = _("smoothness {before} → {after}").format(
        before=_figure(e.smoothness_before), after=_figure(e.smoothness_after)
    )
    verdicts = [_(MOVED[e.ties_moved])] if e.ties_moved else []
    verdicts += [_(SMOOTHER[e.smoothness_moved])] if e.smoothness_moved else []
    if verdicts:
        verdict = ", ".join(verdicts)
    elif e.ties_before is None or e.ties_after is None:
        verdict = _("too few answers between the two teams to compare")
    else:
        verdict = _("no change beyond the usual noise")
    return f"{head}: {ties}, {smooth}: {verdict}."


def _figure(value: float | None) -> str:
    return _("withheld") if value is None else f"{value:g}"


def _introductions(summary: IntroductionsSummary) -> Section:
    made = ngettext("{n} introduction made", "{n} introductions made", summary.made).format(
        n=summary.made
    )
    if summary.met is None:
        met = _("how many met is shown once enough introductions have had their follow-up")
    else:
        met = _("{met} of the first {counted} met").format(met=summary.met, counted=summary.counted)
    lines = [f"{made}; {met}."] + [f"• {_effect(e)}" for e in summary.pairs]
    return Section(heading=_("Introductions"), text="\n".join(lines))


def _departments(rows: tuple[DepartmentFigures, ...], k: int) -> Section:
    facts = tuple(
        Fact(
            r.name,
            WITHHELD.format(k=k)
            if r.suppressed
            else f"{_num(r.engagement, '/100', r.engagement_change)}, "
            f"{_num(r.response_rate, '%')} answered",
        )
        for r in rows
    )
    return Section(heading="Departments", facts=facts)


def _matrix(pairs: tuple[Pair, ...], k: int) -> Section:
    lines = [
        f"{p.source} → {p.target}: "
        + (
            f"withheld (fewer than {k})"
            if p.ties is None
            else f"{p.ties} worked with"
            + (f", smoothness {p.smoothness:.1f}" if p.smoothness is not None else "")
            + (f", {p.blocked} blocked" if p.blocked else "")
        )
        for p in pairs
    ]
    return Section(heading="Collaboration matrix", text="\n".join(lines) or "No ties yet.")


def _manager(data: DigestMessageData, title: str) -> Message:
    """A manager's people: their headline and trend only. Silo findings, departments and
    comments are for the organisation's and departments' digests."""
    d = data.digest
    if d.suppressed:
        text = _(
            "No figures for your people in {week}: fewer than {k} of them answered, or their "
            "figures would let someone work out a smaller group's answers from their "
            "department's. Everyone stays anonymous."
        ).format(week=d.week, k=d.threshold)
        return Message(
            kind=MessageKind.DIGEST,
            title=title,
            fallback_text=f"{title}\n{text}",
            sections=(Section(text=text),),
        )
    sections = (
        _headline(d),
        Section(
            text=_(
                "These figures cover the people who report to you, directly or through "
                "others. Silo findings and comments are in the organisation's digest."
            )
        ),
    )
    return Message(
        kind=MessageKind.DIGEST,
        title=title,
        fallback_text="\n".join([title] + [_plain(s) for s in sections]),
        sections=sections,
        image=data.chart,
        context=_("Figures only for groups of {k}+ answers.").format(k=d.threshold),
    )


def render(data: DigestMessageData) -> Message:
    d = data.digest
    title = f"Collaboration digest: {d.scope}, {d.week}"
    if d.reports_of is not None:
        return _manager(data, title)
    if d.suppressed:
        text = (
            f"Fewer than {d.threshold} people answered in {d.scope} in {d.week}, so "
            "no figures are shown, to keep everyone anonymous."
        )
        return Message(
            kind=MessageKind.DIGEST,
            title=title,
            fallback_text=f"{title}\n{text}",
            sections=(Section(text=text),),
        )
    if data.details:
        sections: tuple[Section, ...] = (_matrix(d.collaboration, d.threshold),)
    else:
        sections = (
            _headline(d),
            _changes(d.changes),
            _silos(d),
            _departments(d.departments, d.threshold),
        )
        if d.introductions is not None:
            sections += (_introductions(d.introductions),)
        if d.comments:
            sections += (
                Section(
                    heading="Comments (anonymous)",
                    text="\n".join(f"“{c}”" for c in d.comments[:MAX_COMMENTS]),
                ),
            )
    fallback = "\n".join([title] + [_plain(s) for s in sections])
    return Message(
        kind=MessageKind.DIGEST,
        title=title,
        fallback_text=fallback,
        sections=sections,
        image=None if data.details else data.chart,
        actions=()
        if data.details
        else (
            Action(id=ActionId.SILOS, label="Full silo map"),
            *(_introduce_button(d.week, offer) for offer in d.offers),
            *_replies(d),
        ),
        context=f"Figures only for groups of {d.threshold}+ answers; comments for "
        f"{d.comment_threshold}+.",
    )


def _replies(d: DigestData) -> tuple[Action, ...]:
    """A Reply button under each comment shown whose author can be reached (anonymous
    conversations, `bot/listening/conversations.py`): its value is the comment's id, checked
    again when clicked."""
    buttons = []
    for text, ref in zip(d.comments[:MAX_COMMENTS], d.comment_ids, strict=False):
        if ref is None:
            continue
        excerpt = text if len(text) <= REPLY_EXCERPT else text[: REPLY_EXCERPT - 1] + "…"
        label = _("Reply to “{excerpt}”").format(excerpt=excerpt)
        buttons.append(Action(id=ActionId.CONVO_REPLY, label=label, value=str(ref)))
    return tuple(buttons)


def _plain(section: Section) -> str:
    parts = [section.heading or ""] + ([section.text] if section.text else [])
    parts += [f"  {f.label}: {f.value}" for f in section.facts]
    return "\n".join(p for p in parts if p)


EXAMPLE = DigestMessageData(
    digest=DigestData(
        week="2026-W48",
        scope="organisation",
        threshold=5,
        comment_threshold=10,
        suppressed=False,
        invited=200,
        responded=164,
        response_rate=82.0,
        engagement=68.4,
        engagement_change=-3.1,
        enps=12.0,
        enps_change=1.0,
        trend=(("2026-W45", 71.0), ("2026-W46", 70.2), ("2026-W47", 71.5), ("2026-W48", 68.4)),
        departments=(
            DepartmentFigures("Engineering", False, 50, 42, 84.0, 70.1, 0.5, 20.0),
            DepartmentFigures("Legal", True),
            DepartmentFigures("Support", False, 30, 25, 83.3, 51.0, -22.0, -12.0),
        ),
        collaboration=(
            Pair("Engineering", "Support", 12, 3.9, 0, False),
            Pair("Support", "Engineering", 15, 2.5, 6, False),
            Pair("Legal", "Sales", None, None, None, True),
        ),
        isolated=("Data Science",),
        bridges=("Engineering",),
        actions=(
            "Hold a joint retro for Support and Engineering: Support rates the work 2.5/5.",
            "Introduce Data Science to Engineering, the team most others work with.",
        ),
        friction=(Pair("Support", "Engineering", 15, 2.5, 6, False),),
        findings=(
            Finding("island", "Data Science", None, 3),
            Finding("friction", "Support", "Engineering", 1, 2.5),
            Finding("bridge", "Engineering", None, 4),
        ),
        too_early=(Finding("friction", "Legal", "Sales", 0),),
        offers=(
            Offer("friction", "Support", "Engineering"),
            Offer("island", "Data Science", "Engineering"),
        ),
        introductions=IntroductionsSummary(
            made=6,
            counted=5,
            met=3,
            pairs=(
                PairEffect(
                    "Data Science",
                    "Engineering",
                    "2026-W44",
                    3,
                    False,
                    0.0,
                    6.3,
                    None,
                    3.9,
                    "up",
                    None,
                ),
                PairEffect("Support", "Engineering", "2026-W47", 1, True, 15.0, None, 2.5),
            ),
        ),
        kudos=(("Sales", "Engineering", 4),),
        comments=("More time for deep work, please.",),
        comment_ids=(42,),
        changes=(
            Change(
                "Support",
                "engagement",
                73.0,
                51.0,
                "Ask Support's leads to hold a short listening session.",
            ),
        ),
    )
)
