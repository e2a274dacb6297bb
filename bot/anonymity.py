"""The anonymity rules, in one place every output goes through.

- A figure is shown only for a group of at least k respondents (k never below 3).
- Secondary suppression: when some departments are withheld while the organisation's
  total is shown, the withheld ones together must hold zero or at least k respondents,
  otherwise "total minus the shown departments" would reveal a small group. We withhold
  further departments, smallest first, until that holds.
- Overlapping groups (a manager's people beside the departments): a group is shown only when
  no combination of all the figures computes a sum over fewer than k people
  (`refine_safely`).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping
from itertools import combinations

K_FLOOR = 3

Group = frozenset[int]  # the members of a group, by an index valid for one computation
MAX_SMALL_ATOMS = 16  # beyond this many small atoms a candidate group is withheld untested


def effective_k(k: int) -> int:
    return max(k, K_FLOOR)


def shown(n: int, k: int) -> bool:
    return n >= effective_k(k)


def suppressed_groups(
    sizes: Mapping[int, int],
    *,
    k: int,
    total_shown: bool = True,
    already: Collection[int] = (),
) -> set[int]:
    """The groups whose figures must be withheld, primary and secondary; `already` are
    withheld for another reason and count among the hidden ones."""
    k = effective_k(k)
    hidden = {g for g, n in sizes.items() if n < k} | (set(already) & set(sizes))
    if not total_shown:
        return hidden
    visible = sorted((n, g) for g, n in sizes.items() if g not in hidden)
    while hidden and 0 < sum(sizes[g] for g in hidden) < k and visible:
        _, smallest = visible.pop(0)
        hidden.add(smallest)
    return hidden


def comment_allowed(n: int, k_comments: int) -> bool:
    return n >= max(k_comments, K_FLOOR)


def refine_safely(
    shown_groups: Iterable[Group], candidates: Iterable[tuple[Hashable, Group]], *, k: int
) -> list[Hashable]:
    """The candidate groups that may also be shown beside `shown_groups`, in the order given:
    those of k members or more whose figure, with all the others, lets no one compute a sum
    over fewer than k people (`discloses_small_group`). `shown_groups` must not already."""
    k = effective_k(k)
    groups = [frozenset(g) for g in shown_groups]
    accepted = []
    for key, group in candidates:
        if len(group) < k or discloses_small_group([*groups, group], k=k):
            continue
        groups.append(group)
        accepted.append(key)
    return accepted


def discloses_small_group(groups: list[Group], *, k: int) -> bool:
    """Whether the sums over `groups` determine the sum over some set of 1 to k-1 members.

    Every figure is a sum over its members (a mean with its count), so whoever holds all of
    them knows every linear combination: organisation minus departments, a manager's
    people minus their department, one scope minus its siblings, and so on. Members who
    share exactly the same memberships (an *atom*) can never be told apart. When every atom
    has k members or more nothing small is known; otherwise each union of small atoms under
    k members is tested against the span of the groups (a projection on an orthonormal
    basis). Too many small atoms to test counts as disclosing: withhold rather than guess."""
    k = effective_k(k)
    signatures: dict[tuple[bool, ...], set[int]] = {}
    for member in frozenset().union(*groups):
        signatures.setdefault(tuple(member in g for g in groups), set()).add(member)
    atoms = [frozenset(a) for a in signatures.values()]
    small = [i for i, atom in enumerate(atoms) if len(atom) < k]
    if not small:
        return False
    if len(small) > MAX_SMALL_ATOMS:
        return True
    import numpy as np  # only here: the common case above needs no algebra

    incidence = np.array([[float(atom <= g) for atom in atoms] for g in groups])
    _, values, rows = np.linalg.svd(incidence, full_matrices=False)
    basis = rows[values > 1e-9 * max(values.max(), 1.0)]
    for size in range(1, k):
        for chosen in combinations(small, size):
            if sum(len(atoms[i]) for i in chosen) >= k:
                continue
            vector = np.zeros(len(atoms))
            vector[list(chosen)] = 1.0
            if np.linalg.norm(vector - basis.T @ (basis @ vector)) < 1e-6:
                return True
    return False
