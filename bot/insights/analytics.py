"""Pure aggregation: engagement index, eNPS, change tests. No database, no platform."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.pulse.surveys import QUESTION_BANK, Dimension

ENGAGEMENT_ITEMS_FIXED = {"energy"}
BANK_DIMENSIONS = {q.key: q.dimension for q in QUESTION_BANK}
MIN_CHANGE_POINTS = 5.0  # practical significance, on the 0-100 engagement scale


@dataclass(frozen=True)
class Stat:
    """n, sum and sum of squares: enough for a mean and a standard deviation."""

    n: int = 0
    total: float = 0.0
    sumsq: float = 0.0

    def __add__(self, other: Stat) -> Stat:
        return Stat(self.n + other.n, self.total + other.total, self.sumsq + other.sumsq)

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def sd(self) -> float:
        if self.n < 2:
            return 0.0
        variance = (self.sumsq - self.total**2 / self.n) / (self.n - 1)
        return math.sqrt(max(variance, 0.0))


def is_engagement_item(item: str) -> bool:
    if item in ENGAGEMENT_ITEMS_FIXED or item.startswith("custom."):
        return True
    return BANK_DIMENSIONS.get(item) == Dimension.ENGAGEMENT


def engagement_index(stat: Stat) -> float | None:
    """Mean of the 1-5 engagement items, mapped onto 0-100 (1 -> 0, 5 -> 100)."""
    return None if stat.mean is None else (stat.mean - 1) / 4 * 100


def engagement_se(stat: Stat, respondents: int) -> float:
    """Standard error of the index; per respondent, since one person answers several items."""
    return stat.sd / 4 * 100 / math.sqrt(respondents) if respondents else math.inf


@dataclass(frozen=True)
class Nps:
    promoters: int = 0
    detractors: int = 0
    n: int = 0

    def __add__(self, other: Nps) -> Nps:
        return Nps(
            self.promoters + other.promoters,
            self.detractors + other.detractors,
            self.n + other.n,
        )

    @property
    def score(self) -> float | None:
        """eNPS: % answering 9-10 minus % answering 0-6."""
        return (self.promoters - self.detractors) / self.n * 100 if self.n else None

    @property
    def se(self) -> float:
        if not self.n:
            return math.inf
        p, d = self.promoters / self.n, self.detractors / self.n
        return math.sqrt(max(p + d - (p - d) ** 2, 0.0) / self.n) * 100


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)
