"""One week's aggregates per department, read from the rollup."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.anonymity import shown, suppressed_groups
from bot.insights.analytics import Nps, Stat, is_engagement_item
from bot.pulse.rollup import (
    DETRACTOR,
    INVITED,
    POOLED,
    PROMOTER,
    RESPONDENTS,
    manager_of,
)
from bot.store.models import WeeklyRollup


@dataclass
class WeekFigures:
    respondents: dict[int, int] = field(default_factory=dict)
    invited: dict[int, int] = field(default_factory=dict)
    engagement: dict[int, Stat] = field(default_factory=dict)
    enps: dict[int, Nps] = field(default_factory=dict)
    cells: dict[tuple[int, int], dict[str, tuple[int, float]]] = field(default_factory=dict)
    # Sum of squares per cell and item (smoothness spreads for the silo findings' intervals).
    cell_sumsq: dict[tuple[int, int], dict[str, float]] = field(default_factory=dict)
    # Each scale item's answers per department (the heat map's rotating items).
    items: dict[int, dict[str, Stat]] = field(default_factory=dict)
    # The same figures for each manager's people (`bot.pulse.rollup.manager_key`), keyed by
    # the manager's person id; each holds one group, under department key 0.
    managers: dict[int, WeekFigures] = field(default_factory=dict)

    def org_engagement(self, exclude: set[int] = frozenset()) -> Stat:  # type: ignore[assignment]
        return sum((s for d, s in self.engagement.items() if d not in exclude), Stat())

    def org_respondents(self, exclude: set[int] = frozenset()) -> int:  # type: ignore[assignment]
        return sum(n for d, n in self.respondents.items() if d not in exclude)


async def week_figures(session: AsyncSession, *, tenant_id: int, week: str) -> WeekFigures:
    """One week's aggregates, read from the rollup (one indexed query, no raw rows)."""
    return (await weeks_figures(session, tenant_id=tenant_id, weeks=[week]))[week]


async def weeks_figures(
    session: AsyncSession, *, tenant_id: int, weeks: list[str]
) -> dict[str, WeekFigures]:
    """Several weeks' aggregates in one query (a digest shows four), each week once."""
    rows = await session.exec(
        select(
            WeeklyRollup.week,
            WeeklyRollup.department_id,
            WeeklyRollup.item,
            WeeklyRollup.target,
            WeeklyRollup.n,
            WeeklyRollup.total,
            WeeklyRollup.sumsq,
        ).where(WeeklyRollup.tenant_id == tenant_id, col(WeeklyRollup.week).in_(weeks))
    )
    by_week: dict[str, list[tuple]] = {w: [] for w in weeks}
    by_manager: dict[str, dict[int, list[tuple]]] = {w: defaultdict(list) for w in weeks}
    for week, department, *row in rows.all():
        if department < 0:
            by_manager[week][manager_of(department)].append((0, *row))
        else:
            by_week[week].append((department, *row))
    figures = {w: _figures(by_week[w]) for w in weeks}
    for w, managers in by_manager.items():
        figures[w].managers = {m: _figures(rows) for m, rows in managers.items()}
    return figures


def _figures(rows: list[tuple]) -> WeekFigures:
    figures = WeekFigures()
    engagement: dict[int, Stat] = defaultdict(Stat)
    nps: dict[int, dict[str, int]] = defaultdict(dict)
    cells: dict[tuple[int, int], dict[str, tuple[int, float]]] = defaultdict(dict)
    spreads: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
    items: dict[int, dict[str, Stat]] = defaultdict(dict)
    for department, item, target, n, total, sumsq in rows:
        if target:
            cells[(department, target)][item] = (int(n), float(total))
            spreads[(department, target)][item] = float(sumsq)
        elif item == RESPONDENTS:
            figures.respondents[department] = int(n)
        elif item == INVITED:
            figures.invited[department] = int(n)
        elif item in (PROMOTER, DETRACTOR, "enps"):
            nps[department][item] = int(n)
            if item == "enps":
                items[department][item] = Stat(int(n), float(total), float(sumsq))
        else:
            if is_engagement_item(item):
                engagement[department] += Stat(int(n), float(total), float(sumsq))
            items[department][item] = Stat(int(n), float(total), float(sumsq))
    figures.engagement = dict(engagement)
    figures.enps = {
        d: Nps(c.get(PROMOTER, 0), c.get(DETRACTOR, 0), c.get("enps", 0)) for d, c in nps.items()
    }
    figures.cells = dict(cells)
    figures.cell_sumsq = dict(spreads)
    figures.items = dict(items)
    return figures


def withheld(figures: WeekFigures, names: dict[int, str], k: int) -> set[int]:
    """Departments withheld in a week. The pooled small departments count as one withheld
    group, so a threshold raised since publication still protects them."""
    if not shown(figures.org_respondents(), k):
        return set(names)
    sizes = {d: figures.respondents.get(d, 0) for d in names}
    sizes[POOLED] = figures.respondents.get(POOLED, 0)
    return suppressed_groups(sizes, k=k) - {POOLED}
