"""Introductions in the digest: which suggested actions pair two teams (each gets an
"Introduce them" button), and the measured effect of the introductions made.

Effect, per pair of teams introduced for a finding: the cross-team ties (people of either
team naming the other, per respondent of the two) and the smoothness they rate each other,
the WINDOW weeks before the introduction's week against the weeks since, tested like "what
changed" (`bot.insights.changes.engagement_p`: Student's t with the spread floor and the
permutation floor; Bonferroni over every test of the digest). Under MIN_WEEKS weeks since:
"too early to tell".

Anonymity: a week counts only where both teams were shown, and a pooled figure only when
every week it pools had each direction's count at 0 or at least k (so no difference of two
digests' windows is a group below k). "Met" is counted in fixed blocks of k introductions
(by their number per tenant, `Introduction.seq`: introductions 1-k, k+1-2k, ...), a block only
once every one of its answer windows has closed and all k are still kept, from the outcome
frozen at that close (`Introduction.met`: answers after it are refused, erasure keeps it). So
every figure shown, in any digest or list and before or after an erasure, a late answer or
retention (which drops a block whole), is a sum of whole blocks: no subtraction tells one
pair's answer.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.anonymity import effective_k
from bot.insights.analytics import Nps, Stat
from bot.insights.changes import ALPHA, Group, engagement_p, per_test_alpha
from bot.insights.digest_data import Pair
from bot.insights.figures import WeekFigures, weeks_figures, withheld
from bot.pulse.schedule import iso_week, week_monday
from bot.store.models import Introduction, as_utc

WINDOW = 4  # weeks before an introduction
MIN_WEEKS = 2  # weeks since, below which it is too early to tell
MAX_WEEKS_SINCE = 12
MAX_PAIRS = 5
MAX_OFFERS = 3
ANSWER_WINDOW = timedelta(days=14)  # after the introduction: answers counted by then
MET = "yes"
KINDS = ("island", "friction", "one_sided")


@dataclass(frozen=True)
class Offer:
    """A suggested action that pairs two teams: the finding's kind, its departments."""

    kind: str  # island (subject: the island, other: the best-connected team) | friction | one_sided
    subject: str
    other: str

    def value(self, week: str) -> str:
        """The button's value: the finding as the digest told it, re-checked on a click."""
        return json.dumps(
            {"w": week, "k": self.kind, "a": self.subject, "b": self.other}, sort_keys=True
        )


def parse_offer(value: str) -> tuple[str, Offer] | None:
    """(week, offer) from a button value, or None when it is not one of ours."""
    try:
        data = json.loads(value)
        week, offer = data["w"], Offer(data["k"], data["a"], data["b"])
    except (ValueError, KeyError, TypeError):
        return None
    fields = (week, offer.kind, offer.subject, offer.other)
    if not all(isinstance(x, str) and 0 < len(x) <= 200 for x in fields):
        return None
    return (week, offer) if offer.kind in KINDS else None


def offers(
    *,
    islands: tuple[str, ...],
    rough: tuple[Pair, ...],
    one_sided: tuple[tuple[Pair, Pair], ...],
    hubs: tuple[str, ...],
) -> tuple[Offer, ...]:
    """The suggested actions that pair two teams, in the order `silos.suggestions` tells
    them: friction pairs, one-sided pairs (not already friction), islands with a bridge."""
    found = [Offer("friction", p.source, p.target) for p in rough]
    rough_routes = {(p.source, p.target) for p in rough}
    found += [
        Offer("one_sided", a.source, a.target)
        for a, _ in one_sided
        if (a.source, a.target) not in rough_routes
    ]
    for island in islands:
        partner = next((h for h in hubs if h != island), None)
        if partner:
            found.append(Offer("island", island, partner))
    return tuple(found[:MAX_OFFERS])


@dataclass(frozen=True)
class PairEffect:
    """One pair of teams introduced: ties per week and mutual smoothness, before and since
    (None: withheld or no data); `ties_moved`/`smoothness_moved`: "up" | "down" beyond the
    noise, None otherwise."""

    first: str
    second: str
    since: str  # the week of the first introduction
    weeks_since: int
    too_early: bool
    ties_before: float | None = None
    ties_after: float | None = None
    smoothness_before: float | None = None
    smoothness_after: float | None = None
    ties_moved: str | None = None
    smoothness_moved: str | None = None


@dataclass(frozen=True)
class IntroductionsSummary:
    made: int  # introductions made up to the digest's week
    counted: int  # introductions whose follow-up closed, in blocks of k (0: withheld)
    met: int | None  # of those, how many met (someone answered yes); None: fewer than k
    pairs: tuple[PairEffect, ...] = ()


@dataclass
class _Window:
    weeks: int = 0
    respondents: int = 0
    ties: int = 0
    raters: int = 0
    total: float = 0.0
    sumsq: float = 0.0
    safe: bool = True  # every week's cells were 0 or at least k


def _window(
    weeks: list[str], figures: dict[str, WeekFigures], names: dict[int, str], k: int, a: int, b: int
) -> _Window:
    pooled = _Window()
    for w in weeks:
        f = figures[w]
        if {a, b} & withheld(f, names, k) or not (f.respondents.get(a) and f.respondents.get(b)):
            continue
        pooled.weeks += 1
        pooled.respondents += f.respondents[a] + f.respondents[b]
        for route in ((a, b), (b, a)):
            cell = f.cells.get(route, {})
            ties = cell.get("worked_with", (0, 0.0))[0]
            raters, total = cell.get("smoothness", (0, 0.0))
            pooled.safe &= ties == 0 or ties >= k
            pooled.safe &= raters == 0 or raters >= k
            pooled.ties += ties
            pooled.raters += raters
            pooled.total += total
            pooled.sumsq += f.cell_sumsq.get(route, {}).get("smoothness", 0.0)
    return pooled


def _moved(after: Stat, n_after: int, before: Stat, n_before: int, level: float) -> str | None:
    if not (after.n and before.n) or after.mean is None or before.mean is None:
        return None
    p = engagement_p(Group(after, n_after, Nps()), Group(before, n_before, Nps()))
    if p >= level or after.mean == before.mean:
        return None
    return "up" if after.mean > before.mean else "down"


def _weeks_between(first: str, last: str) -> list[str]:
    """ISO weeks after `first` up to `last`, at most MAX_WEEKS_SINCE."""
    out, day = [], week_monday(first) + timedelta(days=7)
    while (w := iso_week(day)) <= last and len(out) < MAX_WEEKS_SINCE:
        out.append(w)
        day += timedelta(days=7)
    return out


def _weeks_before(week: str) -> list[str]:
    monday = week_monday(week)
    return [iso_week(monday - timedelta(days=7 * i)) for i in range(WINDOW, 0, -1)]


Thresholds = Callable[[list[str]], Awaitable[dict[str, tuple[int, int]]]]


async def summary(
    session: AsyncSession,
    *,
    tenant_id: int,
    week: str,
    names: dict[int, str],
    k: int,
    thresholds: Thresholds,
    block: int | None = None,
) -> IntroductionsSummary | None:
    """The digest's "Introductions" for `week`; None when none was ever made. `block`: the
    size of the "met" figure's blocks (the survey's k, as `/pulse introductions` uses; `k`
    when not given)."""
    intros = (
        await session.exec(
            select(Introduction)
            .where(Introduction.tenant_id == tenant_id, Introduction.week <= week)
            .order_by(col(Introduction.id))
        )
    ).all()
    if not intros:
        return None
    end = datetime.combine(week_monday(week) + timedelta(days=7), time(), tzinfo=UTC)
    counted, met = await met_counts(session, intros=intros, until=end, k=block or k)
    first_week: dict[tuple[int, int], str] = {}
    for intro in intros:
        if intro.kind in KINDS:
            pair = tuple(sorted((intro.department_a_id, intro.department_b_id)))
            first_week.setdefault(pair, intro.week)  # type: ignore[arg-type]
    latest = sorted(first_week.items(), key=lambda item: item[1], reverse=True)[:MAX_PAIRS]
    plans = {pair: (_weeks_before(since), _weeks_between(since, week)) for pair, since in latest}
    needed = sorted({w for before, after in plans.values() for w in before + after})
    figures = await weeks_figures(session, tenant_id=tenant_id, weeks=needed) if needed else {}
    limits = await thresholds(needed) if needed else {}

    def week_k(w: str) -> int:
        return effective_k(max(k, limits.get(w, (0, 0))[0]))

    windows = {}
    for (a, b), (before, after) in plans.items():
        windows[(a, b)] = tuple(
            _merge([_window([w], figures, names, week_k(w), a, b) for w in weeks])
            for weeks in (before, after)
        )
    tested = sum(1 for _, after in windows.values() if after.weeks >= MIN_WEEKS)
    level = per_test_alpha(2 * tested, ALPHA)
    effects = []
    for (a, b), since in latest:
        before, after = windows[(a, b)]
        if a not in names or b not in names:
            continue
        early = after.weeks < MIN_WEEKS
        effects.append(
            PairEffect(
                first=names[a],
                second=names[b],
                since=since,
                weeks_since=after.weeks,
                too_early=early,
                ties_before=_per_week(before, k),
                ties_after=None if early else _per_week(after, k),
                smoothness_before=_smoothness(before, k),
                smoothness_after=None if early else _smoothness(after, k),
                ties_moved=None
                if early or not (before.safe and after.safe)
                else _moved(
                    Stat(after.respondents, after.ties, after.ties),
                    after.respondents,
                    Stat(before.respondents, before.ties, before.ties),
                    before.respondents,
                    level,
                ),
                smoothness_moved=None
                if early
                or not (before.safe and after.safe)
                or after.raters < k
                or before.raters < k
                else _moved(
                    Stat(after.raters, after.total, after.sumsq),
                    after.raters,
                    Stat(before.raters, before.total, before.sumsq),
                    before.raters,
                    level,
                ),
            )
        )
    return IntroductionsSummary(made=len(intros), counted=counted, met=met, pairs=tuple(effects))


def _merge(windows: list[_Window]) -> _Window:
    out = _Window()
    for w in windows:
        out.weeks += w.weeks
        out.respondents += w.respondents
        out.ties += w.ties
        out.raters += w.raters
        out.total += w.total
        out.sumsq += w.sumsq
        out.safe &= w.safe
    return out


def _per_week(window: _Window, k: int) -> float | None:
    """Ties per week, shown only from safe weeks and from k people or more (or none)."""
    if not window.weeks or not window.safe or 0 < window.ties < effective_k(k):
        return None
    return round(window.ties / window.weeks, 1)


def _smoothness(window: _Window, k: int) -> float | None:
    if not window.safe or window.raters < effective_k(k):
        return None
    return round(window.total / window.raters, 2)


async def met_counts(
    session: AsyncSession, *, intros: list[Introduction], until: datetime, k: int
) -> tuple[int, int | None]:
    """(counted, met): the introductions of every whole block of k (by `seq`: 1-k, k+1-2k,
    ...) whose answer windows all closed by `until`, and how many of them met (the outcome
    frozen at each close). A block missing an introduction (retention took it, or it is
    not among `intros`) is not counted at all, so no block ever shifts."""
    k = effective_k(k)
    blocks: dict[int, list[Introduction]] = {}
    for intro in intros:
        blocks.setdefault((intro.seq - 1) // k, []).append(intro)
    whole = [
        block
        for block in blocks.values()
        if len({i.seq for i in block}) == k and all(not answer_open(i, until) for i in block)
    ]
    if not whole:
        return 0, None
    return len(whole) * k, sum(1 for block in whole for i in block if i.met)


def answer_open(intro: Introduction, now: datetime) -> bool:
    """Whether "Did you meet?" may still be answered (ANSWER_WINDOW after it was made)."""
    return as_utc(now) < as_utc(intro.created_at) + ANSWER_WINDOW
