"""The executive digest: headline figures, what changed, the silo map, comments, a chart."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, _, format_decimal, format_signed, format_week, ngettext
from bot.insights.changes import ORGANISATION as CHANGES_ORGANISATION
from bot.insights.digest_data import Change, DepartmentFigures, DigestData, Finding, Pair
from bot.insights.findings import WINDOW
from bot.insights.introductions import IntroductionsSummary, Offer, PairEffect
from bot.messages import Action, ActionId, Fact, Image, Message, MessageKind, Section

WITHHELD = N_("withheld (fewer than {k} answers)")
TOP_PAIRS = 5
MAX_COMMENTS = 5
MAX_TOO_EARLY = 3
REPLY_EXCERPT = 32  # characters of a comment on its Reply button

METRICS = {"engagement": N_("engagement"), "enps": N_("eNPS")}
ORGANISATION = "organisation"  # the scope of the whole organisation's digest


@dataclass(frozen=True)
class DigestMessageData:
    digest: DigestData
    chart: Image | None = None
    details: bool = False  # the full collaboration matrix instead of the summary


def _num(value: float | None, unit: str = "", change: float | None = None) -> str:
    if value is None:
        return "—"
    text = f"{format_decimal(value, 0)}{unit}"
    if change is not None:
        text += f" ({format_signed(change, 0)})"
    return text


def _scope(scope: str) -> str:
    """The organisation in the reader's words; a department as the admin named it."""
    return _(scope) if scope == ORGANISATION else scope


def _headline(d: DigestData) -> Section:
    return Section(
        heading=_("This week"),
        facts=(
            Fact(
                _("Response rate"),
                _("{rate} ({responded} of {invited})").format(
                    rate=_num(d.response_rate, "%"), responded=d.responded, invited=d.invited
                ),
            ),
            Fact(_("Engagement"), _num(d.engagement, "/100", d.engagement_change)),
            Fact(_("eNPS"), _num(d.enps, "", d.enps_change)),
            Fact(_("Trend (4 weeks)"), " → ".join(_num(v) for _w, v in d.trend) or "—"),
        ),
    )


def _changes(changes: tuple[Change, ...]) -> Section:
    if not changes:
        return Section(heading=_("What changed"), text=_("No movement beyond the usual noise."))
    lines = [
        f"• {_(c.subject) if c.subject == CHANGES_ORGANISATION else c.subject}: "
        f"{_(METRICS.get(c.metric, c.metric))} {format_decimal(c.before, 0)} → "
        f"{format_decimal(c.after, 0)} ({format_signed(c.delta, 0)}). {c.action}"
        for c in changes
    ]
    return Section(heading=_("What changed"), text="\n".join(lines))


def _since(f: Finding) -> str:
    if f.weeks <= 1:
        return _("new this week")
    ordinal = {
        2: N_("for the second week"),
        3: N_("for the third week"),
        4: N_("for the fourth week"),
    }.get(f.weeks)
    if ordinal:
        return _(ordinal)
    return ngettext("for {n} week running", "for {n} weeks running", f.weeks).format(n=f.weeks)


def _finding(f: Finding) -> str:
    since = _since(f)
    if f.kind == "friction":
        if f.smoothness is None:
            return _("Friction: {subject} finds working with {other} rough ({since})").format(
                subject=f.subject, other=f.other, since=since
            )
        return _(
            "Friction: {subject} rates working with {other} {score}/5 "
            "over {weeks} weeks ({since})"
        ).format(
            subject=f.subject,
            other=f.other,
            score=format_decimal(f.smoothness),
            weeks=WINDOW,
            since=since,
        )
    if f.smoothness is None or f.smoothness_back is None:
        return _(
            "One-sided: {subject} finds working with {other} rough, {other} finds it "
            "smooth ({since})"
        ).format(subject=f.subject, other=f.other, since=since)
    return _(
        "One-sided: {subject} → {other} {score}/5, {other} → {subject} "
        "{score_back}/5 over {weeks} weeks ({since})"
    ).format(
        subject=f.subject,
        other=f.other,
        score=format_decimal(f.smoothness),
        score_back=format_decimal(f.smoothness_back),
        weeks=WINDOW,
        since=since,
    )


def _too_early(f: Finding) -> str:
    if f.kind == "island":
        return _("how much {subject} works with other teams").format(subject=f.subject)
    return _("how smoothly {subject} and {other} work together").format(
        subject=f.subject, other=f.other
    )


def _silos(d: DigestData) -> Section:
    lines = []
    islands = [f for f in d.findings if f.kind == "island"]
    if islands:
        lines.append(
            _("Islands (little work with other teams): {islands}").format(
                islands=", ".join(f"{f.subject} ({_since(f)})" for f in islands)
            )
        )
    lines += [_finding(f) for f in d.findings if f.kind in ("friction", "one_sided")]
    if d.too_early:
        lines.append(
            _("Too early to tell: {items}. More answers over the coming weeks will say.").format(
                items="; ".join(_too_early(f) for f in d.too_early[:MAX_TOO_EARLY])
            )
        )
    if d.bridges:
        lines.append(
            _("Bridges (tied to the most teams): {bridges}").format(bridges=", ".join(d.bridges))
        )
    busiest = sorted((p for p in d.collaboration if p.ties), key=lambda p: -(p.ties or 0))
    for p in busiest[:TOP_PAIRS]:
        smooth = (
            _(", smoothness {score}/5").format(score=format_decimal(p.smoothness))
            if p.smoothness is not None
            else ""
        )
        people = ngettext("{n} person", "{n} people", p.ties or 0).format(n=p.ties)
        lines.append(f"{p.source} → {p.target}: {people}{smooth}")
    if d.kudos:
        top = ", ".join(f"{a} → {b} ({n})" for a, b, n in d.kudos[:3])
        lines.append(_("Thanks across teams: {top}").format(top=top))
    lines += [_("Suggested: {action}").format(action=action) for action in d.actions]
    return Section(
        heading=_("Silo map"), text="\n".join(lines) or _("Not enough answers yet.")
    )


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
        first=e.first, second=e.second, week=format_week(e.since)
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
            _(WITHHELD).format(k=k)
            if r.suppressed
            else _("{engagement}, {rate} answered").format(
                engagement=_num(r.engagement, "/100", r.engagement_change),
                rate=_num(r.response_rate, "%"),
            ),
        )
        for r in rows
    )
    return Section(heading=_("Departments"), facts=facts)


def _matrix(pairs: tuple[Pair, ...], k: int) -> Section:
    lines = [
        f"{p.source} → {p.target}: "
        + (
            _("withheld (fewer than {k})").format(k=k)
            if p.ties is None
            else _("{n} worked with").format(n=p.ties)
            + (
                _(", smoothness {score}").format(score=format_decimal(p.smoothness))
                if p.smoothness is not None
                else ""
            )
            + (_(", {n} blocked").format(n=p.blocked) if p.blocked else "")
        )
        for p in pairs
    ]
    return Section(
        heading=_("Collaboration matrix"), text="\n".join(lines) or _("No ties yet.")
    )


def _manager(data: DigestMessageData, title: str) -> Message:
    """A manager's people: their headline and trend only. Silo findings, departments and
    comments are for the organisation's and departments' digests."""
    d = data.digest
    if d.suppressed:
        text = _(
            "No figures for your people in {week}: fewer than {k} of them answered, or their "
            "figures would let someone work out a smaller group's answers from their "
            "department's. Everyone stays anonymous."
        ).format(week=format_week(d.week), k=d.threshold)
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
    title = _("Collaboration digest: {scope}, {week}").format(
        scope=_scope(d.scope), week=format_week(d.week)
    )
    if d.reports_of is not None:
        return _manager(data, title)
    if d.suppressed:
        text = _(
            "Fewer than {k} people answered in {scope} in {week}, so "
            "no figures are shown, to keep everyone anonymous."
        ).format(k=d.threshold, scope=_scope(d.scope), week=format_week(d.week))
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
                    heading=_("Comments (anonymous)"),
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
            Action(id=ActionId.SILOS, label=_("Full silo map")),
            *(_introduce_button(d.week, offer) for offer in d.offers),
            *_replies(d),
        ),
        context=_("Figures only for groups of {k}+ answers; comments for {k_comments}+.").format(
            k=d.threshold, k_comments=d.comment_threshold
        ),
    )


def _replies(d: DigestData) -> tuple[Action, ...]:
    """A Reply button under each comment shown that has a sealed author (anonymous
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
