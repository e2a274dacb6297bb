"""Who depends on whom, and who serves whom, read from free-text answers: a department is
named by its name or an alias (plural or singular, its initials, its first word, a few
common names such as "dev" for Engineering), matched as whole words, case-insensitively."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# Common names people use for departments, by the department's lower-cased name.
COMMON: dict[str, tuple[str, ...]] = {
    "engineering": ("eng", "engineers", "dev", "devs", "developers", "r&d", "product engineering"),
    "support": ("customer support", "helpdesk", "help desk", "service desk", "support team"),
    "sales": ("sellers", "account executives", "account managers", "sales team"),
    "marketing": ("marketers", "growth", "brand"),
    "finance": ("accounting", "accounts", "billing", "fp&a"),
    "people": ("hr", "human resources", "people team", "recruiting"),
    "legal": ("lawyers", "counsel", "legal team"),
    "operations": ("ops",),
    "product": ("product management", "pms", "product managers"),
    "design": ("designers", "ux"),
    "it": ("it team", "helpdesk"),
}
# What people call customers outside the company.
OUTSIDE = re.compile(
    r"\b(customers?|clients?|users?|buyers?|consumers?|partners?|patients?|merchants?|"
    r"subscribers?|the public|members of the public|resellers?)\b",
    re.IGNORECASE,
)
OUTSIDE_LABEL = "customers outside the company"
CLAUSES = re.compile(r"[;.\n]+|,\s*|\s+(?:and|but|also|plus)\s+", re.IGNORECASE)
WORDS = re.compile(r"[^\W\d_]{3,}")  # a clause with a word beyond the names in it


def aliases(name: str) -> tuple[str, ...]:
    """Every way `name` is matched, lower-cased, longest first."""
    lower = name.lower().strip()
    found = {lower, *COMMON.get(lower, ())}
    found.add(lower[:-1] if lower.endswith("s") and len(lower) > 4 else lower + "s")
    words = lower.split()
    if len(words) > 1:
        found.add("".join(w[0] for w in words))  # "Customer Success" -> "cs"
        if len(words[0]) >= 4:
            found.add(words[0])
    return tuple(sorted((a for a in found if len(a) >= 2), key=lambda a: (-len(a), a)))


class DepartmentMatcher:
    """Finds departments named in a text; an alias two departments share names neither."""

    def __init__(self, departments: dict[int, str]) -> None:
        owners: dict[str, set[int]] = {}
        for dept_id, name in departments.items():
            for alias in aliases(name):
                owners.setdefault(alias, set()).add(dept_id)
        self._owner = {a: next(iter(ids)) for a, ids in owners.items() if len(ids) == 1}
        ordered = sorted(self._owner, key=lambda a: (-len(a), a))
        self._pattern = (
            re.compile(
                r"(?<![\w&])(" + "|".join(re.escape(a) for a in ordered) + r")(?![\w&])", re.I
            )
            if ordered
            else None
        )
        self.words = tuple(ordered)

    def named(self, text: str) -> list[int]:
        """The departments named in `text`, in order of first mention."""
        if self._pattern is None:
            return []
        found: list[int] = []
        for match in self._pattern.finditer(text):
            dept = self._owner[match.group(1).lower()]
            if dept not in found:
                found.append(dept)
        return found

    def masked(self, text: str) -> str:
        """`text` with every department named blanked out: what is left is about something
        else ("Customer Support" names no outside customer; "for bug fixes" stays)."""
        return self._pattern.sub(" ", text) if self._pattern is not None else text

    def reasons(self, text: str) -> dict[int, str]:
        """What the text says of each department it names: all of it when it names one; when
        it names several ("Sales for leads, and Engineering for bug fixes"), the clauses that
        follow each name up to the next, a bare name sharing the next clause ("Sales and
        Engineering for launches")."""
        named = self.named(text)
        if len(named) <= 1:
            return {dept: text for dept in named}
        said: dict[int, list[str]] = {dept: [] for dept in named}
        current: list[int] = []
        bare: list[int] = []
        for clause in filter(None, (c.strip() for c in CLAUSES.split(text))):
            depts = self.named(clause)
            if depts and not WORDS.search(self.masked(clause)):
                bare += depts
                current = depts
                continue
            owners = [*bare, *(depts or current)]
            for dept in owners:
                said[dept].append(clause)
            bare, current = [], depts or current
        return {dept: " ".join(parts) for dept, parts in said.items()}


def names_outside(text: str) -> bool:
    return OUTSIDE.search(text) is not None


@dataclass
class Edges:
    """Who (a source group) names whom (a target), counted in people (sheets)."""

    people: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    texts: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, source: str, target: str, sheet: str, text: str) -> None:
        key = (source, target)
        if sheet not in self.people.setdefault(key, set()):
            self.people[key].add(sheet)
            self.texts.setdefault(key, []).append(text)

    def counted(self, *, at_least: int) -> list[tuple[str, str, int]]:
        """(source, target, people) with at least that many people, most first."""
        rows = [(s, t, len(p)) for (s, t), p in self.people.items() if len(p) >= at_least]
        return sorted(rows, key=lambda r: (-r[2], r[0], r[1]))


def chains(
    edges: Iterable[tuple[str, str]], *, longest: int = 4, limit: int = 10
) -> list[tuple[str, ...]]:
    """The "customer of the customer" chains: maximal paths A -> B -> C (three teams or more)
    through who each team names as its customers (no team twice), longest first."""
    following: dict[str, list[str]] = {}
    for source, target in sorted(set(edges)):
        following.setdefault(source, []).append(target)
    found: list[tuple[str, ...]] = []

    def walk(path: tuple[str, ...]) -> None:
        nexts = [n for n in following.get(path[-1], []) if n not in path]
        if not nexts or len(path) >= longest:
            if len(path) > 2:  # a team, its customer, and that customer's
                found.append(path)
            return
        for step in nexts:
            walk((*path, step))

    for start in sorted(following):
        walk((start,))
    # A chain inside a longer one says nothing more.
    kept = [
        c for c in found if not any(o != c and len(o) > len(c) and _inside(c, o) for o in found)
    ]
    return sorted(set(kept), key=lambda c: (-len(c), c))[:limit]


def _inside(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    return any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1))
