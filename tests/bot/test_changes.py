"""What changed: real movements are flagged, noise across many tests is not, and small
groups get small-sample tests (the 1,000-week false-alarm check is test_changes_null.py)."""

from __future__ import annotations

import random

import pytest

from bot.insights.analytics import Nps, Stat
from bot.insights.changes import Group, engagement_p, enps_p, movements, per_test_alpha, t_two_sided
from bot.insights.figures import WeekFigures


def test_bonferroni_level() -> None:
    assert per_test_alpha(1) == pytest.approx(0.05)
    assert per_test_alpha(22) == pytest.approx(0.05 / 22)


@pytest.mark.parametrize(
    ("t", "df", "p"),
    [(12.706, 1, 0.05), (4.303, 2, 0.05), (2.776, 4, 0.05), (2.228, 10, 0.05), (3.0, 7, 0.0199)],
)
def test_student_t_matches_the_tables(t: float, df: int, p: float) -> None:
    assert t_two_sided(t, df) == pytest.approx(p, abs=2e-4)
    assert t_two_sided(-t, df) == t_two_sided(t, df)


def test_exact_enps_test_matches_a_hand_count() -> None:
    # Six answers each week, all promoters then all detractors: of the C(12, 6) = 924 ways to
    # split twelve answers into two weeks, only this one and its mirror are as extreme.
    assert enps_p(Nps(0, 6, 6), Nps(6, 0, 6)) == pytest.approx(2 / 924)
    assert enps_p(Nps(1, 1, 5), Nps(1, 1, 5)) == pytest.approx(1.0)


def test_finance_swing_two_people_make_is_not_flagged() -> None:
    """Issue 13: six answers, eNPS 33.3 (3 promoters, 1 detractor) to -33.3 (1 and 3)."""
    names = {1: "Finance"}
    now, before = WeekFigures(), WeekFigures()
    for figures, nps in ((now, Nps(1, 3, 6)), (before, Nps(3, 1, 6))):
        figures.respondents[1], figures.engagement[1], figures.enps[1] = 6, Stat(6, 24, 96), nps
    assert enps_p(now.enps[1], before.enps[1]) > 0.3
    assert movements(now, before, names, set(), set(), 5) == ()


def test_a_week_where_everyone_agreed_has_a_standard_error() -> None:
    """Six people all answer 4, then five answer 3 and one 4: the old z was infinite; an exact
    permutation test of such answers gives p = 14/924, far from significant."""
    agreed, moved = Stat(6, 24, 96), Stat(6, 19, 61)
    p = engagement_p(Group(moved, 6, Nps()), Group(agreed, 6, Nps()))
    assert p > 0.05 / 22
    # Everyone moving from 5 to 1 is still found; it is one of the two most extreme splits.
    assert engagement_p(Group(Stat(6, 6, 6), 6, Nps()), Group(Stat(6, 30, 150), 6, Nps())) == (
        pytest.approx(2 / 924)
    )


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


def test_demo_sized_drop_is_found() -> None:
    """Like the demo's Customer Support: about 24 answers, engagement 3.9 to 2.3 and eNPS down
    three points, among nine steady departments of 5 to 12 people."""
    rng = random.Random(13)
    names = {d: f"Dept {d}" for d in range(1, 11)}
    weeks = []
    for drop in (True, False):
        figures = WeekFigures()
        for d in names:
            size = 24 if d == 3 else rng.randint(5, 12)
            mean, enps = (2.3, 5.1) if drop and d == 3 else (3.9, 8.1)
            stat, nps = Stat(), Nps()
            for _ in range(size):
                for _item in range(3):
                    value = max(1, min(5, round(rng.gauss(mean, 0.7))))
                    stat += Stat(1, value, value * value)
                score = max(0, min(10, round(rng.gauss(enps, 1.4))))
                nps += Nps(int(score >= 9), int(score <= 6), 1)
            figures.respondents[d], figures.engagement[d], figures.enps[d] = size, stat, nps
        weeks.append(figures)
    flagged = movements(weeks[0], weeks[1], names, set(), set(), 5)
    assert {(c.subject, c.metric) for c in flagged} == {
        ("Dept 3", "engagement"),
        ("Dept 3", "enps"),
    }
    assert flagged[0].delta < -25


def test_withheld_departments_are_never_tested() -> None:
    rng = random.Random(2)
    before = {d: 3.8 for d in NAMES}
    after = {**before, 3: 1.5}
    flagged = movements(_week(rng, after), _week(rng, before), NAMES, {3}, set(), 5)
    assert all(c.subject != "Dept 3" for c in flagged)


def test_the_organisation_includes_the_pooled_small_departments() -> None:
    """Small departments' answers are stored pooled under department 0, which has no name;
    the organisation's test still counts them."""
    rng = random.Random(3)
    steady = {d: 3.8 for d in NAMES}
    now, before = _week(rng, {**steady, 0: 1.2}, size=60), _week(rng, {**steady, 0: 4.8}, size=60)
    flagged = movements(now, before, NAMES, set(), set(), 5)
    assert [(c.subject, c.metric) for c in flagged] == [("the organisation", "engagement")]
