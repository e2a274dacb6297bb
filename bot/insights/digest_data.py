"""The digest's figures as frozen data: what every renderer and `--format json` show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.insights.introductions import IntroductionsSummary, Offer


@dataclass(frozen=True)
class DepartmentFigures:
    name: str
    suppressed: bool
    invited: int | None = None
    responded: int | None = None
    response_rate: float | None = None
    engagement: float | None = None
    engagement_change: float | None = None
    enps: float | None = None
    enps_change: float | None = None


@dataclass(frozen=True)
class Pair:
    source: str
    target: str
    ties: int | None  # None: withheld, fewer than k
    smoothness: float | None  # mean 1-5 of source's ratings of target; None: withheld
    blocked: int | None
    suppressed: bool


@dataclass(frozen=True)
class Change:
    subject: str  # "the organisation" or a department
    metric: str  # engagement | enps
    before: float
    after: float
    action: str

    @property
    def delta(self) -> float:
        return round(self.after - self.before, 1)


@dataclass(frozen=True)
class Finding:
    """A silo finding tested against noise (`bot.insights.findings`), or a "too early to
    tell" (weeks 0): a sentence about departments, with a figure only where it is safe."""

    kind: str  # island | friction | one_sided | bridge
    subject: str  # the department, or the pair's rater
    other: str | None  # the pair's rated department
    weeks: int  # weeks in a row it has held, this one included (1: new); 0: too early
    smoothness: float | None = None  # pooled over the window; None: withheld or not a pair
    smoothness_back: float | None = None  # the other way (one-sided pairs)


@dataclass(frozen=True)
class HeatRow:
    """One row of the heat map: a department (or the organisation), a value per column."""

    name: str
    values: tuple[float | None, ...]  # one per `HeatMap.columns`; None: withheld
    suppressed: bool = False  # the whole department is withheld this week


@dataclass(frozen=True)
class HeatMap:
    """Departments by figures (`bot.insights.heatmap`): every cell below the threshold, or
    one that would let someone subtract out a small group, is None."""

    columns: tuple[str, ...]  # engagement, enps, response_rate, then item keys
    rows: tuple[HeatRow, ...]  # the organisation first, then departments by name

    def to_json(self) -> dict:
        return {
            "columns": list(self.columns),
            "rows": [
                {
                    "name": row.name,
                    "suppressed": row.suppressed,
                    "cells": {
                        column: {"value": value, "suppressed": value is None}
                        for column, value in zip(self.columns, row.values, strict=True)
                    },
                }
                for row in self.rows
            ],
        }


@dataclass(frozen=True)
class DigestData:
    week: str
    scope: str
    threshold: int
    comment_threshold: int
    suppressed: bool  # True: the scope itself is below the threshold; nothing is shown
    invited: int | None = None
    responded: int | None = None
    response_rate: float | None = None
    engagement: float | None = None
    engagement_change: float | None = None
    enps: float | None = None
    enps_change: float | None = None
    unreachable: int | None = None  # pulses no platform could deliver (blocked, uninstalled)
    trend: tuple[tuple[str, float | None], ...] = ()
    departments: tuple[DepartmentFigures, ...] = ()
    collaboration: tuple[Pair, ...] = ()
    isolated: tuple[str, ...] = ()
    friction: tuple[Pair, ...] = ()
    asymmetric: tuple[tuple[Pair, Pair], ...] = ()
    bridges: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    kudos: tuple[tuple[str, str, int], ...] = ()
    comments: tuple[str, ...] = ()
    # Aligned with `comments`: the id a Reply button carries, None when it cannot have one.
    comment_ids: tuple[int | None, ...] = ()
    changes: tuple[Change, ...] = field(default=())
    findings: tuple[Finding, ...] = ()  # isolated, friction, asymmetric, bridges, with streaks
    too_early: tuple[Finding, ...] = ()  # looks bad, not enough answers yet to say
    offers: tuple[Offer, ...] = ()  # suggested actions pairing two teams ("Introduce them")
    introductions: IntroductionsSummary | None = None  # made, met, and their effect
    heatmap: HeatMap | None = None  # the organisation's digest only
    reports_of: str | None = None  # a manager's digest: whose people `scope` is

    def to_json(self) -> dict:
        """The documented JSON schema (README): withheld figures carry "suppressed": true."""
        data = asdict(self)
        data["trend"] = [{"week": w, "engagement": e} for w, e in self.trend]
        data["collaboration"] = [_pair_json(p) for p in self.collaboration]
        data["friction"] = [_pair_json(p) for p in self.friction]
        data["asymmetric"] = [
            {
                "from": a.source,
                "to": a.target,
                "smoothness": a.smoothness,
                "smoothness_back": b.smoothness,
            }
            for a, b in self.asymmetric
        ]
        data["bridges"] = list(self.bridges)
        data["actions"] = list(self.actions)
        data["kudos"] = [{"from": a, "to": b, "count": n} for a, b, n in self.kudos]
        data["changes"] = [{**asdict(c), "delta": c.delta} for c in self.changes]
        data["isolated"] = list(self.isolated)
        data["comments"] = list(self.comments)
        data.pop("comment_ids")
        data["findings"] = [asdict(f) for f in self.findings]
        data["too_early"] = [
            {"kind": f.kind, "subject": f.subject, "other": f.other} for f in self.too_early
        ]
        data["offers"] = [asdict(o) for o in self.offers]
        data["heatmap"] = self.heatmap.to_json() if self.heatmap else None
        return data


def _pair_json(pair: Pair) -> dict:
    return {
        "from": pair.source,
        "to": pair.target,
        "ties": pair.ties,
        "smoothness": pair.smoothness,
        "blocked": pair.blocked,
        "suppressed": pair.suppressed,
    }
