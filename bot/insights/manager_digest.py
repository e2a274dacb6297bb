"""A manager's digest: the people who report to them, directly or through others.

Their figures were rolled up when each round closed (`bot.pulse.publish.manager_scopes`),
only for scopes that split no department (as stored) or other scope into a part smaller
than k (`bot.anonymity.refine_safely`); a week without such figures shows none. A week
whose threshold was raised since it closed shows none either: the guard ran under the
threshold of the day."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.anonymity import effective_k, shown
from bot.i18n import _
from bot.insights.analytics import Nps, Stat, engagement_index, rounded
from bot.insights.digest import _refuse_open_week, trend_weeks, weeks_thresholds
from bot.insights.digest_data import DigestData
from bot.insights.figures import WeekFigures, weeks_figures
from bot.pulse.rollup import POOLED
from bot.pulse.schedule import previous_week
from bot.store.models import Person, Round, Survey


class TooFewReports(LookupError):
    """The manager has fewer people reporting to them than the threshold: never any figure."""


async def build_manager_digest(
    session: AsyncSession, *, survey: Survey, week: str, manager: Person, reports: int
) -> DigestData:
    """The digest of `manager`'s people for one closed week; `reports` is how many people
    report to them now (`bot.people.reports.reports_of`)."""
    k_now = effective_k(survey.k_scores)
    if not shown(reports, k_now):
        raise TooFewReports(manager.name)
    await _refuse_open_week(session, survey=survey, week=week)
    weeks = trend_weeks(week)
    limits = await weeks_thresholds(session, survey=survey, weeks=weeks)
    published = await _published_thresholds(session, survey=survey, weeks=weeks)
    figures = await weeks_figures(session, tenant_id=survey.tenant_id, weeks=weeks)
    scope_of = {
        w: _scope(figures[w], manager.id or 0, k=limits[w][0], published=published.get(w))
        for w in weeks
    }
    k, kc = limits[week]
    scope = _("people reporting to {name}").format(name=manager.name)
    now, before = scope_of[week], scope_of[previous_week(week)]
    if now is None:
        return DigestData(
            week=week,
            scope=scope,
            threshold=k,
            comment_threshold=kc,
            suppressed=True,
            reports_of=manager.name,
        )
    n, invited = now.respondents.get(POOLED, 0), now.invited.get(POOLED, 0)
    engagement = engagement_index(now.engagement.get(POOLED, Stat()))
    enps = now.enps.get(POOLED, Nps()).score
    engagement_before = enps_before = None
    if before is not None:
        engagement_before = engagement_index(before.engagement.get(POOLED, Stat()))
        enps_before = before.enps.get(POOLED, Nps()).score
    trend = tuple(
        (
            w,
            None
            if scope_of[w] is None
            else rounded(engagement_index(scope_of[w].engagement.get(POOLED, Stat()))),
        )
        for w in trend_weeks(week)
    )
    return DigestData(
        week=week,
        scope=scope,
        threshold=k,
        comment_threshold=kc,
        suppressed=False,
        invited=invited,
        responded=n,
        response_rate=rounded(min(n / invited, 1.0) * 100 if invited else None),
        engagement=rounded(engagement),
        engagement_change=_change(engagement, engagement_before),
        enps=rounded(enps),
        enps_change=_change(enps, enps_before),
        trend=trend,
        reports_of=manager.name,
    )


def _scope(
    figures: WeekFigures, manager_id: int, *, k: int, published: int | None
) -> WeekFigures | None:
    """The manager's people's figures of a week, or None when there are none to show."""
    scope = figures.managers.get(manager_id)
    if scope is None or published is None or k > published:
        return None
    return scope if shown(scope.respondents.get(POOLED, 0), k) else None


def _change(now: float | None, before: float | None) -> float | None:
    return rounded(now - before) if now is not None and before is not None else None


async def _published_thresholds(
    session: AsyncSession, *, survey: Survey, weeks: list[str]
) -> dict[str, int]:
    """The score threshold each week's round closed under (what the guard was run with)."""
    rows = await session.exec(
        select(Round.week, func.max(Round.k_scores))
        .where(Round.survey_id == survey.id, col(Round.week).in_(weeks))
        .group_by(Round.week)
    )
    return {w: effective_k(ks) for w, ks in rows.all() if ks is not None}
