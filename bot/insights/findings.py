"""Silo findings tested against noise: islands, friction, one-sided pairs and bridges.

Each finding rests on the last WINDOW weeks pooled (the digest's four), read only from what
each week published for departments it showed, and is flagged when the whole one-sided
interval is past the cut-off of `bot.insights.silos` (the same cut-offs as before, which
were tested on one week's point figures):
- island: teams named per respondent (exact Poisson upper bound) below 0.5, and the share
  of everyone else's answers naming the department (Wilson upper bound) below 5%;
- friction: mean smoothness (Student t upper bound) below 2.75;
- one-sided: A's mean rating of B (t upper bound) at most 3.0 and B's of A (t lower bound)
  at least 3.75;
- bridge: tied to at least three departments, a tie being that at least 15% of one side's
  answers name the other (Wilson lower bound), either way; the three best-tied are named.
Each test gives the p-value its bound inverts (two conditions: the larger of the two); a
bridge is one test per department (`_bridge_p`). The level: 5% per digest for all findings
together, by Holm's step-down over every test of the digest, conditionalized (`DISCARD`:
p-values over 0.5 set aside, the rest doubled; `bot.insights.intervals.conditioned`): held
under independence of the tests, checked by bench/findings.py since they are not entirely.

Persistence: the same rule is replayed over the HISTORY weeks before (from no finding), so a
finding says how many weeks in a row it has held. Hysteresis: a finding shown last week
stays while its pooled estimate is still past the cut-off, even when the interval no longer
is, so one noisy week does not make it vanish and come back.

Anonymity: a finding is a sentence, not a figure, and needs at least k answers pooled from
departments shown in their weeks. A pooled figure (a mean smoothness over the window) is
given only when every week it pools was shown on its own (k raters or none): it is then a
combination of figures already shown, and no difference of it with a weekly figure, or with
last week's window, is a group smaller than k. A rolling window with a withheld week in it
would be: window(t) - window(t-1) = week(t) - week(t-4), and weeks before the first are 0,
so the withheld weeks could be solved for one by one (tests/bot/test_findings.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.insights.digest_data import Finding, Pair
from bot.insights.figures import WeekFigures, withheld
from bot.insights.intervals import (
    conditioned,
    holm,
    mean_p,
    poisson_p_below,
    poisson_upper,
    share_p,
)
from bot.insights.silos import ASYMMETRY_HIGH, ASYMMETRY_LOW, FRICTION_BELOW

WINDOW = 4  # weeks pooled per finding
HISTORY = 4  # earlier weeks replayed for persistence and hysteresis
ALPHA = 0.05  # per digest, all findings together
DISCARD = 0.5  # tests with a p-value above this are set aside, the rest's p-values / DISCARD
ORDER = ("island", "unnamed", "friction", "one_sided", "bridge")
ISLAND_NAMES_BELOW = 0.5  # other teams named per respondent
ISLAND_NAMED_BELOW = 0.05  # share of everyone else's answers naming the department
LINK_SHARE = 0.15  # a tie: at least this share of one side's answers name the other
BRIDGE_MIN_PARTNERS = 3
MAX_BRIDGES = 3
WORKED_WITH, SMOOTHNESS = "worked_with", "smoothness"

Key = tuple[str, int, int]  # kind, department (or source), target (0: none)


@dataclass(frozen=True)
class Week:
    """One week as the findings read it: its figures, threshold and withheld departments."""

    figures: WeekFigures
    k: int
    hidden: frozenset[int]


@dataclass
class _Ratings:
    n: int = 0
    total: float = 0.0
    sumsq: float = 0.0
    every_week_shown: bool = True

    @property
    def mean(self) -> float:
        return self.total / self.n


@dataclass
class _Evidence:
    """A window's pooled counts, from departments shown in their weeks only."""

    respondents: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    invited: dict[int, int] = field(default_factory=dict)  # the most in any week
    unstored_others: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    unstored_named_by: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    others: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    named: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # ties out
    named_by: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # ties in
    ties: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    ratings: dict[tuple[int, int], _Ratings] = field(default_factory=lambda: defaultdict(_Ratings))


def _evidence(window: Sequence[Week], names: dict[int, str]) -> _Evidence:
    pooled = _Evidence()
    for week in window:
        figures = week.figures
        usable = {d for d in names if d not in week.hidden and figures.respondents.get(d, 0) > 0}
        everyone = figures.org_respondents()
        for d in usable:
            pooled.respondents[d] += figures.respondents[d]
            pooled.others[d] += everyone - figures.respondents[d]
        unstored = {d for d in names if d not in usable and figures.invited.get(d, 0)}
        for d in unstored:  # pooled this week: only the others' answers say anything
            pooled.invited[d] = max(pooled.invited.get(d, 0), figures.invited[d])
            pooled.unstored_others[d] += max(everyone - figures.invited[d], 0)
        for (source, target), items in figures.cells.items():
            if target not in names or target == source:
                continue
            ties = items.get(WORKED_WITH, (0, 0.0))[0]
            if target in usable:
                pooled.named_by[target] += ties
            elif target in unstored:
                pooled.unstored_named_by[target] += ties
            if source not in usable:
                continue
            pooled.named[source] += ties
            pooled.ties[(source, target)] += ties
            raters, total = items.get(SMOOTHNESS, (0, 0.0))
            if raters:
                cell = pooled.ratings[(source, target)]
                cell.n += raters
                cell.total += total
                cell.sumsq += figures.cell_sumsq.get((source, target), {}).get(SMOOTHNESS, 0.0)
                cell.every_week_shown &= raters >= week.k
    return pooled


@dataclass(frozen=True)
class State:
    """One week's decisions: what is flagged, and what looks bad without enough evidence."""

    flagged: frozenset[Key] = frozenset()
    tentative: frozenset[Key] = frozenset()
    figures: dict[Key, tuple[float | None, float | None]] = field(default_factory=dict)
    bridges: tuple[int, ...] = ()  # best-tied first
    one_way: frozenset[int] = frozenset()  # islands told as "unnamed": others' answers only


def _ties(pooled: _Evidence, names: dict[int, str], k: int) -> dict[int, list]:
    """Each department's possible ties: (the larger share of one side's answers naming the
    other, the p-value of "no tie"), over the directions with k answers; the p-value is the
    smaller direction's times the directions tested (Bonferroni within the pair)."""
    out: dict[int, list] = {d: [] for d in names}
    for a in names:
        for b in names:
            if a >= b:
                continue
            shares = [
                (pooled.ties[(x, y)], pooled.respondents[x])
                for x, y in ((a, b), (b, a))
                if pooled.respondents[x] >= k
            ]
            if not shares:
                continue
            share = max(t / n for t, n in shares)
            p = min(
                1.0, len(shares) * min(share_p(t, n, LINK_SHARE, below=False) for t, n in shares)
            )
            out[a].append((share, p))
            out[b].append((share, p))
    return out


def _bridge_p(ties: list[float]) -> float:
    """p-value of "fewer than BRIDGE_MIN_PARTNERS ties" (B) from the N ties' p-values: N - B + 1
    times the B-th smallest. Valid whatever their dependence: with at most B - 1 real ties,
    a rejection needs B - r null p-values at or under c from N - r nulls (r real ties), which
    by Markov's inequality has probability at most (N - r) c / (B - r) <= (N - B + 1) c."""
    if len(ties) < BRIDGE_MIN_PARTNERS:
        return 1.0
    third = sorted(ties)[BRIDGE_MIN_PARTNERS - 1]
    return min(1.0, (len(ties) - BRIDGE_MIN_PARTNERS + 1) * third)


def decide(
    window: Sequence[Week], names: dict[int, str], previous: State, *, discard: float = DISCARD
) -> State:
    """The findings of the window's last week, given last week's; `discard` 1 is plain Holm."""
    k = window[-1].k
    pooled = _evidence(window, names)
    past: set[Key] = set()  # the pooled estimate is past the cut-off
    pvalues: dict[tuple, float] = {}  # every test of the digest: a finding's or a tie's

    # Islands. The others' answers naming the department count from every week (where its
    # own were pooled, everyone else is at least all answers minus its invitations). Its
    # own answers count where published, and are tested when there are enough of them for
    # the test to be able to pass at the strictest step (no teams named in n answers); else
    # the island is decided on the others' answers alone ("unnamed").
    candidates = [d for d in names if pooled.respondents[d] >= k or pooled.invited.get(d, 0) >= k]
    rated = {pair: r for pair, r in pooled.ratings.items() if r.n >= k}
    both = [(pair, r) for pair, r in rated.items() if (pair[1], pair[0]) in rated]
    ties = _ties(pooled, names, k)
    hubs = [d for d in names if len(ties[d]) >= BRIDGE_MIN_PARTNERS]  # could be bridges
    tests = len(candidates) + len(rated) + len(both) + len(hubs)
    floor = 2 * poisson_upper(0, ALPHA / max(tests, 1))
    one_way: set[int] = set()
    for d in candidates:
        n, out = pooled.respondents[d], pooled.named[d]
        others = pooled.others[d] + pooled.unstored_others[d]
        inward = pooled.named_by[d] + pooled.unstored_named_by[d]
        if not others:
            continue
        key = ("island", d, 0)
        inward_p = share_p(inward, others, ISLAND_NAMED_BELOW, below=True)
        if n >= k and n > floor:
            # Both conditions: an intersection-union test, each at the same level.
            pvalues[key] = max(poisson_p_below(out, n, ISLAND_NAMES_BELOW), inward_p)
            if inward / others < ISLAND_NAMED_BELOW and out / n < ISLAND_NAMES_BELOW:
                past.add(key)
        else:
            one_way.add(d)
            pvalues[key] = inward_p
            if inward / others < ISLAND_NAMED_BELOW:
                past.add(key)
    # Friction and one-sided pairs.
    for (s, t), r in rated.items():
        pvalues[("friction", s, t)] = mean_p(r.n, r.total, r.sumsq, FRICTION_BELOW, below=True)
        if r.mean < FRICTION_BELOW:
            past.add(("friction", s, t))
    for (s, t), r in both:
        back = rated[(t, s)]
        pvalues[("one_sided", s, t)] = max(
            mean_p(r.n, r.total, r.sumsq, ASYMMETRY_LOW, below=True),
            mean_p(back.n, back.total, back.sumsq, ASYMMETRY_HIGH, below=False),
        )
        if r.mean <= ASYMMETRY_LOW and back.mean >= ASYMMETRY_HIGH:
            past.add(("one_sided", s, t))
    # Bridges: one test per department, from its ties (see `_bridge_p`).
    for d in hubs:
        pvalues[("bridge", d, 0)] = _bridge_p([p for _, p in ties[d]])
    rejected = holm(conditioned(pvalues, discard), ALPHA)
    # Flag on the test; keep on the estimate (hysteresis); else "too early to tell".
    flagged = {key for key in past if key in rejected or key in previous.flagged}
    tentative = past - flagged
    figures: dict[Key, tuple[float | None, float | None]] = {}
    for key in flagged | tentative:
        if key[0] in ("friction", "one_sided"):
            r, back = pooled.ratings[(key[1], key[2])], pooled.ratings.get((key[2], key[1]))
            figures[key] = (
                round(r.mean, 2) if r.every_week_shown else None,
                round(back.mean, 2) if back and back.n and back.every_week_shown else None,
            )
    estimated = {d: sum(share >= LINK_SHARE for share, _ in ties[d]) for d in names}
    hubs = [
        d
        for d in names
        if ("bridge", d, 0) in rejected
        or (("bridge", d, 0) in previous.flagged and estimated[d] >= BRIDGE_MIN_PARTNERS)
    ]
    hubs.sort(key=lambda d: (-estimated[d], names[d]))
    flagged = {key for key in flagged if key[0] != "bridge"}
    flagged |= {("bridge", d, 0) for d in hubs[:MAX_BRIDGES]}
    return State(
        frozenset(flagged),
        frozenset(tentative),
        figures,
        tuple(hubs[:MAX_BRIDGES]),
        frozenset(one_way),
    )


def replay(
    weeks: Sequence[Week], names: dict[int, str], *, discard: float = DISCARD
) -> list[State]:
    """Every week's decisions, oldest first, each over its own window and the one before."""
    states: list[State] = []
    previous = State()
    for i in range(len(weeks)):
        window = weeks[max(0, i + 1 - WINDOW) : i + 1]
        previous = decide(window, names, previous, discard=discard)
        states.append(previous)
    return states


def findings(
    weeks: Sequence[Week], names: dict[int, str]
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """The last week's findings (with how many weeks each has held) and its "too early to
    tell"s; `weeks` oldest first, the last HISTORY + WINDOW of them are read."""
    states = replay(weeks[-(HISTORY + WINDOW) :], names)
    return told(states, names)


def told(states: list[State], names: dict[int, str]) -> tuple[tuple[Finding, ...], ...]:
    """The last state as findings, each with its streak, and the "too early"s."""
    last = states[-1]

    def streak(key: Key) -> int:
        run = 0
        for state in reversed(states):
            if key not in state.flagged:
                break
            run += 1
        return run

    def finding(key: Key, weeks: int) -> Finding:
        kind, a, b = key
        smooth, back = last.figures.get(key, (None, None))
        return Finding(
            kind="unnamed" if kind == "island" and a in last.one_way else kind,
            subject=names[a],
            other=names[b] if b else None,
            weeks=weeks,
            smoothness=smooth,
            smoothness_back=back,
        )

    order = {kind: i for i, kind in enumerate(ORDER)}

    hubs = {d: i for i, d in enumerate(last.bridges)}

    def rank(key: Key) -> tuple:
        return (order[key[0]], hubs.get(key[1], 0), names[key[1]], names.get(key[2], ""))

    flagged = tuple(finding(key, streak(key)) for key in sorted(last.flagged, key=rank))
    early = tuple(finding(key, 0) for key in sorted(last.tentative, key=rank))
    return flagged, early


def read_weeks(
    weeks: list[str],
    figures: dict[str, WeekFigures],
    limits: dict[str, tuple[int, int]],
    names: dict[int, str],
    k: int,
) -> list[Week]:
    """The weeks as the findings read them, each under today's threshold or its own if
    higher, with the departments withheld in it."""
    read = []
    for w in weeks:
        week_k = max(k, limits[w][0])
        hidden = frozenset(withheld(figures[w], names, week_k))
        read.append(Week(figures[w], week_k, hidden))
    return read


def as_fields(
    found: tuple[Finding, ...], pairs: tuple[Pair, ...]
) -> tuple[tuple[str, ...], tuple[Pair, ...], tuple[tuple[Pair, Pair], ...], tuple[str, ...]]:
    """The findings as the digest's older fields: islands, friction and one-sided pairs (the
    week's pair with the pooled smoothness, or None where that is withheld), bridges."""
    by_route = {(p.source, p.target): p for p in pairs}

    def pair(source: str, target: str, smoothness: float | None) -> Pair:
        week = by_route.get((source, target), Pair(source, target, None, None, None, True))
        return replace(week, smoothness=smoothness)

    return (
        tuple(f.subject for f in found if f.kind == "island"),
        tuple(pair(f.subject, f.other or "", f.smoothness) for f in found if f.kind == "friction"),
        tuple(
            (
                pair(f.subject, f.other or "", f.smoothness),
                pair(f.other or "", f.subject, f.smoothness_back),
            )
            for f in found
            if f.kind == "one_sided"
        ),
        tuple(f.subject for f in found if f.kind == "bridge"),
    )
