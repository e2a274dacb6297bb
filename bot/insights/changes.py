"""What changed this week: movements beyond the noise, each with a suggested action.

A movement is flagged when it is at least 5 points and its test passes the two-sided 5% level
after a Bonferroni correction for every test made that week (2 metrics per shown department,
2 for the organisation: p < 0.05 / 22 for ten departments), with both weeks at or above the
threshold. Without the correction, twenty tests a week would flag about one false movement a
week. A department's movement is not reported again as the organisation's: the organisation
is tested without the departments already flagged.

Departments are small (six answers is common), and there the normal approximation fails: a
week in which everyone gave the same answer has a standard error of 0, and a swing two people
make (eNPS 33 to -33) passed as z > 3. So both tests are small-sample tests of "nothing
changed":
- eNPS: an exact permutation test. Given how many promoters, passives and detractors the two
  weeks hold together, every split of those answers into weeks of the observed sizes is
  equally likely if nothing changed; the p-value adds up the (multivariate hypergeometric)
  probabilities of the splits whose eNPS difference is at least the one observed. Above
  EXACT_LIMIT splits (hundreds of answers), the normal approximation with the pooled standard
  error is used; at those sizes it is accurate.
- Engagement: the rollup holds only n, sum and sum of squares (never single answers), so no
  permutation is possible. Student's two-sample t test (within-week pooled variance, degrees
  of freedom from respondents) is used, with two floors: a week's spread is at least that of
  one answer one point from the rest (so a week where everyone agreed does not give a
  standard error of 0), and the p-value is never below 2 / C(n1 + n2, n1), the smallest an
  exact permutation test of that many respondents could give. The variance is per item and
  divided by respondents, which overstates the error of a mean of several items: conservative.
tests/bot/test_changes_null.py measures the result on 1,000 simulated weeks without a change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from bot.anonymity import shown
from bot.i18n import N_, _
from bot.insights.analytics import MIN_CHANGE_POINTS, Nps, Stat, engagement_index
from bot.insights.digest_data import Change
from bot.insights.figures import WeekFigures

ORGANISATION = N_("the organisation")
MAX_CHANGES = 3
METRICS = ("engagement", "enps")
ALPHA = 0.05
EXACT_LIMIT = 100_000  # splits enumerated by the exact eNPS test before it uses the normal
PERMUTATION_FLOOR_UP_TO = 200  # respondents; beyond, 2 / C(n1 + n2, n1) is far below any level


@dataclass(frozen=True)
class Group:
    """One group's week: what the tests need from the rollup."""

    engagement: Stat
    respondents: int
    enps: Nps

    def value(self, metric: str) -> float | None:
        return engagement_index(self.engagement) if metric == "engagement" else self.enps.score


def per_test_alpha(tests: int, alpha: float = ALPHA) -> float:
    """Bonferroni: the level each of `tests` simultaneous tests must pass."""
    return alpha / max(tests, 1)


def t_two_sided(t: float, df: int) -> float:
    """P(|T| >= t) for Student's t with integer df, by the finite series of Abramowitz and
    Stegun 26.7.3-4 (exact; no special-function library needed)."""
    if df < 1:
        return 1.0
    theta = math.atan(abs(t) / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    term = total = 1.0
    if df % 2:
        for k in range(1, (df - 1) // 2):
            term *= 2 * k / (2 * k + 1) * c2
            total += term
        inside = (
            2 / math.pi * (theta + (math.sin(theta) * math.cos(theta) * total if df > 1 else 0))
        )
    else:
        for k in range(1, df // 2):
            term *= (2 * k - 1) / (2 * k) * c2
            total += term
        inside = math.sin(theta) * total
    return min(max(1.0 - inside, 0.0), 1.0)


def _spread(stat: Stat) -> float:
    """Sum of squared deviations, at least that of one answer one point from the rest.

    An SD of 0 in six answers says the sample agreed, not that the population always does; a
    week where everyone gave the same answer is treated as the least spread integer answers
    can show without agreeing, so its standard error is never 0."""
    return max(stat.sumsq - stat.total**2 / stat.n, (stat.n - 1) / stat.n)


def engagement_p(now: Group, before: Group) -> float:
    """Student's two-sample t test of the engagement means, per respondent (one person
    answers several items), with each week's spread floored by `_spread`; never below the
    smallest p-value an exact permutation test of that many respondents could give."""
    a, b, n1, n2 = now.engagement, before.engagement, now.respondents, before.respondents
    if a.mean is None or b.mean is None or n1 < 1 or n2 < 1:
        return 1.0
    variance = (_spread(a) + _spread(b)) / max(a.n + b.n - 2, 1)
    se = math.sqrt(variance * (1 / n1 + 1 / n2))
    if se <= 0:  # one answer in each week: nothing to test
        return 1.0
    p = t_two_sided((a.mean - b.mean) / se, n1 + n2 - 2)
    return max(p, 2 / math.comb(n1 + n2, n1) if n1 + n2 <= PERMUTATION_FLOOR_UP_TO else 0.0)


def enps_p(now: Nps, before: Nps) -> float:
    """Exact permutation test of the eNPS difference, conditional on the pooled counts."""
    n1, n2 = now.n, before.n
    if not n1 or not n2:
        return 1.0
    total = n1 + n2
    promoters, detractors = now.promoters + before.promoters, now.detractors + before.detractors
    passives = total - promoters - detractors
    net = promoters - detractors

    def difference(s: int) -> float:  # s: promoters minus detractors in `now`
        return abs(s / n1 - (net - s) / n2)

    observed = difference(now.promoters - now.detractors) - 1e-9
    if (min(promoters, n1) + 1) * (min(detractors, n1) + 1) > EXACT_LIMIT:
        p, d = promoters / total, detractors / total
        se = math.sqrt(max(p + d - (p - d) ** 2, 0.0) * (1 / n1 + 1 / n2))
        if se <= 0:
            return 1.0
        return 2 * (1 - NormalDist().cdf(observed / se))
    log_fact = [0.0] * (total + 1)
    for i in range(2, total + 1):
        log_fact[i] = log_fact[i - 1] + math.log(i)

    def log_choose(n: int, k: int) -> float:
        return log_fact[n] - log_fact[k] - log_fact[n - k]

    base = log_choose(total, n1)
    tail = 0.0
    for x in range(max(0, n1 - detractors - passives), min(promoters, n1) + 1):
        for y in range(max(0, n1 - x - passives), min(detractors, n1 - x) + 1):
            if difference(x - y) >= observed:
                tail += math.exp(
                    log_choose(promoters, x)
                    + log_choose(detractors, y)
                    + log_choose(passives, n1 - x - y)
                    - base
                )
    return min(tail, 1.0)


def _action(subject: str, metric: str, falling: bool) -> str:
    """The suggestion in the reader's language (the digest is built inside their locale)."""
    org = subject == ORGANISATION
    shown = _(subject) if org else subject
    if metric == "enps":
        if falling:
            return _(
                "Ask {subject} what would make them recommend working here again: "
                "add it as next week's custom question."
            ).format(subject=shown)
        return _("Find out what changed for the better in {subject} and keep it.").format(
            subject=shown
        )
    if org:
        return (
            _("Raise it at the leadership meeting: the drop is broad, not one team's.")
            if falling
            else _("Say thank you organisation-wide: engagement rose broadly.")
        )
    if falling:
        return _(
            "Ask {subject}'s leads to hold a short listening session this week and share "
            "back what they heard."
        ).format(subject=shown)
    return _("Find out what went well in {subject} and share it with the other teams.").format(
        subject=shown
    )


def _test(subject: str, metric: str, now: Group, before: Group) -> tuple[float, Change] | None:
    """The movement and its p-value, when it is at least MIN_CHANGE_POINTS; None otherwise."""
    after, earlier = now.value(metric), before.value(metric)
    if after is None or earlier is None:
        return None
    delta = after - earlier
    if abs(delta) < MIN_CHANGE_POINTS:
        return None
    p = engagement_p(now, before) if metric == "engagement" else enps_p(now.enps, before.enps)
    return p, Change(
        subject=subject,
        metric=metric,
        before=round(earlier, 1),
        after=round(after, 1),
        action=_action(subject, metric, delta < 0),
    )


def _group(figures: WeekFigures, departments: set[int]) -> Group:
    return Group(
        engagement=sum((figures.engagement.get(d, Stat()) for d in departments), Stat()),
        respondents=sum(figures.respondents.get(d, 0) for d in departments),
        enps=sum((figures.enps.get(d, Nps()) for d in departments), Nps()),
    )


def movements(
    now: WeekFigures,
    before: WeekFigures,
    names: dict[int, str],
    hidden: set[int],
    hidden_before: set[int],
    k: int,
) -> tuple[Change, ...]:
    """The flagged movements, strongest (smallest p) first, at most MAX_CHANGES."""
    tested = [d for d in names if d not in hidden and d not in hidden_before]
    level = per_test_alpha(2 * len(tested) + 2)
    found: list[tuple[float, Change]] = []
    for d in tested:
        group_now, group_before = _group(now, {d}), _group(before, {d})
        for metric in METRICS:
            result = _test(names[d], metric, group_now, group_before)
            if result and result[0] < level:
                found.append(result)
    flagged = {d for d, name in names.items() if any(c.subject == name for _, c in found)}
    if shown(now.org_respondents(flagged), k) and shown(before.org_respondents(flagged), k):
        # Everyone, including the week's pooled small departments (bot.pulse.rollup.POOLED).
        everyone = set(names) | set(now.respondents) | set(before.respondents)
        rest = everyone - flagged
        group_now, group_before = _group(now, rest), _group(before, rest)
        for metric in METRICS:
            result = _test(ORGANISATION, metric, group_now, group_before)
            if result and result[0] < level:
                found.append(result)
    found.sort(key=lambda item: (item[0], -abs(item[1].delta), item[1].subject, item[1].metric))
    return tuple(change for _, change in found[:MAX_CHANGES])
