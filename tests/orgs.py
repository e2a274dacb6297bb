"""Generated organisations for measuring the silo findings: department sizes, affinities
between teams, people who differ, week-to-week noise and non-response; seeded, so the same
seed gives the same organisation and the same weeks. With `planted=True` an island (an
8-person department), a friction pair and a one-sided pair are planted.

Each week is turned into the figures a round's close publishes (`bot.pulse.publish`): the
departments that week's suppression would withhold are pooled into `POOLED` before anything
is counted, so the findings see exactly what they would see in production.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bot.insights.figures import WeekFigures
from bot.pulse.publish import pools_for
from bot.pulse.rollup import POOLED

K = 5
MAX_RATED = 3  # bot.pulse.surveys.MAX_SMOOTHNESS_TEAMS
PERSON_SPREAD = 0.45  # how far a person's usual rating of a team is from their team's
WEEK_NOISE = 0.7  # how far one week's rating is from the person's usual one
SIZES = (38, 30, 24, 20, 16, 13, 12, 8, 4)  # about 175 people in 9 departments
NAMES = ("Engineering", "Sales", "Support", "Marketing", "Product", "Finance", "Data",
         "Research", "Legal")  # fmt: skip
QUIET, SMALL = 7, 8  # department ids: the 12-person and the 8-person one

Key = tuple[str, int, int]


@dataclass
class Person:
    department: int
    respond: float  # chance of answering a given week
    naming: dict[int, float]  # chance of naming each other department in a week
    level: dict[int, float]  # usual smoothness rating of each other department


@dataclass
class Org:
    seed: int
    names: dict[int, str]
    people: list[Person]
    planted: frozenset[Key] = frozenset()
    truth: dict[str, set] = field(default_factory=dict)


def _clamp(x: float, low: float, high: float) -> float:
    return max(low, min(high, x))


def generate(seed: int, *, planted: bool = False) -> Org:
    rng = random.Random(seed)
    sizes = {
        i + 1: (max(10, round(s * rng.uniform(0.8, 1.2))) if s >= 16 else s)
        for i, s in enumerate(SIZES)
    }
    names = {d: NAMES[d - 1] for d in sizes}
    departments = list(sizes)
    outgoing = {d: rng.uniform(0.9, 2.2) for d in departments}  # teams named per person
    outgoing[QUIET] = rng.uniform(0.65, 0.95)  # the 12-person department
    popularity = {d: math.exp(rng.gauss(0, 0.5)) for d in departments}
    p: dict[tuple[int, int], float] = {}
    for a in departments:
        weights = {b: popularity[b] * math.exp(rng.gauss(0, 0.7)) for b in departments if b != a}
        total = sum(weights.values())
        for b, w in weights.items():
            p[(a, b)] = min(0.85, outgoing[a] * w / total)
    # The quiet department: named by about 4.5-7% of everyone else's answers.
    _rescale_column(p, sizes, QUIET, rng.uniform(0.045, 0.07))
    mu = {(a, b): rng.uniform(2.9, 4.4) for a in departments for b in departments if a != b}
    plants: set[Key] = set()
    if planted:
        for b in departments:  # the 8-person island: names almost nobody, almost nobody names it
            if b != SMALL:
                p[(SMALL, b)] = 0.12 / (len(departments) - 1)
        _rescale_column(p, sizes, SMALL, 0.01)
        plants.add(("island", SMALL, 0))
        s, t = rng.sample([1, 2, 3, 4], 2)  # friction: about 11 of s's answers name t, ~2/5
        p[(s, t)], mu[(s, t)] = 11 / (sizes[s] * 0.75), 2.0
        plants.add(("friction", s, t))
        a, b = rng.sample([d for d in (1, 2, 3, 4, 5) if d not in (s, t)] or [5, 6], 2)
        p[(a, b)], p[(b, a)] = 0.6, 0.6  # one-sided: a finds it rough, b smooth
        mu[(a, b)], mu[(b, a)] = 2.3, 4.7  # expected ratings about 2.4 and 4.4
        plants.add(("one_sided", a, b))
        for key in ((s, t), (a, b), (b, a)):
            p[key] = min(p[key], 0.85)
    rate = {d: rng.uniform(0.6, 0.92) for d in departments}
    people = []
    for d in departments:
        for _ in range(sizes[d]):
            factor = math.exp(rng.gauss(0, 0.35))
            people.append(
                Person(
                    department=d,
                    respond=_clamp(rng.gauss(rate[d], 0.15), 0.1, 0.99),
                    naming={b: min(0.95, p[(d, b)] * factor) for b in departments if b != d},
                    level={b: rng.gauss(mu[(d, b)], PERSON_SPREAD) for b in departments if b != d},
                )
            )
    org = Org(seed=seed, names=names, people=people, planted=frozenset(plants))
    org.truth = truth(org)
    return org


def _rescale_column(
    p: dict[tuple[int, int], float], sizes: dict[int, int], target: int, share: float
) -> None:
    """Make `target` named by `share` of everyone else's answers (size-weighted)."""
    others = [a for a in sizes if a != target]
    current = sum(sizes[a] * p[(a, target)] for a in others) / sum(sizes[a] for a in others)
    for a in others:
        p[(a, target)] = min(0.85, p[(a, target)] * share / current)


def _rating(level: float, rng: random.Random) -> int:
    return int(_clamp(round(rng.gauss(level, WEEK_NOISE)), 1, 5))


def _expected_rating(level: float) -> float:
    """E[clamp(round(N(level, WEEK_NOISE)), 1, 5)], exactly."""
    from statistics import NormalDist

    dist = NormalDist(level, WEEK_NOISE)
    edges = [-math.inf, 1.5, 2.5, 3.5, 4.5, math.inf]
    return sum(v * (dist.cdf(edges[v]) - dist.cdf(edges[v - 1])) for v in range(1, 6))


def truth(org: Org) -> dict[str, set]:
    """What is really there, from the people's own chances (the finite organisation, weighted
    by how often each answers): the findings a perfect reader would make with the cut-offs.
    A rating's weight also allows for teams not rated when more than MAX_RATED are named
    (approximately: the chance of being among those rated is taken as 1)."""
    from bot.insights.findings import ISLAND_NAMED_BELOW, ISLAND_NAMES_BELOW, LINK_SHARE
    from bot.insights.silos import ASYMMETRY_HIGH, ASYMMETRY_LOW, FRICTION_BELOW

    answers: Counter[int] = Counter()
    named: dict[tuple[int, int], float] = defaultdict(float)
    rating: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for person in org.people:
        answers[person.department] += person.respond
        for b, chance in person.naming.items():
            named[(person.department, b)] += person.respond * chance
            cell = rating[(person.department, b)]
            cell[0] += person.respond * chance
            cell[1] += person.respond * chance * _expected_rating(person.level[b])
    everyone = sum(answers.values())
    islands, friction, one_sided, links = set(), set(), set(), Counter()
    mean = {key: total / w for key, (w, total) in rating.items() if w}
    for d in org.names:
        out = sum(named[(d, b)] for b in org.names if b != d) / answers[d]
        inward = sum(named[(a, d)] for a in org.names if a != d) / (everyone - answers[d])
        if out < ISLAND_NAMES_BELOW and inward < ISLAND_NAMED_BELOW:
            islands.add(d)
    for (a, b), m in mean.items():
        if m < FRICTION_BELOW:
            friction.add((a, b))
        if m <= ASYMMETRY_LOW and mean.get((b, a), 0) >= ASYMMETRY_HIGH:
            one_sided.add((a, b))
        if a < b and max(named[(a, b)] / answers[a], named[(b, a)] / answers[b]) >= LINK_SHARE:
            links[a] += 1
            links[b] += 1
    bridges = {d for d in org.names if links[d] >= 3}
    return {"island": islands, "friction": friction, "one_sided": one_sided, "bridge": bridges}


def is_true(org: Org, key: Key) -> bool:
    kind, a, b = key
    kind = "island" if kind == "unnamed" else kind  # judged as an island: both ways
    return (a in org.truth[kind]) if kind in ("island", "bridge") else (a, b) in org.truth[kind]


def simulate(org: Org, weeks: int, *, k: int = K, seed: int = 0) -> list[WeekFigures]:
    """`weeks` closed rounds as their published figures, oldest first."""
    rng = random.Random(f"{org.seed}-{seed}")
    out = []
    for _ in range(weeks):
        answers = []
        for person in org.people:
            if rng.random() >= person.respond:
                continue
            teams = [b for b, chance in person.naming.items() if rng.random() < chance]
            rated = rng.sample(teams, min(len(teams), MAX_RATED))
            answers.append((person, teams, {b: _rating(person.level[b], rng) for b in rated}))
        out.append(_publish(org, answers, k))
    return out


def _publish(org: Org, answers: list, k: int) -> WeekFigures:
    sizes = {d: 0 for d in org.names} | Counter(person.department for person, _, _ in answers)
    pooled = pools_for(sizes, k_scores=k, k_comments=10).scores
    figures = WeekFigures()
    figures.invited = dict(Counter(person.department for person in org.people))
    for person, teams, ratings in answers:
        d = POOLED if person.department in pooled else person.department
        figures.respondents[d] = figures.respondents.get(d, 0) + 1
        for b in teams:
            cell = figures.cells.setdefault((d, b), {})
            n, total = cell.get("worked_with", (0, 0.0))
            cell["worked_with"] = (n + 1, total + 1)
        for b, value in ratings.items():
            cell = figures.cells.setdefault((d, b), {})
            n, total = cell.get("smoothness", (0, 0.0))
            cell["smoothness"] = (n + 1, total + value)
            spread = figures.cell_sumsq.setdefault((d, b), {})
            spread["smoothness"] = spread.get("smoothness", 0.0) + value * value
    return figures
