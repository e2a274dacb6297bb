"""The silo map's cut-offs, today's one-week rules over them, and what to do about findings.

The digest decides findings with `bot.insights.findings` (the cut-offs below, tested against
noise over pooled weeks). The one-week functions here (`isolated`, `friction`, `asymmetric`,
`bridges`) are the former rules, kept as the baseline `bench/findings.py` measures against."""

from __future__ import annotations

from collections import defaultdict

from bot.i18n import _, format_decimal
from bot.insights.digest_data import Pair

FRICTION_BELOW = 2.75  # mean smoothness on 1-5
ASYMMETRY_LOW = 3.0  # A rates B at most this ...
ASYMMETRY_HIGH = 3.75  # ... while B rates A at least this
BRIDGE_MIN_PARTNERS = 3
MAX_BRIDGES = 3


def isolated(
    pairs: tuple[Pair, ...], sizes: dict[int, int], names: dict[int, str], hidden: set[int]
) -> tuple[str, ...]:
    """Shown departments whose people seldom name other teams and whom others seldom name:
    fewer than 0.5 other teams per respondent, and named by under 5% of everyone else."""
    total = sum(sizes.values())
    result = []
    for d, name in sorted(names.items(), key=lambda x: x[1]):
        if d in hidden or not sizes.get(d):
            continue
        out_ties = sum(p.ties or 0 for p in pairs if p.source == name)
        in_ties = sum(p.ties or 0 for p in pairs if p.target == name)
        others = total - sizes[d]
        if out_ties / sizes[d] < 0.5 and (not others or in_ties / others < 0.05):
            result.append(name)
    return tuple(result)


def friction(pairs: tuple[Pair, ...]) -> tuple[Pair, ...]:
    return tuple(p for p in pairs if p.smoothness is not None and p.smoothness < FRICTION_BELOW)


def asymmetric(pairs: tuple[Pair, ...]) -> tuple[tuple[Pair, Pair], ...]:
    """Pairs where A finds working with B rough while B finds working with A smooth."""
    by_route = {(p.source, p.target): p for p in pairs if p.smoothness is not None}
    found = []
    for (source, target), pair in sorted(by_route.items()):
        back = by_route.get((target, source))
        if back and pair.smoothness <= ASYMMETRY_LOW and back.smoothness >= ASYMMETRY_HIGH:
            found.append((pair, back))
    return tuple(found)


def bridges(pairs: tuple[Pair, ...]) -> tuple[str, ...]:
    """The departments tied (in either direction, shown ties only) to the most others."""
    partners: dict[str, set[str]] = defaultdict(set)
    for p in pairs:
        if p.ties:
            partners[p.source].add(p.target)
            partners[p.target].add(p.source)
    ranked = sorted(partners.items(), key=lambda item: (-len(item[1]), item[0]))
    return tuple(
        name for name, linked in ranked[:MAX_BRIDGES] if len(linked) >= BRIDGE_MIN_PARTNERS
    )


def suggestions(
    *,
    islands: tuple[str, ...],
    rough: tuple[Pair, ...],
    one_sided: tuple[tuple[Pair, Pair], ...],
    hubs: tuple[str, ...],
) -> tuple[str, ...]:
    actions = [
        (
            _("Hold a joint retro for {source} and {target}: {source} rates the work {score}/5.")
            if p.smoothness is not None
            else _("Hold a joint retro for {source} and {target}: {source} finds it rough.")
        ).format(
            source=p.source,
            target=p.target,
            score=format_decimal(p.smoothness) if p.smoothness is not None else "",
        )
        for p in rough
    ]
    actions += [
        _(
            "Ask {source} and {target} to compare notes: {source} finds it rough{score}, "
            "{target} finds it smooth{score_back}."
        ).format(
            source=a.source,
            target=a.target,
            score=f" ({format_decimal(a.smoothness)}/5)" if a.smoothness is not None else "",
            score_back=f" ({format_decimal(b.smoothness)}/5)" if b.smoothness is not None else "",
        )
        for a, b in one_sided
        if (a.source, a.target) not in {(p.source, p.target) for p in rough}
    ]
    for island in islands:
        partner = next((h for h in hubs if h != island), None)
        actions.append(
            _("Introduce {island} to {partner}, the team most others work with.").format(
                island=island, partner=partner
            )
            if partner
            else _("Find out whom {island} depends on and introduce them.").format(
                island=island
            )
        )
    return tuple(actions)
