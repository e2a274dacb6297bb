"""The anonymity rules, in one place every output goes through.

- A figure is shown only for a group of at least k respondents (k never below 3).
- Secondary suppression: when some departments are withheld while the organisation's
  total is shown, the withheld ones together must hold zero or at least k respondents,
  otherwise "total minus the shown departments" would reveal a small group. We withhold
  further departments, smallest first, until that holds.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping

K_FLOOR = 3

Group = frozenset[int]  # the members of a group, by an index valid for one computation


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
    """The candidate groups that may also be shown beside `shown_groups`, in the order given.

    Every figure is a sum over its members, so whoever holds all of them can compute any
    sum over an *atom*: the members sharing exactly the same memberships. Nothing finer is
    recoverable, so the promise "no two figures subtract to a small group" holds when every
    atom is empty or has at least k members. The atoms of `shown_groups` must already hold
    it (departments after pooling, and the organisation); a candidate is accepted only when
    the atoms it splits all keep k members or more on both sides, otherwise withheld."""
    k = effective_k(k)
    atoms: set[Group] = set()
    for group in shown_groups:
        atoms = _split(atoms, group)
    accepted = []
    for key, group in candidates:
        if len(group) < k:
            continue
        finer = _split(atoms, group)
        if all(len(atom) >= k for atom in finer):
            atoms = finer
            accepted.append(key)
    return accepted


def _split(atoms: set[Group], group: Group) -> set[Group]:
    covered = frozenset().union(*atoms)
    finer = {part for atom in atoms for part in (atom & group, atom - group) if part}
    if group - covered:
        finer.add(frozenset(group - covered))
    return finer
