"""Themes of free-text answers, computed locally and deterministically (scikit-learn).

Each person's answer is one document. TF-IDF over 1-2-grams with English stop words finds
the weighted phrases; only phrases written by at least `MIN_PEOPLE` people are candidates
(a phrase one person wrote could quote them). Candidates written by mostly the same people
are grouped (average-linkage agglomerative clustering on the Jaccard distance of who wrote
them); a theme is named by its heaviest phrase (two-word phrases first) and counts the
people who wrote any phrase of it. No randomness: ties break alphabetically.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MIN_PEOPLE = 2  # a theme shown is raised by at least this many people
CANDIDATES = 24  # the heaviest phrases considered
MAX_THEMES = 5
GROUP_DISTANCE = 0.5  # phrases whose writers overlap more than this share a theme
# Words every answer to these questions uses, which make no theme of their own.
FILLER = frozenset(
    {"depend", "depends", "dependent", "rely", "relies", "need", "needs", "mostly"}
    | {"really", "lot", "team", "teams", "work", "working"}
)
WORD = re.compile(r"\w{2,}")
PLACEHOLDERS = re.compile(r"\[(?:name|email|link|someone)\]")


@dataclass(frozen=True)
class Theme:
    phrase: str
    people: int
    related: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"phrase": self.phrase, "people": self.people, "related": list(self.related)}


def themes(
    documents: Sequence[str], *, drop: Iterable[str] = (), limit: int = MAX_THEMES
) -> list[Theme]:
    """The themes of `documents` (one per person), most people first; `drop`: words never
    to form a theme (department names, when the question is about departments)."""
    docs = [PLACEHOLDERS.sub(" ", d) for d in documents if d and d.strip()]
    if len(docs) < MIN_PEOPLE:
        return []
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    # Single words only (a phrase's words stay themes), as the tokenizer would cut them.
    dropped = {d.lower() for d in drop if WORD.fullmatch(d)}
    stop = sorted(ENGLISH_STOP_WORDS | FILLER | dropped)
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), stop_words=stop, min_df=MIN_PEOPLE, sublinear_tf=True
    )
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # nothing written by two people
        return []
    terms = vectorizer.get_feature_names_out()
    present = (matrix > 0).tocsc()
    writers = np.asarray(present.sum(axis=0)).ravel()
    weight = np.asarray(matrix.sum(axis=0)).ravel()

    def heaviest_first(i: int) -> tuple[float, str]:
        """Two-word phrases weigh half as much again: "bug fixes" says more than "bug"."""
        return (-(weight[i] * (1.5 if " " in terms[i] else 1.0)), terms[i])

    order = sorted(range(len(terms)), key=heaviest_first)
    chosen = [i for i in order if writers[i] >= MIN_PEOPLE][:CANDIDATES]
    writers_of = {i: frozenset(present[:, i].nonzero()[0].tolist()) for i in chosen}
    # A word only ever written inside the candidate phrases that hold it says nothing more.
    chosen = [i for i in chosen if not _covered(i, chosen, terms, writers_of)]
    if not chosen:
        return []
    sets = [writers_of[i] for i in chosen]
    groups = _group(sets)
    found = []
    for members in groups:
        ranked = sorted(members, key=lambda m: heaviest_first(chosen[m]))
        people = len(frozenset().union(*(sets[m] for m in members)))
        if people < MIN_PEOPLE:
            continue
        label = str(terms[chosen[ranked[0]]])
        related = tuple(
            str(terms[chosen[m]]) for m in ranked[1:] if str(terms[chosen[m]]) not in label
        )
        found.append(Theme(phrase=label, people=people, related=related[:3]))
    found.sort(key=lambda t: (-t.people, t.phrase))
    return _folded(found, sets={t.phrase: _writers(t, terms, chosen, sets) for t in found})[:limit]


def _writers(theme: Theme, terms: Sequence[str], chosen: list[int], sets: list) -> frozenset[int]:
    names = {theme.phrase, *theme.related}
    return frozenset().union(*(sets[m] for m, i in enumerate(chosen) if terms[i] in names))


def _folded(found: list[Theme], *, sets: dict[str, frozenset[int]]) -> list[Theme]:
    """A theme sharing a word with a bigger one, written only by people of that one ("fixes
    hotfixes" beside "bug fixes"), is a variant of it: it becomes one of its related phrases."""
    kept: list[Theme] = []
    for theme in found:
        words = set(theme.phrase.split())
        host = next(
            (
                k
                for k in kept
                if words & set(k.phrase.split()) and sets[theme.phrase] <= sets[k.phrase]
            ),
            None,
        )
        if host is None:
            kept.append(theme)
            continue
        index = kept.index(host)
        related = (*host.related, theme.phrase)[:3]
        kept[index] = Theme(host.phrase, host.people, related)
    return kept


def _covered(
    index: int, chosen: list[int], terms: Sequence[str], writers_of: dict[int, frozenset[int]]
) -> bool:
    word = terms[index]
    if " " in word:
        return False
    holders = [i for i in chosen if " " in terms[i] and word in terms[i].split()]
    return bool(holders) and writers_of[index] <= frozenset().union(
        *(writers_of[i] for i in holders)
    )


def _group(sets: list[frozenset[int]]) -> list[list[int]]:
    """Indices of phrases grouped by who wrote them (deterministic: no random state)."""
    if len(sets) == 1:
        return [[0]]
    from sklearn.cluster import AgglomerativeClustering

    size = len(sets)
    distance = np.zeros((size, size))
    for a in range(size):
        for b in range(a + 1, size):
            union = len(sets[a] | sets[b])
            distance[a, b] = distance[b, a] = 1 - len(sets[a] & sets[b]) / union if union else 1
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=GROUP_DISTANCE,
    ).fit_predict(distance)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=lambda g: g[0])
