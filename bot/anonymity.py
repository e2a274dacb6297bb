"""The anonymity rules, in one place every output goes through.

- A figure is shown only for a group of at least k respondents (k never below 3).
- Secondary suppression: when some departments are withheld while the organisation's
  total is shown, the withheld ones together must hold zero or at least k respondents,
  otherwise "total minus the shown departments" would reveal a small group. We withhold
  further departments, smallest first, until that holds.
- Overlapping groups (a manager's people beside the departments): a group is shown only when
  every set of people sharing the same memberships (departments as stored, and the groups
  shown) has k members or none, so no combination of figures, nor a search of the stored
  answers against them, narrows anything to fewer than k people (`refine_safely`).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping
from itertools import count

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
    stored_groups: Iterable[Group], candidates: Iterable[tuple[Hashable, Group]], *, k: int
) -> list[Hashable]:
    """The candidate groups that may also be shown, in the order given.

    Every figure is a sum over its members (a mean with its count), so whoever holds them
    all knows every combination: organisation minus departments, a manager's people minus
    their department, one scope minus its siblings. Members who share exactly the same
    memberships (an *atom*) cannot be told apart by any of them; so the figures reveal
    nothing about fewer than k people when every atom has k members or more.

    `stored_groups` are the groups the stored answers are already tagged with (the
    departments as published, the pooled small ones as one): whoever holds the database can
    sort answers into those, and then match a group's sum against subsets of its rows, so
    the atoms are taken with them, not only with the figures shown. A candidate is kept
    only if, beside them and the candidates kept before it, every atom keeps k members or
    none: a manager's people who are three of a department's nine are withheld even where
    no plain subtraction reaches them."""
    k = effective_k(k)
    atoms = _Atoms()
    for group in stored_groups:
        atoms.add(frozenset(group))
    accepted = []
    for key, group in candidates:
        if len(group) >= k and all(len(part) >= k for part in atoms.parts(group)):
            atoms.add(group)
            accepted.append(key)
    return accepted


class _Atoms:
    """Members sorted by the groups they belong to, refined one group at a time."""

    def __init__(self) -> None:
        self.atoms: dict[int, set[int]] = {}
        self.atom_of: dict[int, int] = {}
        self._ids = count()

    def parts(self, group: Group) -> list[set[int]]:
        """The atoms that adding `group` would create or change."""
        parts = []
        for atom in {self.atom_of[m] for m in group if m in self.atom_of}:
            inside = self.atoms[atom] & group
            parts += [p for p in (inside, self.atoms[atom] - inside) if p]
        fresh = {m for m in group if m not in self.atom_of}
        return parts + ([fresh] if fresh else [])

    def add(self, group: Group) -> None:
        for atom in {self.atom_of[m] for m in group if m in self.atom_of}:
            inside = self.atoms[atom] & group
            if inside != self.atoms[atom]:
                self.atoms[atom] -= inside
                self._new(inside)
        fresh = {m for m in group if m not in self.atom_of}
        if fresh:
            self._new(fresh)

    def _new(self, members: set[int]) -> None:
        atom = next(self._ids)
        self.atoms[atom] = members
        for member in members:
            self.atom_of[member] = atom
