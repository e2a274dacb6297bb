"""Build DigestData for a scope and week from aggregate queries, through the anonymity rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import distinct, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.anonymity import comment_allowed, effective_k, shown, suppressed_groups
from bot.enums import DeliveryKind, DeliveryState, RoundState
from bot.i18n import DEFAULT_LOCALE, N_, _, current_locale, format_datetime, format_week
from bot.insights import findings, introductions, silos
from bot.insights.analytics import (
    Nps,
    Stat,
    engagement_index,
    rounded,
)
from bot.insights.changes import movements
from bot.insights.digest_data import DepartmentFigures, DigestData, Pair
from bot.insights.figures import WeekFigures, weeks_figures, withheld
from bot.insights.heatmap import heat_map
from bot.people.names import name_index
from bot.pulse.schedule import previous_week
from bot.store.models import Comment, Delivery, Department, Kudos, Round, Survey

ORG = N_("organisation")
TREND_WEEKS = 4


async def build_digest(
    session: AsyncSession, *, survey: Survey, week: str, department: str | None = None
) -> DigestData:
    """The digest for the organisation, or one department of it, for one ISO week."""
    await _refuse_open_week(session, survey=survey, week=week)
    weeks = trend_weeks(week, findings.HISTORY + findings.WINDOW)
    limits = await weeks_thresholds(session, survey=survey, weeks=weeks)
    figures = await weeks_figures(session, tenant_id=survey.tenant_id, weeks=weeks)
    k, kc = limits[week]
    names = dict(
        (
            await session.exec(
                select(Department.id, Department.name).where(
                    Department.tenant_id == survey.tenant_id
                )
            )
        ).all()
    )
    now, before = figures[week], figures[previous_week(week)]
    sizes = {d: now.respondents.get(d, 0) for d in names}
    org_n = now.org_respondents()
    hidden = _hidden(now, names, k)
    hidden_before = _hidden(before, names, max(k, limits[previous_week(week)][0]))
    scope_id = _scope_id(names, department)
    scope = ORG if scope_id is None else names[scope_id]
    if (scope_id is None and not shown(org_n, k)) or (scope_id is not None and scope_id in hidden):
        return DigestData(
            week=week,
            scope=scope,
            threshold=k,
            comment_threshold=kc,
            suppressed=True,
            unreachable=await _unreachable(session, survey=survey, week=week)
            if scope_id is None
            else None,
        )
    departments = tuple(
        _department(names[d], d, now, before, hidden, hidden_before)
        for d in sorted(names, key=lambda d: names[d])
    )
    pairs = _pairs(now.cells, names=names, hidden=hidden, k=k)
    changes = movements(now, before, names, hidden, hidden_before, k)
    trend = await engagement_trend(
        session, survey=survey, week=week, scope_id=scope_id, k=k, names=names,
        known=(figures, limits),
    )
    if scope_id is None:
        head = _org_head(now, before, k)
    else:
        row = next(r for r in departments if r.name == scope)
        head = {
            "invited": row.invited,
            "responded": row.responded,
            "response_rate": row.response_rate,
            "engagement": row.engagement,
            "engagement_change": row.engagement_change,
            "enps": row.enps,
            "enps_change": None,
        }
        departments = (row,)
        pairs = tuple(p for p in pairs if scope in (p.source, p.target))
        changes = tuple(c for c in changes if c.subject == scope)
    shown_comments = await _comments(
        session, survey=survey, week=week, scope_id=scope_id, kc=kc, sizes=sizes, org_n=org_n
    )
    kudos = await _kudos(
        session, survey=survey, week=week, names=names, k=k, hidden=hidden, scope_id=scope_id
    )
    found, too_early = findings.findings(
        findings.read_weeks(weeks, figures, limits, names, k), names
    )
    if scope_id is not None:
        found = tuple(f for f in found if scope in (f.subject, f.other))
        too_early = tuple(f for f in too_early if scope in (f.subject, f.other))
    islands, rough, one_sided, hubs = findings.as_fields(found, pairs)
    unreachable = (
        await _unreachable(session, survey=survey, week=week) if scope_id is None else None
    )
    intros = await _introductions(
        session, survey=survey, week=week, names=names, k=k, org=scope_id is None
    )
    heat = (
        heat_map(now, names, hidden=hidden, k=k, org_label=ORG)
        if scope_id is None
        else None
    )
    return DigestData(
        week=week,
        scope=scope,
        threshold=k,
        comment_threshold=kc,
        suppressed=False,
        unreachable=unreachable,
        **head,
        trend=trend,
        departments=departments,
        collaboration=pairs,
        isolated=islands,
        friction=rough,
        asymmetric=one_sided,
        bridges=hubs,
        actions=silos.suggestions(islands=islands, rough=rough, one_sided=one_sided, hubs=hubs),
        kudos=kudos,
        comments=tuple(text for text, _ in shown_comments),
        comment_ids=tuple(ref for _, ref in shown_comments),
        changes=changes,
        findings=found,
        too_early=too_early,
        offers=introductions.offers(islands=islands, rough=rough, one_sided=one_sided, hubs=hubs)
        if scope_id is None
        else (),
        introductions=intros,
        heatmap=heat,
    )


async def _introductions(
    session: AsyncSession, *, survey: Survey, week: str, names: dict[int, str], k: int, org: bool
) -> introductions.IntroductionsSummary | None:
    """The organisation digest's "Introductions" (made, met, effect); none in a department's."""
    if not org:
        return None

    async def thresholds(weeks: list[str]) -> dict[str, tuple[int, int]]:
        return await weeks_thresholds(session, survey=survey, weeks=weeks)

    return await introductions.summary(
        session,
        tenant_id=survey.tenant_id,
        week=week,
        names=names,
        k=k,
        thresholds=thresholds,
        block=effective_k(survey.k_scores),  # as `/pulse introductions` counts them
    )


def trend_weeks(week: str, count: int = 0) -> list[str]:
    """The weeks a digest reads, oldest first: the trend's four (the week and the one before
    among them), or `count` when the findings need more."""
    weeks = [week]
    for _week in range(max(TREND_WEEKS, count) - 1):
        weeks.insert(0, previous_week(weeks[0]))
    return weeks


async def weeks_thresholds(
    session: AsyncSession, *, survey: Survey, weeks: list[str]
) -> dict[str, tuple[int, int]]:
    """Each week's thresholds for scores and comments: today's, or those it was published
    under when they were higher, so lowering a threshold never reveals a withheld figure."""
    published = dict.fromkeys(weeks, (0, 0))
    rows = await session.exec(
        select(Round.week, func.max(Round.k_scores), func.max(Round.k_comments))
        .where(Round.survey_id == survey.id, col(Round.week).in_(weeks))
        .group_by(Round.week)
    )
    for w, ks, kc in rows.all():
        published[w] = (ks or 0, kc or 0)
    limits = {}
    for w, (ks, kc) in published.items():
        k = effective_k(max(survey.k_scores, ks))
        limits[w] = (k, max(survey.k_comments, kc, k))
    return limits


def _hidden(figures: WeekFigures, names: dict[int, str], k: int) -> set[int]:
    return withheld(figures, names, k)


async def _unreachable(session: AsyncSession, *, survey: Survey, week: str) -> int:
    """People whose pulse this week could not be delivered at all (failed, not unknown)."""
    return (
        await session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.tenant_id == survey.tenant_id,
                Delivery.week == week,
                Delivery.kind == DeliveryKind.PULSE,
                Delivery.state == DeliveryState.FAILED,
            )
        )
    ).one()


def _scope_id(names: dict[int, str], department: str | None) -> int | None:
    if department is None:
        return None
    for d, name in names.items():
        if name.lower() == department.lower():
            return d
    raise LookupError(
        _("There is no department called “{department}”. Known: {known}.").format(
            department=department, known=", ".join(sorted(names.values()))
        )
    )


def _org_head(now: WeekFigures, before: WeekFigures, k: int) -> dict:
    n, invited = now.org_respondents(), sum(now.invited.values())
    eng, eng_before = engagement_index(now.org_engagement()), None
    enps_now = sum(now.enps.values(), Nps())
    enps_before = sum(before.enps.values(), Nps())
    if shown(before.org_respondents(), k):
        eng_before = engagement_index(before.org_engagement())
    return {
        "invited": invited,
        "responded": n,
        "response_rate": rounded(min(n / invited, 1.0) * 100 if invited else None),
        "engagement": rounded(eng),
        "engagement_change": rounded(eng - eng_before)
        if eng is not None and eng_before is not None
        else None,
        "enps": rounded(enps_now.score),
        "enps_change": rounded(enps_now.score - enps_before.score)
        if shown(enps_before.n, k) and enps_now.score is not None and enps_before.score is not None
        else None,
    }


def _department(
    name: str,
    d: int,
    now: WeekFigures,
    before: WeekFigures,
    hidden: set[int],
    hidden_before: set[int],
) -> DepartmentFigures:
    if d in hidden:
        return DepartmentFigures(name=name, suppressed=True)
    n, invited = now.respondents.get(d, 0), now.invited.get(d, 0)
    eng = engagement_index(now.engagement.get(d, Stat()))
    eng_before = None if d in hidden_before else engagement_index(before.engagement.get(d, Stat()))
    enps = now.enps.get(d, Nps()).score
    enps_before = None if d in hidden_before else before.enps.get(d, Nps()).score
    return DepartmentFigures(
        name=name,
        suppressed=False,
        invited=invited,
        responded=n,
        response_rate=rounded(min(n / invited, 1.0) * 100 if invited else None),
        engagement=rounded(eng),
        engagement_change=rounded(eng - eng_before)
        if eng is not None and eng_before is not None
        else None,
        enps=rounded(enps),
        enps_change=rounded(enps - enps_before)
        if enps is not None and enps_before is not None
        else None,
    )


def _pairs(
    cells: dict[tuple[int, int], dict[str, tuple[int, float]]],
    *,
    names: dict[int, str],
    hidden: set[int],
    k: int,
) -> tuple[Pair, ...]:
    """The collaboration matrix; every cell below k (ties, raters, blocked) is withheld."""
    pairs = []
    named = {cell: items for cell, items in cells.items() if cell[0] in names and cell[1] in names}
    for (source, target), items in sorted(
        named.items(), key=lambda c: (names[c[0][0]], names[c[0][1]])
    ):
        ties = items.get("worked_with", (0, 0))[0]
        raters, total = items.get("smoothness", (0, 0.0))
        blocked = items.get("blocked_by", (0, 0))[0]
        withheld = source in hidden
        pairs.append(
            Pair(
                source=names[source],
                target=names[target],
                ties=ties if not withheld and shown(ties, k) else None,
                smoothness=round(total / raters, 2) if not withheld and shown(raters, k) else None,
                blocked=blocked if not withheld and shown(blocked, k) else None,
                suppressed=withheld or not shown(ties, k),
            )
        )
    return tuple(pairs)


async def engagement_trend(
    session: AsyncSession,
    *,
    survey: Survey,
    week: str,
    scope_id: int | None,
    k: int,
    names: dict[int, str],
    known: tuple[dict[str, WeekFigures], dict[str, tuple[int, int]]] | None = None,
) -> tuple[tuple[str, float | None], ...]:
    """Four weeks of engagement for the scope, each under its own thresholds; `known` are
    the weeks' figures and thresholds when the caller has read them already."""
    weeks = trend_weeks(week)
    if known is None:
        known = (
            await weeks_figures(session, tenant_id=survey.tenant_id, weeks=weeks),
            await weeks_thresholds(session, survey=survey, weeks=weeks),
        )
    figures_of, limits = known
    trend = []
    for w in weeks:
        figures = figures_of[w]
        week_k = max(k, limits[w][0])
        if scope_id is None:
            value = (
                engagement_index(figures.org_engagement())
                if shown(figures.org_respondents(), week_k)
                else None
            )
        else:
            hidden = _hidden(figures, names, week_k)
            value = (
                None
                if scope_id in hidden
                else engagement_index(figures.engagement.get(scope_id, Stat()))
            )
        trend.append((w, rounded(value)))
    return tuple(trend)


async def _refuse_open_week(session: AsyncSession, *, survey: Survey, week: str) -> None:
    """A week's figures exist only once its round closed: live figures move with each answer
    and two looks a minute apart would tell what one person said."""
    still_open = (
        await session.exec(
            select(Round.closes_at).where(
                Round.survey_id == survey.id, Round.week == week, Round.state == RoundState.OPEN
            )
        )
    ).first()
    if still_open is not None:
        raise WeekStillOpen(
            _(
                "{week} is still open (until {closes} UTC); its figures "
                "appear when it closes, so that no one's answer can be singled out."
            ).format(week=format_week(week), closes=_closes(still_open))
        )


def _closes(instant: datetime) -> str:
    if current_locale() == DEFAULT_LOCALE:
        return f"{instant:%a %d %b %H:%M}"
    return format_datetime(instant)


class WeekStillOpen(LookupError):
    """Figures for a round still taking answers are never shown."""


async def _comments(
    session: AsyncSession,
    *,
    survey: Survey,
    week: str,
    scope_id: int | None,
    kc: int,
    sizes: dict[int, int],
    org_n: int,
) -> tuple[tuple[str, int | None], ...]:
    """Comments of the scope, under the comment threshold with secondary suppression: the
    organisation's comments minus a department's must still come from kc people or more.
    Comments were pooled the same way when the round closed (`bot/pulse/publish.py`). Each
    with its id when it can be replied to (a sealed author, set when it was published; an
    erased author's is a decoy, so erasure never takes a button away), else None."""
    n = org_n if scope_id is None else sizes[scope_id]
    if not comment_allowed(n, kc):
        return ()
    if scope_id is not None and scope_id in suppressed_groups(sizes, k=kc):
        return ()
    query = select(Comment.text, Comment.id, col(Comment.author).is_not(None)).where(
        Comment.tenant_id == survey.tenant_id, Comment.week == week
    )
    if scope_id is not None:
        query = query.where(Comment.department_id == scope_id)
    rows = (await session.exec(query)).all()
    # Scrubbed when they arrived; again here for names added since (one pass per comment).
    index = await name_index(session, tenant_id=survey.tenant_id)
    shown = ((index.scrub(t), i if replyable else None) for t, i, replyable in rows)
    return tuple(sorted(shown, key=lambda c: (c[0], c[1] or 0)))


async def _kudos(
    session: AsyncSession,
    *,
    survey: Survey,
    week: str,
    names: dict[int, str],
    k: int,
    hidden: set[int],
    scope_id: int | None,
) -> tuple[tuple[str, str, int], ...]:
    """Cross-team thank-yous per pair of departments, shown only where at least k different
    people gave them and neither department is withheld; a department sees its own pairs."""
    rows = await session.exec(
        select(
            Kudos.from_department_id,
            Kudos.to_department_id,
            func.count(),
            func.count(distinct(Kudos.from_person_id)),
        )
        .where(
            Kudos.tenant_id == survey.tenant_id,
            Kudos.week == week,
            Kudos.from_department_id != Kudos.to_department_id,
        )
        .group_by(Kudos.from_department_id, Kudos.to_department_id)
    )
    shown_pairs = [
        (names[a], names[b], int(n))
        for a, b, n, givers in rows.all()
        if givers >= k
        and a not in hidden
        and b not in hidden
        and (scope_id is None or scope_id in (a, b))
    ]
    return tuple(sorted(shown_pairs, key=lambda x: (-x[2], x[0], x[1])))
