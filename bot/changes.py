"""What changed this week: movements beyond the noise, each with a suggested action.

The test: a movement is flagged when it is at least 5 points and its z (the difference over
the standard error of the difference; engagement: the index's SE per respondent; eNPS: the
SE of a difference of proportions) passes the two-sided 5% level after a Bonferroni
correction for every test made that week (2 metrics per shown department, 2 for the
organisation: about z > 3 for ten departments), with both weeks at or above the threshold.
Without the correction, twenty tests a week would flag about one false movement a week.
A department's movement is not reported again as the organisation's: the organisation is
tested without the departments already flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

from bot.analytics import MIN_CHANGE_POINTS, Nps, Stat, engagement_index, engagement_se
from bot.anonymity import shown
from bot.digest_data import Change
from bot.figures import WeekFigures

ORGANISATION = "the organisation"
MAX_CHANGES = 3
METRICS = ("engagement", "enps")
ALPHA = 0.05


@dataclass(frozen=True)
class Reading:
    value: float | None
    se: float


def _engagement(stat: Stat, respondents: int) -> Reading:
    return Reading(engagement_index(stat), engagement_se(stat, respondents))


def _enps(nps: Nps) -> Reading:
    return Reading(nps.score, nps.se)


def _action(subject: str, metric: str, falling: bool) -> str:
    org = subject == ORGANISATION
    if metric == "enps":
        if falling:
            return (
                f"Ask {subject} what would make them recommend working here again: "
                "add it as next week's custom question."
            )
        return f"Find out what changed for the better in {subject} and keep it."
    if org:
        return (
            "Raise it at the leadership meeting: the drop is broad, not one team's."
            if falling
            else "Say thank you organisation-wide: engagement rose broadly."
        )
    if falling:
        return (
            f"Ask {subject}'s leads to hold a short listening session this week and share "
            "back what they heard."
        )
    return f"Find out what went well in {subject} and share it with the other teams."


def critical_z(tests: int, alpha: float = ALPHA) -> float:
    """Two-sided Bonferroni-corrected critical value for `tests` simultaneous tests."""
    return NormalDist().inv_cdf(1 - alpha / (2 * max(tests, 1)))


def _test(subject: str, metric: str, now: Reading, before: Reading) -> tuple[float, Change] | None:
    """The movement and its z, when it is at least MIN_CHANGE_POINTS; None otherwise."""
    if now.value is None or before.value is None:
        return None
    delta = now.value - before.value
    if abs(delta) < MIN_CHANGE_POINTS:
        return None
    z = abs(delta) / max((now.se**2 + before.se**2) ** 0.5, 1e-9)
    return z, Change(
        subject=subject,
        metric=metric,
        before=round(before.value, 1),
        after=round(now.value, 1),
        action=_action(subject, metric, delta < 0),
    )


def _readings(figures: WeekFigures, departments: set[int], exclude: set[int]) -> dict[str, Reading]:
    keep = departments - exclude
    stat = sum((figures.engagement.get(d, Stat()) for d in keep), Stat())
    nps = sum((figures.enps.get(d, Nps()) for d in keep), Nps())
    respondents = sum(figures.respondents.get(d, 0) for d in keep)
    return {"engagement": _engagement(stat, respondents), "enps": _enps(nps)}


def movements(
    now: WeekFigures,
    before: WeekFigures,
    names: dict[int, str],
    hidden: set[int],
    hidden_before: set[int],
    k: int,
) -> tuple[Change, ...]:
    tested = [d for d in names if d not in hidden and d not in hidden_before]
    threshold = critical_z(2 * len(tested) + 2)
    found: list[tuple[float, Change]] = []
    for d in tested:
        readings_now, readings_before = _readings(now, {d}, set()), _readings(before, {d}, set())
        for metric in METRICS:
            result = _test(names[d], metric, readings_now[metric], readings_before[metric])
            if result and result[0] > threshold:
                found.append(result)
    flagged = {d for d, name in names.items() if any(c.subject == name for _, c in found)}
    if shown(now.org_respondents(flagged), k) and shown(before.org_respondents(flagged), k):
        everyone = set(names)
        readings_now = _readings(now, everyone, flagged)
        readings_before = _readings(before, everyone, flagged)
        for metric in METRICS:
            result = _test(ORGANISATION, metric, readings_now[metric], readings_before[metric])
            if result and result[0] > threshold:
                found.append(result)
    found.sort(key=lambda item: -item[0])
    return tuple(change for _, change in found[:MAX_CHANGES])
