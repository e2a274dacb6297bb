"""Reading the matrix: friction, one-sided pairs, bridges and the suggested actions."""

from bot.insights.digest_data import Pair
from bot.insights.silos import asymmetric, bridges, friction, isolated, suggestions


def pair(source: str, target: str, ties: int | None, smooth: float | None) -> Pair:
    return Pair(source, target, ties, smooth, None, ties is None)


PAIRS = (
    pair("Sales", "Legal", 9, 2.4),
    pair("Legal", "Sales", 6, 3.9),
    pair("Support", "Eng", 12, 2.9),
    pair("Eng", "Support", 14, 4.1),
    pair("Eng", "Product", 20, 4.0),
    pair("Product", "Eng", 18, 4.2),
    pair("Eng", "Sales", 7, 3.5),
    pair("Marketing", "Eng", 5, None),
    pair("Data", "Eng", None, None),
)


def test_friction_and_one_sided_pairs() -> None:
    assert [(p.source, p.target) for p in friction(PAIRS)] == [("Sales", "Legal")]
    one_sided = [(a.source, a.target) for a, _ in asymmetric(PAIRS)]
    assert one_sided == [("Sales", "Legal"), ("Support", "Eng")]


def test_bridges_count_distinct_partners_of_shown_ties_only() -> None:
    assert bridges(PAIRS) == ("Eng",)  # Eng: 4 partners; Sales only 2; Data is withheld


def test_isolated_needs_few_ties_both_ways() -> None:
    names = {1: "Data", 2: "Eng", 3: "Sales"}
    pairs = (
        pair("Eng", "Sales", 30, 4.0),
        pair("Sales", "Eng", 20, 4.0),
        pair("Data", "Eng", None, None),
    )
    assert isolated(pairs, {1: 10, 2: 40, 3: 30}, names, hidden=set()) == ("Data",)
    assert isolated(pairs, {1: 10, 2: 40, 3: 30}, names, hidden={1}) == ()


def test_suggestions_say_what_to_do() -> None:
    actions = suggestions(
        islands=("Data",), rough=friction(PAIRS), one_sided=asymmetric(PAIRS), hubs=("Eng",)
    )
    assert actions == (
        "Hold a joint retro for Sales and Legal: Sales rates the work 2.4/5.",
        "Ask Support and Eng to compare notes: Support finds it rough (2.9/5), Eng finds it "
        "smooth (4.1/5).",
        "Introduce Data to Eng, the team most others work with.",
    )
