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
from contextlib import ExitStack
from itertools import combinations, count

K_FLOOR = 3

Group = frozenset[int]  # the members of a group, by an index valid for one computation
MAX_SMALL_ATOMS = 16  # beyond this many small atoms a candidate group is withheld untested
MAX_TESTED_CELLS = 40_000  # groups x atoms beyond which a candidate is withheld untested


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
    over fewer than k people (`discloses_small_group`). `shown_groups` must not already.

    Kept cheap for a large organisation: the atoms are refined one group at a time, a group
    that leaves every atom at k or more is accepted at once, and otherwise only the groups
    linked to it through shared members are tested (sums over unlinked members cannot
    combine into its members' sums); a linked set too large to test is withheld."""
    k = effective_k(k)
    atoms = _Atoms()
    for group in shown_groups:
        atoms.add(frozenset(group))
    accepted: list[Hashable] = []
    with ExitStack() as algebra:
        _refine(atoms, candidates, k=k, accepted=accepted, algebra=algebra)
    return accepted


def _refine(
    atoms: _Atoms,
    candidates: Iterable[tuple[Hashable, Group]],
    *,
    k: int,
    accepted: list[Hashable],
    algebra: ExitStack,
) -> None:
    limited = False
    for key, group in candidates:
        if len(group) < k:
            continue
        parts = atoms.parts(group)
        if any(len(part) < k for part in parts) and atoms.nested_difference(group) < k:
            continue  # it and a shown group subtract to a small one: no algebra needed
        linked, linked_atoms = atoms.linked(group)
        untouched = linked_atoms - {atoms.atom_of[m] for m in group if m in atoms.atom_of}
        if all(len(part) >= k for part in parts) and all(
            len(atoms.atoms[a]) >= k for a in untouched
        ):
            atoms.add(group)  # every atom it is linked to keeps k or more: nothing small
            accepted.append(key)
            continue
        if (len(linked) + 1) * (len(linked_atoms) + len(parts)) > MAX_TESTED_CELLS:
            continue
        if not limited:  # small matrices: one thread beats a contended pool many times over
            from threadpoolctl import threadpool_limits

            algebra.enter_context(threadpool_limits(limits=1))
            limited = True
        if discloses_small_group([*linked, group], k=k):
            continue
        atoms.add(group)
        accepted.append(key)


class _Atoms:
    """The shown groups and their atoms (members with the same memberships), kept up to date
    as groups are added."""

    def __init__(self) -> None:
        self.groups: list[Group] = []
        self.atoms: dict[int, set[int]] = {}
        self.atom_of: dict[int, int] = {}
        self.groups_of: dict[int, set[int]] = {}  # atom -> the groups holding it
        self.group_atoms: dict[int, set[int]] = {}  # group -> its atoms
        self._ids = count()

    def parts(self, group: Group) -> list[set[int]]:
        """The atoms that adding `group` would create or change."""
        touched = {self.atom_of[m] for m in group if m in self.atom_of}
        parts = []
        for atom in touched:
            inside = self.atoms[atom] & group
            parts += [p for p in (inside, self.atoms[atom] - inside) if p]
        fresh = {m for m in group if m not in self.atom_of}
        return parts + ([fresh] if fresh else [])

    def nested_difference(self, group: Group) -> int:
        """The smallest non-empty difference between `group` and a shown group holding it or
        held by it (a number above any threshold when there is none)."""
        smallest = len(group) + 1 + sum(len(a) for a in self.atoms.values())
        touched = {self.atom_of[m] for m in group if m in self.atom_of}
        for g in set().union(*(self.groups_of[a] for a in touched)) if touched else ():
            shared = len(self.groups[g] & group)
            if shared == len(group) and len(self.groups[g]) > shared:
                smallest = min(smallest, len(self.groups[g]) - shared)
            elif shared == len(self.groups[g]) and len(group) > shared:
                smallest = min(smallest, len(group) - shared)
        return smallest

    def linked(self, group: Group) -> tuple[list[Group], set[int]]:
        """The shown groups connected to `group` through shared members, directly or not,
        and their atoms."""
        seen_groups: set[int] = set()
        frontier = {self.atom_of[m] for m in group if m in self.atom_of}
        seen_atoms = set(frontier)
        while frontier:
            atom = frontier.pop()
            for g in self.groups_of[atom] - seen_groups:
                seen_groups.add(g)
                for other in self.group_atoms[g] - seen_atoms:
                    seen_atoms.add(other)
                    frontier.add(other)
        return [self.groups[g] for g in sorted(seen_groups)], seen_atoms

    def add(self, group: Group) -> None:
        index = len(self.groups)
        self.groups.append(group)
        self.group_atoms[index] = set()
        for atom in {self.atom_of[m] for m in group if m in self.atom_of}:
            inside = self.atoms[atom] & group
            if inside == self.atoms[atom]:
                self.groups_of[atom].add(index)
                self.group_atoms[index].add(atom)
                continue
            new = next(self._ids)
            self.atoms[atom] -= inside
            self.atoms[new] = inside
            self.groups_of[new] = self.groups_of[atom] | {index}
            for g in self.groups_of[atom]:
                self.group_atoms[g].add(new)
            self.group_atoms[index].add(new)
            for member in inside:
                self.atom_of[member] = new
        fresh = {m for m in group if m not in self.atom_of}
        if fresh:
            new = next(self._ids)
            self.atoms[new] = fresh
            self.groups_of[new] = {index}
            self.group_atoms[index].add(new)
            for member in fresh:
                self.atom_of[member] = new


def discloses_small_group(groups: list[Group], *, k: int) -> bool:
    """Whether the sums over `groups` determine the sum over some set of 1 to k-1 members.

    Every figure is a sum over its members (a mean with its count), so whoever holds all of
    them knows every linear combination: organisation minus departments, a manager's
    people minus their department, one scope minus its siblings, and so on. Members who
    share exactly the same memberships (an *atom*) can never be told apart. When every atom
    has k members or more nothing small is known; otherwise each union of small atoms under
    k members is tested against the span of the groups (a projection on an orthonormal
    basis, from a rank-revealing QR). Too many small atoms to test counts as disclosing:
    withhold rather than guess."""
    k = effective_k(k)
    refined = _Atoms()
    for group in groups:
        refined.add(group)
    ids = list(refined.atoms)
    atoms = [refined.atoms[a] for a in ids]
    small = [i for i, atom in enumerate(atoms) if len(atom) < k]
    if not small:
        return False
    if len(small) > MAX_SMALL_ATOMS:
        return True
    import numpy as np  # only here: the common case above needs no algebra
    from scipy.linalg import qr

    column = {a: i for i, a in enumerate(ids)}
    incidence = np.zeros((len(ids), len(groups)))  # atoms x groups: the span is its columns
    for g, held in refined.group_atoms.items():
        incidence[[column[a] for a in held], g] = 1.0
    q, r, _ = qr(incidence, mode="economic", pivoting=True)
    diagonal = np.abs(np.diag(r))
    basis = q[:, : int((diagonal > 1e-9 * max(diagonal.max(initial=0.0), 1.0)).sum())].T
    for size in range(1, k):
        for chosen in combinations(small, size):
            if sum(len(atoms[i]) for i in chosen) >= k:
                continue
            vector = np.zeros(len(atoms))
            vector[list(chosen)] = 1.0
            if np.linalg.norm(vector - basis.T @ (basis @ vector)) < 1e-6:
                return True
    return False
