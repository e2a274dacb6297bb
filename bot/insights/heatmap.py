"""The heat map's data: departments by figures (engagement, eNPS, response rate, each item
asked that week), under the same anonymity rules as the digest's department figures.

A column is a sum over people, like the organisation's figure beside it, so each column gets
its own secondary suppression: the withheld cells of a column (the departments withheld this
week, the pooled small ones, and any department where fewer than k answered that item)
together hold no one or at least k answers, so "organisation minus the shown departments"
never yields a small group's figure."""

from __future__ import annotations

from bot.anonymity import shown, suppressed_groups
from bot.i18n import N_, _
from bot.insights.analytics import Nps, Stat, engagement_index, rounded
from bot.insights.digest_data import HeatMap, HeatRow
from bot.insights.figures import WeekFigures
from bot.pulse.rollup import POOLED
from bot.pulse.surveys import QUESTION_BANK

ENGAGEMENT = "engagement"
ENPS = "enps"
RESPONSE_RATE = "response_rate"
FIXED = (ENGAGEMENT, ENPS, RESPONSE_RATE)
ITEM_PREFIXES = ("bank.", "custom.")
LABELS = {
    ENGAGEMENT: N_("Engagement"),
    ENPS: N_("eNPS"),
    RESPONSE_RATE: N_("Response rate"),
}
BANK_ORDER = {q.key: i for i, q in enumerate(QUESTION_BANK)}


def column_label(column: str) -> str:
    """What a column's header says: 'Engagement', or an item's key as words ('Whom to ask')."""
    if column in LABELS:
        return _(LABELS[column])
    words = column.split(".", 1)[-1].replace("_", " ")
    return words[:1].upper() + words[1:]


def heat_map(
    now: WeekFigures, names: dict[int, str], *, hidden: set[int], k: int, org_label: str
) -> HeatMap:
    """One row for the organisation and one per department (by name); `hidden` are the
    departments the digest withholds this week (`bot.insights.figures.withheld`)."""
    departments = sorted(names, key=lambda d: names[d])
    items = _items(now)
    columns = FIXED + items
    sizes = {d: now.respondents.get(d, 0) for d in departments}
    sizes[POOLED] = now.respondents.get(POOLED, 0)
    base = set(hidden) | {POOLED}
    withheld = {column: base for column in FIXED}
    for item in items:
        answered = {d: _stat(now, d, item).n for d in sizes}
        withheld[item] = suppressed_groups(answered, k=k, already=base)
    org_n = now.org_respondents()
    org_row = HeatRow(
        name=org_label,
        values=tuple(_org_value(now, column, k) if shown(org_n, k) else None for column in columns),
        suppressed=not shown(org_n, k),
    )
    rows = [org_row]
    for d in departments:
        rows.append(
            HeatRow(
                name=names[d],
                values=tuple(
                    None if d in withheld[column] else _value(now, d, column) for column in columns
                ),
                suppressed=d in hidden,
            )
        )
    return HeatMap(columns=columns, rows=tuple(rows))


def _items(now: WeekFigures) -> tuple[str, ...]:
    """The rotating and custom items answered this week: the bank's order, then custom."""
    asked = {
        item for stats in now.items.values() for item in stats if item.startswith(ITEM_PREFIXES)
    }
    return tuple(sorted(asked, key=lambda item: (BANK_ORDER.get(item, len(BANK_ORDER)), item)))


def _stat(now: WeekFigures, department: int, item: str) -> Stat:
    return now.items.get(department, {}).get(item, Stat())


def _value(now: WeekFigures, department: int, column: str) -> float | None:
    if column == ENGAGEMENT:
        return rounded(engagement_index(now.engagement.get(department, Stat())))
    if column == ENPS:
        return rounded(now.enps.get(department, Nps()).score)
    if column == RESPONSE_RATE:
        invited = now.invited.get(department, 0)
        n = now.respondents.get(department, 0)
        return rounded(min(n / invited, 1.0) * 100) if invited else None
    return rounded(_stat(now, department, column).mean, 2)


def _org_value(now: WeekFigures, column: str, k: int) -> float | None:
    if column == ENGAGEMENT:
        return rounded(engagement_index(now.org_engagement()))
    if column == ENPS:
        return rounded(sum(now.enps.values(), Nps()).score)
    if column == RESPONSE_RATE:
        invited, n = sum(now.invited.values()), now.org_respondents()
        return rounded(min(n / invited, 1.0) * 100) if invited else None
    stat = sum((s.get(column, Stat()) for s in now.items.values()), Stat())
    return rounded(stat.mean, 2) if shown(stat.n, k) else None
