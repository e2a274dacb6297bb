"""One-sided tests for the silo findings: Wilson for shares, the exact Poisson bound for
counts per respondent, Student's t for mean ratings, each as a bound at a level and as the
p-value of the test the bound inverts (the bound is past the cut-off at level a exactly when
the p-value is below a), and Holm's step-down over a digest's p-values. Pure Python."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from statistics import NormalDist
from typing import TypeVar

from bot.insights.changes import t_two_sided

_NORMAL = NormalDist()
T = TypeVar("T", bound=Hashable)


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


def poisson_p_below(count: int, n: int, rate: float) -> float:
    """p-value of "n answers name `rate` or more teams each" given `count` named in all: the
    exact Poisson P(X <= count) at mean rate x n (below a exactly when poisson_upper(count, a)
    is below rate x n)."""
    return _poisson_cdf(count, rate * n)


def share_p(successes: float, n: float, cut: float, *, below: bool) -> float:
    """p-value of the score test that a share is at least `cut` (below=True: evidence that it
    is below) or at most `cut` (below=False); the Wilson bounds invert this test."""
    if n <= 0:
        return 1.0
    z = (successes / n - cut) / math.sqrt(cut * (1 - cut) / n)
    return _NORMAL.cdf(z) if below else _NORMAL.cdf(-z)


def mean_p(n: int, total: float, sumsq: float, cut: float, *, below: bool) -> float:
    """p-value of the one-sided t test that a mean of n ratings is at least `cut` (below=True)
    or at most `cut` (below=False), the spread floored as in `mean_bounds`."""
    if n < 2:
        return 1.0
    squares = max(sumsq - total * total / n, (n - 1) / n)
    error = math.sqrt(squares / (n - 1) / n)
    t = (cut - total / n) / error if below else (total / n - cut) / error
    tail = t_two_sided(t, n - 1) / 2
    return tail if t > 0 else 1.0 - tail


def holm(pvalues: Mapping[T, float], alpha: float) -> set[T]:
    """Holm's step-down: the hypotheses rejected with the chance of rejecting any true one at
    most alpha, whatever their dependence. The i-th smallest p-value (from 0) is compared
    with alpha / (m - i), stopping at the first that is not below it."""
    ranked = sorted(pvalues.items(), key=lambda item: item[1])
    rejected: set[T] = set()
    for i, (key, p) in enumerate(ranked):
        if p > alpha / (len(ranked) - i):
            break
        rejected.add(key)
    return rejected


def conditioned(pvalues: Mapping[T, float], tau: float) -> dict[T, float]:
    """The p-values at or under tau, each divided by tau; the others are set aside (Ellis,
    Pecanka & Goeman 2020, "Gaining power in multiple testing of interval hypotheses via
    conditionalization"). A one-sided test of a null well inside its region gives p-values
    mostly near 1, so the family a correction pays for shrinks to the tests near their
    cut-off; given p <= tau, p / tau is still at least uniform for such tests (one-sided tests
    in monotone-likelihood-ratio families). Holm over the result controls the family-wise rate
    when the tests are independent (their theorem); tau = 1 is Holm itself, under any
    dependence."""
    if tau >= 1:
        return dict(pvalues)
    return {key: p / tau for key, p in pvalues.items() if p <= tau}
