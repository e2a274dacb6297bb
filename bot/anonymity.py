"""The anonymity rules, in one place every output goes through.

- A figure is shown only for a group of at least k respondents (k never below 3).
- Secondary suppression: when some departments are withheld while the organisation's
  total is shown, the withheld ones together must hold zero or at least k respondents,
  otherwise "total minus the shown departments" would reveal a small group. We withhold
  further departments, smallest first, until that holds.
"""

from __future__ import annotations

from collections.abc import Mapping

K_FLOOR = 3


def effective_k(k: int) -> int:
    return max(k, K_FLOOR)


def shown(n: int, k: int) -> bool:
    return n >= effective_k(k)


def suppressed_groups(sizes: Mapping[int, int], *, k: int, total_shown: bool = True) -> set[int]:
    """The groups whose figures must be withheld, primary and secondary."""
    k = effective_k(k)
    hidden = {g for g, n in sizes.items() if n < k}
    if not total_shown:
        return hidden
    visible = sorted((n, g) for g, n in sizes.items() if g not in hidden)
    while hidden and 0 < sum(sizes[g] for g in hidden) < k and visible:
        _, smallest = visible.pop(0)
        hidden.add(smallest)
    return hidden


def comment_allowed(n: int, k_comments: int) -> bool:
    return n >= max(k_comments, K_FLOOR)
