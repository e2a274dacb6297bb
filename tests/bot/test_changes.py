"""What changed: real movements are flagged, noise across many tests is not."""

from __future__ import annotations

import random

import pytest

from bot.analytics import Nps, Stat
from bot.changes import critical_z, movements
from bot.figures import WeekFigures


def test_bonferroni_threshold() -> None:
    assert critical_z(1) == pytest.approx(1.96, abs=0.01)
    assert critical_z(22) == pytest.approx(3.05, abs=0.02)


def _week(rng: random.Random, means: dict[int, float], size: int = 25) -> WeekFigures:
    figures = WeekFigures()
    for department, mean in means.items():
        stat, nps = Stat(), Nps()
        for _ in range(size):
            energy = max(1, min(5, round(rng.gauss(mean, 0.8))))
            stat += Stat(1, energy, energy * energy)
            score = max(0, min(10, round(rng.gauss(7.5, 1.5))))
            nps += Nps(int(score >= 9), int(score <= 6), 1)
        figures.respondents[department] = size
        figures.engagement[department] = stat
        figures.enps[department] = nps
    return figures


NAMES = {d: f"Dept {d}" for d in range(1, 11)}


@pytest.mark.parametrize("seed", range(30))
def test_noise_alone_flags_nothing_most_weeks(seed: int) -> None:
    rng = random.Random(seed)
    steady = {d: 3.8 for d in NAMES}
    flagged = movements(_week(rng, steady), _week(rng, steady), NAMES, set(), set(), 5)
    # With the correction the chance of any false flag in a week is about 5%; allow one
    # stray flag, never a pile.
    assert len(flagged) <= 1


def test_planted_drop_is_flagged_and_not_repeated_for_the_organisation() -> None:
    rng = random.Random(1)
    before = {d: 3.8 for d in NAMES}
    after = {**before, 3: 2.3}
    flagged = movements(_week(rng, after), _week(rng, before), NAMES, set(), set(), 5)
    assert [(c.subject, c.metric) for c in flagged] == [("Dept 3", "engagement")]
    assert flagged[0].delta < -25 and "listening session" in flagged[0].action


def test_withheld_departments_are_never_tested() -> None:
    rng = random.Random(2)
    before = {d: 3.8 for d in NAMES}
    after = {**before, 3: 1.5}
    flagged = movements(_week(rng, after), _week(rng, before), NAMES, {3}, set(), 5)
    assert all(c.subject != "Dept 3" for c in flagged)
