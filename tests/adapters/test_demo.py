"""`crosspulse demo` end to end: the planted silo and drop appear, and nothing else; the demo
gives the same figures every run, every day and on both databases."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from adapters.demo import FIRST_SLOT, Simulation, run_demo
from adapters.settings import load_settings
from bot.chat.templates import pulse
from bot.pulse.surveys import Question, round_questions

# The figures of the demo's final digest (week 9 of 2026, whatever today's date). They depend
# only on the simulated answers; a change here means the demo or the figures changed.
EXPECTED = {
    "week": "2026-W09",
    "invited": 200,
    "responded": 153,
    "engagement": 64.0,
    "enps": 7.8,
    "departments": [
        ("Customer Support", 24, 33.3, -91.7),
        ("Data Science", 12, 69.8, 0.0),
        ("Engineering", 43, 70.3, 48.8),
        ("Finance", 12, 65.6, 16.7),
        ("Marketing", 14, 68.8, 7.1),
        ("People", 9, 73.6, 44.4),
        ("Product", 10, 72.5, 50.0),
        ("Sales", 22, 67.6, 4.5),
    ],
    "changes": [
        ("Customer Support", "engagement", 71.4, 33.3),
        ("Customer Support", "enps", 12.5, -91.7),
    ],
    "trend": [("2026-W06", 71.1), ("2026-W07", 69.1), ("2026-W08", 70.8), ("2026-W09", 64.0)],
}


def _figures(data: dict) -> dict:
    return {
        **{key: data[key] for key in ("week", "invited", "responded", "engagement", "enps")},
        "departments": [
            (d["name"], d["responded"], d["engagement"], d["enps"])
            for d in data["departments"]
            if not d["suppressed"]
        ],
        "changes": [(c["subject"], c["metric"], c["before"], c["after"]) for c in data["changes"]],
        "trend": [(t["week"], t["engagement"]) for t in data["trend"]],
    }


async def test_demo_finds_what_was_planted(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(database_url=database_url)
    out = io.StringIO()
    data = await run_demo(
        settings, output=tmp_path / "out", reset=True, people=200, out=Console(file=out, width=100)
    )
    assert _figures(data) == EXPECTED  # the same every run and every day
    assert data["suppressed"] is False and data["invited"] == 200
    assert 0.7 < data["responded"] / data["invited"] < 0.95
    changes = data["changes"]
    assert {c["subject"] for c in changes} == {"Customer Support"}, changes
    engagement = next(c for c in changes if c["metric"] == "engagement")
    assert engagement["delta"] < -15
    # Data Science was an island until the CEO had the bot introduce it (in week 4, below):
    # the final digest no longer finds it alone, and suggests nothing more.
    assert data["isolated"] == [] and data["actions"] == []
    assert data["friction"] == [] and data["asymmetric"] == []
    assert data["bridges"] and "Data Science" not in data["bridges"]
    legal = next(d for d in data["departments"] if d["name"] == "Legal")
    assert legal["suppressed"] is True and legal["engagement"] is None
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"digest.png", "digest.txt", "digest.json", "org.csv"} <= files
    # One pulse per language the organisation reads, as its people got it.
    assert {f"pulse.{lang}.txt" for lang in ("en", "de", "fr", "es", "pt_BR", "fi", "ja")} <= files
    pulse_de = (tmp_path / "out" / "pulse.de.txt").read_text(encoding="utf-8")
    assert pulse_de.startswith("Ihre wöchentliche Pulsbefragung")
    assert (tmp_path / "out" / "pulse.ja.txt").read_text(encoding="utf-8").startswith("今週の")
    assert (tmp_path / "out" / "digest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shown = out.getvalue()
    assert "Digest delivered to the CEO" in shown and "Customer Support" in shown
    assert json.loads((tmp_path / "out" / "digest.json").read_text())["week"] == data["week"]
    # The CEO clicked "Introduce them" once: Data Science met the best-connected team.
    assert data["introductions"]["made"] == 1
    (pair,) = data["introductions"]["pairs"]
    assert (pair["first"], pair["second"]) == ("Data Science", data["bridges"][0])
    assert (pair["since"], pair["ties_before"], pair["ties_moved"]) == ("2026-W04", 0.0, "up")
    assert pair["ties_after"] >= data["threshold"], "measured beyond the noise"
    assert "more ties than before" in (tmp_path / "out" / "digest.txt").read_text()
    assert "An introduction the bot made" in shown and "show-and-tell" in shown
    assert "(Data Science), meet" in (tmp_path / "out" / "introduction.txt").read_text()
    # The CCO's listening tour: the planted dependency, Legal under the comment threshold.
    assert "Listening tour summary delivered to the CCO" in shown
    tour = json.loads((tmp_path / "out" / "tour_summary.json").read_text())
    support = next(
        d
        for d in tour["dependencies"]
        if (d["team"], d["depends_on"]) == ("Customer Support", "Engineering")
    )
    assert support["for"][0]["phrase"] == "bug fixes" and support["people"] >= 2
    # Legal (3) is under the comment threshold; Product is pooled with it so that the pooled
    # answers are themselves at least the threshold's worth of people.
    assert tour["withheld"] == ["Product", "Legal"]
    assert "Legal" not in {s["scope"] for s in tour["scopes"]}
    assert (tmp_path / "out" / "tour_map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "bug fixes" in (tmp_path / "out" / "tour_summary.txt").read_text()


def test_each_person_answers_from_their_own_stream() -> None:
    """What a simulated person answers depends on who they are and the week, not on the order
    the messages arrive in nor on what anybody else was asked before."""
    questions = round_questions(round_number=1, per_round=2, custom=[])
    message = pulse.render(
        pulse.PulseData(
            round_id=1,
            week="2026-W02",
            questions=tuple(Question.from_dict(q) for q in questions),
            other_departments=((1, "Engineering"), (2, "Product"), (3, "Sales")),
            closes="Fri 9 Jan, 10:00",
        )
    )
    departments = {1: "Engineering", 2: "Product", 3: "Sales", 4: "Customer Support"}
    people = [(f"p{i}@example.com", departments[1 + i % 4]) for i in range(40)]

    def run(order: list[tuple[str, str]]) -> dict[str, tuple]:
        sim = Simulation(departments, last_week="2026-W09")
        return {
            email: (
                sim.attends(email, "2026-W02"),
                sim.answers(message, email, department, "2026-W02"),
                sim.smoothness(message, email, "2026-W02"),
            )
            for email, department in order
        }

    forwards = run(people)
    assert run(list(reversed(people))) == forwards
    assert run(people[::3]) == {email: forwards[email] for email, _ in people[::3]}
    assert len({str(answers) for _, answers, _ in forwards.values()}) > 30  # not one stream
    assert FIRST_SLOT.weekday() == 1  # the rounds' slot is a Tuesday
