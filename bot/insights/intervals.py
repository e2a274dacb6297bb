"""One-sided confidence bounds for the silo findings: Wilson for shares, the exact Poisson
bound for counts per respondent, Student's t for mean ratings. Pure Python, no tables."""

from __future__ import annotations

import math
from statistics import NormalDist

from bot.insights.changes import t_two_sided

_NORMAL = NormalDist()


def z_of(alpha: float) -> float:
    """The one-sided standard normal quantile: P(Z > z) = alpha."""
    return _NORMAL.inv_cdf(1 - alpha)


def wilson(successes: float, n: float, alpha: float) -> tuple[float, float]:
    """Wilson score bounds (lower, upper) of a share, each one-sided at level alpha."""
    if n <= 0:
        return 0.0, 1.0
    z = z_of(alpha)
    p = min(max(successes / n, 0.0), 1.0)
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max((centre - half) / scale, 0.0), min((centre + half) / scale, 1.0)


def _poisson_cdf(x: int, lam: float) -> float:
    """P(X <= x) for X ~ Poisson(lam), summed in log space."""
    if lam <= 0:
        return 1.0
    log_term = -lam
    total = math.exp(log_term)
    for i in range(1, x + 1):
        log_term += math.log(lam) - math.log(i)
        total += math.exp(log_term)
    return min(total, 1.0)


def poisson_upper(count: int, alpha: float) -> float:
    """The exact (Garwood) one-sided upper bound of a Poisson mean: the lam for which seeing
    `count` or fewer has probability alpha. By bisection; 60 halvings are plenty."""
    low, high = float(count), float(count) + 10 + 10 * math.sqrt(count + 1) * z_of(alpha)
    while _poisson_cdf(count, high) > alpha:
        high *= 2
    for _ in range(60):
        mid = (low + high) / 2
        if _poisson_cdf(count, mid) > alpha:
            low = mid
        else:
            high = mid
    return high


def t_quantile(alpha: float, df: int) -> float:
    """The one-sided Student t quantile: P(T > t) = alpha, by bisection on the exact series."""
    if df > 200:
        return z_of(alpha)
    low, high = 0.0, 1.0
    while t_two_sided(high, df) > 2 * alpha:
        high *= 2
    for _ in range(60):
        mid = (low + high) / 2
        if t_two_sided(mid, df) > 2 * alpha:
            low = mid
        else:
            high = mid
    return high


def mean_bounds(n: int, total: float, sumsq: float, alpha: float) -> tuple[float, float]:
    """Student t bounds (lower, upper) of a mean of n ratings, each one-sided at alpha. The
    spread is floored at that of one rating one point from the rest, so ratings that all
    agree never give a zero-width interval (as `changes._spread`)."""
    if n < 2:
        return -math.inf, math.inf
    mean = total / n
    squares = max(sumsq - total * total / n, (n - 1) / n)
    half = t_quantile(alpha, n - 1) * math.sqrt(squares / (n - 1) / n)
    return mean - half, mean + half
