"""Adaptive Cards for Teams: valid against Microsoft's 1.5 schema, inside the size budget,
and their submissions read back into the answers the card asked for.

The schema lives in ../shared (a sibling of the repo); tests that need it skip without it.
It is draft-06 with only local "#/definitions/..." refs, and jsonschema ships the draft-06
meta-schema, so validation runs offline; a registry that refuses to fetch makes any
remote ref fail loudly instead of reaching for the network.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing import Registry
from referencing.exceptions import NoSuchResource

from adapters.teams.render import (
    CARD_CONTENT_TYPE,
    MAX_ACTIVITY_BYTES,
    MAX_EMBEDDED_IMAGE_CHARS,
    payload_bytes,
    render_activity,
    render_card,
    render_card_with_image_url,
)
from adapters.teams.translate import answers_from_submit, multi_select_keys
from bot.chat.templates import digest as digest_template
from bot.insights.charts import digest_chart
from bot.insights.digest_data import DigestData, Pair
from bot.messages import (
    Action,
    Choice,
    Fact,
    Image,
    Input,
    InputKind,
    Message,
    Section,
    Style,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the headless backend

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO / ".." / "shared"
SCHEMA_PATH = SHARED / "schemas" / "adaptive-cards" / "adaptive-card.1.5.0.json"
DEPARTMENTS = (
    "Engineering", "Product", "Design", "Marketing", "Sales", "Support",
    "Finance", "People", "Legal", "Operations", "Data", "Security",
)  # fmt: skip
CHART_URL = "https://crosspulse.example.com/charts/2026-W48/engagement.png"


# --- messages built by hand, as the templates would ------------------------------------


def _png(draw: Callable[[Any], None], *, size: tuple[float, float], dpi: int) -> bytes:
    fig, ax = plt.subplots(figsize=size, dpi=dpi)
    draw(ax)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def small_chart() -> Image:
    def bars(ax: Any) -> None:
        ax.bar(["Eng", "Mkt", "Sales", "Support"], [72, 65, 58, 80])
        ax.set_ylim(0, 100)

    png = _png(bars, size=(4, 2.5), dpi=60)
    return Image(png=png, alt="Engagement by department: Support 80, Sales lowest at 58.")


def large_chart() -> Image:
    matrix = [[(i * 7 + j * 13) % 40 for j in range(12)] for i in range(12)]

    def heatmap(ax: Any) -> None:
        ax.imshow(matrix, cmap="viridis")
        ax.set_xticks(range(12), DEPARTMENTS, rotation=45)
        ax.set_yticks(range(12), DEPARTMENTS)
        for i, row in enumerate(matrix):
            for j, ties in enumerate(row):
                ax.text(j, i, str(ties), ha="center", va="center", color="w", fontsize=7)

    png = _png(heatmap, size=(8, 6), dpi=120)
    return Image(png=png, alt="Who works with whom: 12 by 12 matrix.", title="Silo map")


def pulse_message() -> Message:
    departments = tuple(Choice(str(n), name) for n, name in enumerate(DEPARTMENTS, start=1))
    return Message(
        kind="pulse",
        title="Your weekly pulse",
        fallback_text="Your weekly pulse (2026-W48). Answer with /pulse, or with the form.",
        sections=(Section(text="A minute of your time. Open until Fri 27 Nov, 10:00."),),
        inputs=(
            Input(
                key="enps",
                label="How likely are you to recommend working here to a friend?",
                kind=InputKind.SCALE,
                choices=tuple(Choice(str(v), str(v)) for v in range(11)),
                hint="0 = not at all likely, 10 = extremely likely",
            ),
            Input(
                key="energy",
                label="How energised did you feel at work this week?",
                kind=InputKind.SCALE,
                choices=tuple(Choice(str(v), str(v)) for v in range(1, 6)),
                hint="1 = drained, 5 = full of energy",
            ),
            Input(
                key="worked_with",
                label="Which other teams did you work with this week?",
                kind=InputKind.MULTI,
                choices=departments,
                optional=True,
                max_selected=5,
            ),
            Input(
                key="blocked_by",
                label="Did another team block your work this week? Which one?",
                kind=InputKind.SINGLE,
                choices=(Choice("none", "No, nobody blocked me"), *departments),
                optional=True,
            ),
            Input(
                key="comment",
                label="Anything you want leadership to know?",
                kind=InputKind.TEXT,
                optional=True,
                max_length=1000,
            ),
        ),
        submit=Action(id="checkin", label="Send my check-in", value="42", style=Style.PRIMARY),
        context="Anonymous: shown only in groups of 5+; comments in groups of 10+.",
    )


def digest_message(chart: Image | None) -> Message:
    headline = (
        Fact("Response rate", "78% (156 of 200)"),
        Fact("Engagement", "71/100 (+3)"),
        Fact("eNPS", "12 (-4)"),
        Fact("Trend (4 weeks)", "66 → 68 → 68 → 71"),
    )
    rows = tuple(
        Fact(name, f"{60 + n}/100 (+{n % 4}), {70 + n}% answered")
        for n, name in enumerate(DEPARTMENTS[:10])
    )
    return Message(
        kind="digest",
        title="Crosspulse digest, week 2026-W48",
        fallback_text="Digest 2026-W48: engagement 71 (+3), eNPS 12 (-4), 78% answered.",
        sections=(
            Section(heading="This week", facts=headline),
            Section(
                heading="What changed",
                text="• Sales: engagement 64 → 58 (-6). Ask what changed.\n"
                "• Support: engagement 74 → 80 (+6). Share what worked.",
            ),
            Section(heading="Departments", facts=rows),
        ),
        image=chart,
        actions=(Action(id="digest_details", label="Full matrix"),),
        context="Groups under 5 answers are withheld.",
    )


def help_message() -> Message:
    labels = ("Check in now", "My status", "Thank someone", "Opt out", "Digest", "Silos", "Trend")
    actions = tuple(
        Action(id=label.lower().replace(" ", "_"), label=label, value=f"help:{n}")
        for n, label in enumerate(labels)
    )
    return Message(
        kind="help",
        title="Crosspulse commands",
        fallback_text="/pulse: check in now\n/pulse status: your streak",
        sections=(
            Section(text="Crosspulse asks a one-minute pulse each week."),
            Section(text="/pulse: check in now\n/pulse status: your streak"),
        ),
        actions=(
            Action(id=actions[0].id, label=actions[0].label, style=Style.PRIMARY),
            *actions[1:4],
            Action(id="forget_me", label="Forget me", style=Style.DANGER),
            *actions[4:],
        ),
    )


def long_pulse_message() -> Message:
    """About 140 KB of text around the questions: must be cut to fit."""
    long_text = " ".join(f"word{n}" for n in range(12_000))
    return replace(
        pulse_message(),
        fallback_text=long_text,
        sections=(
            Section(heading="Background", text=long_text),
            Section(facts=tuple(Fact(f"Fact {n}", long_text[:2000]) for n in range(20))),
        ),
    )


def tight_digest_message() -> Message:
    """An embeddable chart (~18.7 KB base64) plus text that together overflow the budget."""
    png = b"\x89PNG\r\n\x1a\n" + random.Random(0).randbytes(14_000)  # incompressible
    base = digest_message(Image(png=png, alt="Engagement trend, 4 weeks."))
    comments = tuple(Section(text="Comment: " + "x" * 700) for _ in range(12))
    return replace(base, sections=(*base.sections, *comments))


def crowded_digest_message() -> Message:
    """220 short sections: even clipped, only the first ones fit."""
    base = digest_message(None)
    extra = tuple(
        Section(heading=f"Team {n}", text=f"Comment {n}: " + "y" * 90) for n in range(220)
    )
    return replace(base, sections=(*base.sections, *extra))


MESSAGES: dict[str, Callable[[], Message]] = {
    "pulse": pulse_message,
    "pulse-long-text": long_pulse_message,
    "digest-tight-budget": tight_digest_message,
    "digest-crowded": crowded_digest_message,
    "digest-small-chart": lambda: digest_message(small_chart()),
    "digest-large-chart": lambda: digest_message(large_chart()),
    "digest-no-chart": lambda: digest_message(None),
    "help": help_message,
}


# --- helpers --------------------------------------------------------------------------


def _offline(uri: str) -> Any:
    raise NoSuchResource(ref=uri)  # no network here: a remote $ref must fail, not fetch


@pytest.fixture(scope="module")
def validator() -> Validator:
    if not SCHEMA_PATH.is_file():
        pytest.skip(
            f"Adaptive Card 1.5 schema not found at {SCHEMA_PATH.resolve()}: these tests need "
            "the shared folder (../shared next to the repo) with schemas/adaptive-cards/"
        )
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = validator_for(schema)  # draft-06, from the schema's own "$schema"
    cls.check_schema(schema)
    return cls(schema, registry=Registry(retrieve=_offline))


def assert_valid(validator: Validator, card: dict[str, Any]) -> None:
    error = best_match(validator.iter_errors(card))
    if error is not None:
        pytest.fail(f"card does not validate: {error.message[:300]} at {list(error.path)}")


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == CARD_CONTENT_TYPE
    return attachment["content"]


def walk(element: Any) -> Iterator[dict[str, Any]]:
    """Every object in the card, nested ones included."""
    if isinstance(element, dict):
        yield element
        for value in element.values():
            yield from walk(value)
    elif isinstance(element, list):
        for value in element:
            yield from walk(value)


def of_type(card: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [e for e in walk(card["body"]) if str(e.get("type", "")).startswith(prefix)]


def b64_len(image: Image) -> int:
    return len(base64.b64encode(image.png))


# --- the schema, and that validating against it can fail --------------------------------


def test_schema_refs_are_all_local() -> None:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"Adaptive Card schema not found at {SCHEMA_PATH.resolve()}")
    refs = [e["$ref"] for e in walk(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
            if isinstance(e.get("$ref"), str)]  # fmt: skip
    assert refs
    assert all(ref.startswith("#/") for ref in refs), "a remote $ref needs the network"


BREAKAGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "unknown card property": lambda c: c.update(msteams={"width": "Full"}),
    "TextBlock without text": lambda c: c["body"][0].pop("text"),
    "isMultiSelect not a boolean": lambda c: of_type(c, "Input.ChoiceSet")[2].update(
        isMultiSelect="yes"
    ),
    "choice without value": lambda c: of_type(c, "Input.ChoiceSet")[0]["choices"][0].pop("value"),
    "unknown element type": lambda c: c["body"].append({"type": "Chart", "url": "x"}),
    "action with typo": lambda c: c["actions"][0].update(titel="Send"),
}


@pytest.mark.parametrize("breakage", BREAKAGES.values(), ids=BREAKAGES.keys())
def test_schema_validation_rejects_broken_cards(
    validator: Validator, breakage: Callable[[dict[str, Any]], None]
) -> None:
    card = render_card(pulse_message())
    assert_valid(validator, card)
    breakage(card)
    assert list(validator.iter_errors(card)), "the schema should have rejected this card"


# --- every card: valid, and the activity within Teams' size budget ----------------------


@pytest.mark.parametrize("make", MESSAGES.values(), ids=MESSAGES.keys())
def test_cards_validate_against_adaptive_card_1_5(
    validator: Validator, make: Callable[[], Message]
) -> None:
    message = make()
    for card in (
        render_card(message),
        render_card_with_image_url(message, CHART_URL),
        card_of(render_activity(message)),
    ):
        assert card["type"] == "AdaptiveCard"
        assert card["version"] == "1.5"
        assert_valid(validator, card)


@pytest.mark.parametrize("make", MESSAGES.values(), ids=MESSAGES.keys())
def test_activity_is_a_message_under_the_size_budget(make: Callable[[], Message]) -> None:
    message = make()
    activity = render_activity(message)
    assert activity["type"] == "message"
    summary = activity["summary"]
    assert summary == message.fallback_text or summary.endswith("…")
    assert message.fallback_text.startswith(summary.removesuffix("…"))
    assert "text" not in activity  # Teams would show it above the card: said twice
    assert len(json.dumps(activity).encode("utf-8")) < MAX_ACTIVITY_BYTES == 28_000
    assert len(json.dumps(activity, ensure_ascii=False).encode("utf-8")) < 28_000


# --- inputs -----------------------------------------------------------------------------


def test_every_input_key_is_an_input_id() -> None:
    message = pulse_message()
    inputs = of_type(render_card(message), "Input.")
    assert [e["id"] for e in inputs] == [item.key for item in message.inputs]
    for element, item in zip(inputs, message.inputs, strict=True):
        assert element["label"] == item.label
        assert element["isRequired"] is (not item.optional)
        assert ("errorMessage" in element) is (not item.optional)


def test_inputs_map_to_the_right_controls() -> None:
    enps, energy, worked_with, blocked_by, comment = of_type(render_card(pulse_message()), "Input.")
    assert (enps["type"], enps["style"], len(enps["choices"])) == ("Input.ChoiceSet", "compact", 11)
    assert (energy["style"], len(energy["choices"])) == ("expanded", 5)
    assert worked_with["isMultiSelect"] is True
    assert [c["title"] for c in worked_with["choices"]] == list(DEPARTMENTS)
    assert blocked_by["style"] == "compact"
    assert not blocked_by.get("isMultiSelect", False)
    assert blocked_by["choices"][0] == {"title": "No, nobody blocked me", "value": "none"}
    assert comment == comment | {"type": "Input.Text", "isMultiline": True, "maxLength": 1000}


def test_hints_and_context_are_small_print() -> None:
    body = render_card(pulse_message())["body"]
    texts = {e["text"]: e for e in body if e["type"] == "TextBlock"}
    assert texts["0 = not at all likely, 10 = extremely likely"]["isSubtle"] is True
    assert "Choose up to 5." in texts
    context = texts["Anonymous: shown only in groups of 5+; comments in groups of 10+."]
    assert (context["size"], context["isSubtle"]) == ("small", True)
    title = body[0]
    assert title == title | {"text": "Your weekly pulse", "size": "large", "weight": "bolder"}
    assert title["wrap"] is True


# --- actions ----------------------------------------------------------------------------


def test_submit_and_buttons_carry_their_action_data() -> None:
    card = render_card(pulse_message())
    (submit,) = card["actions"]
    assert submit == {
        "type": "Action.Submit",
        "title": "Send my check-in",
        "style": "positive",
        "data": {"action": "submit:checkin", "value": "42"},
    }
    buttons = render_card(help_message())["actions"]
    assert [b["data"]["action"] for b in buttons][:2] == ["action:check_in_now", "action:my_status"]
    assert all(b["type"] == "Action.Submit" for b in buttons)
    assert all(b["associatedInputs"] == "none" for b in buttons)  # required inputs don't block
    assert buttons[0]["style"] == "positive"
    assert buttons[4]["style"] == "destructive"
    assert [b.get("mode", "primary") for b in buttons] == ["primary"] * 6 + ["secondary"] * 2


# --- images -----------------------------------------------------------------------------


def test_small_chart_is_embedded() -> None:
    chart = small_chart()
    assert b64_len(chart) <= MAX_EMBEDDED_IMAGE_CHARS  # precondition of the test
    card = card_of(render_activity(digest_message(chart)))
    (image,) = of_type(card, "Image")
    assert image["url"] == "data:image/png;base64," + base64.b64encode(chart.png).decode()
    assert image["altText"] == chart.alt


def real_digest(departments: int) -> DigestData:
    names = [f"Department {i}" for i in range(departments)]
    pairs = tuple(
        Pair(a, b, ties=(i * 7 + j * 3) % 30 + 5, smoothness=3.5, blocked=None, suppressed=False)
        for i, a in enumerate(names)
        for j, b in enumerate(names)
        if a != b and (i + j) % 3
    )
    return DigestData(
        week="2026-W48",
        scope="organisation",
        threshold=5,
        comment_threshold=10,
        suppressed=False,
        invited=400,
        responded=300,
        response_rate=75.0,
        engagement=71,
        trend=(("2026-W45", 70.0), ("2026-W46", 69.5), ("2026-W47", 73.0), ("2026-W48", 71.0)),
        collaboration=pairs,
    )


@pytest.mark.parametrize("departments", [10, 20])
def test_the_digests_own_chart_travels_inside_the_card(departments: int) -> None:
    """The chart Crosspulse draws (bot/insights/charts.py) is too big to embed as it is; re-encoded
    with a palette it fits, and the whole Activity stays under Teams' 28 KB."""
    digest = real_digest(departments)
    chart = digest_chart(digest)
    assert chart is not None and b64_len(chart) > MAX_EMBEDDED_IMAGE_CHARS  # precondition
    message = digest_template.render(digest_template.DigestMessageData(digest, chart=chart))
    activity = render_activity(message)
    (image,) = of_type(card_of(activity), "Image")
    assert image["url"].startswith("data:image/png;base64,")
    assert payload_bytes(activity) < MAX_ACTIVITY_BYTES
    shown = base64.b64decode(image["url"].split(",", 1)[1])
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(shown)) as picture, PILImage.open(io.BytesIO(chart.png)) as drawn:
        assert picture.size == drawn.size, "same picture, fewer colours"


def test_large_chart_is_not_embedded_but_announced() -> None:
    chart = large_chart()
    assert b64_len(chart) > MAX_EMBEDDED_IMAGE_CHARS  # precondition of the test
    card = render_card(digest_message(chart))
    assert of_type(card, "Image") == []
    assert "data:image" not in json.dumps(card)
    notes = [e["text"] for e in of_type(card, "TextBlock") if chart.alt in e["text"]]
    assert notes and "type `silos` for the whole map" in notes[0]


def test_hosted_chart_url_is_used_whatever_its_size() -> None:
    card = render_card_with_image_url(digest_message(large_chart()), CHART_URL)
    (image,) = of_type(card, "Image")
    assert image["url"] == CHART_URL
    with pytest.raises(ValueError, match="https"):
        render_card_with_image_url(digest_message(large_chart()), "http://insecure/x.png")


def test_embeddable_chart_gives_way_when_the_activity_would_be_too_big() -> None:
    message = tight_digest_message()
    assert message.image and b64_len(message.image) <= MAX_EMBEDDED_IMAGE_CHARS
    assert of_type(render_card(message), "Image")  # alone, it would be embedded
    activity = render_activity(message)
    card = card_of(activity)
    assert len(json.dumps(activity)) < MAX_ACTIVITY_BYTES
    assert of_type(card, "Image") == []
    assert any("type `silos` for the whole map" in e["text"] for e in of_type(card, "TextBlock"))


# --- truncation -------------------------------------------------------------------------


def test_long_text_is_cut_readably_and_inputs_survive() -> None:
    message = long_pulse_message()
    activity = render_activity(message)
    card = card_of(activity)
    assert len(json.dumps(activity)) < MAX_ACTIVITY_BYTES
    assert activity["summary"].endswith("…")
    background = next(e for e in card["body"] if e.get("text", "").startswith("word0 "))
    assert background["text"].endswith("…")
    assert not background["text"][:-1].endswith(" ")  # cut between words
    assert [e["id"] for e in of_type(card, "Input.")] == [i.key for i in message.inputs]
    assert card["actions"][0]["data"] == {"action": "submit:checkin", "value": "42"}


def test_trailing_sections_are_left_out_last_and_said_so() -> None:
    message = crowded_digest_message()
    activity = render_activity(message)
    card = card_of(activity)
    assert len(json.dumps(activity)) < MAX_ACTIVITY_BYTES
    texts = [e["text"] for e in of_type(card, "TextBlock")]
    assert "This week" in texts  # the first sections stay
    assert "Team 219" not in texts
    assert any("more part(s) left out" in t for t in texts)
    assert card["actions"][0]["data"]["action"] == "action:digest_details"


def test_message_that_cannot_fit_says_so() -> None:
    many = tuple(Choice(f"v{n}", "A rather long choice label " * 4) for n in range(80))
    inputs = tuple(Input(key=f"q{n}", label="Pick", kind=InputKind.SINGLE, choices=many)
                   for n in range(4))  # fmt: skip
    message = Message(kind="survey", title="Too big", fallback_text="Too big", inputs=inputs)
    with pytest.raises(ValueError, match="split it"):
        render_activity(message)


# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "complaint"),
    [
        (Input(key="action", label="x", kind=InputKind.TEXT), "reserved"),
        (Input(key="value", label="x", kind=InputKind.TEXT), "reserved"),
        (Input(key="q", label="x", kind=InputKind.MULTI, choices=(Choice("a,b", "AB"),)), "','"),
        (Input(key="q", label="x", kind=InputKind.SINGLE), "needs choices"),
    ],
)
def test_unreadable_inputs_are_refused(item: Input, complaint: str) -> None:
    message = Message(kind="pulse", title="t", fallback_text="t", inputs=(item,))
    with pytest.raises(ValueError, match=complaint):
        render_card(message)


# --- round trip: what Teams sends back --------------------------------------------------


def submitted(card: dict[str, Any], action_index: int, inputs: dict[str, str]) -> dict[str, Any]:
    """The Activity `value` Teams sends: the action's data with set inputs merged in."""
    return {**card["actions"][action_index]["data"], **inputs}


def test_pulse_submission_round_trip() -> None:
    message = pulse_message()
    card = render_card(message)
    ids = {e["id"] for e in of_type(card, "Input.")}
    sent = {
        "enps": "9",
        "energy": "4",
        "worked_with": "1,6,12",  # a multi-select ChoiceSet: values joined by commas
        "blocked_by": "",  # left empty (older clients send "", newer leave it out)
        "comment": "  Release week was rough, but Support helped a lot.  ",
    }
    assert set(sent) <= ids
    value = submitted(card, 0, sent)
    action, action_value, answers = answers_from_submit(
        value, multi_keys=multi_select_keys(message)
    )
    assert (action, action_value) == ("checkin", "42")
    assert answers == {
        "enps": "9",
        "energy": "4",
        "worked_with": ["1", "6", "12"],
        "comment": "Release week was rough, but Support helped a lot.",
    }


def test_unanswered_optional_inputs_are_left_out() -> None:
    message = pulse_message()
    value = submitted(render_card(message), 0, {"enps": "0", "energy": "1", "worked_with": ""})
    _, _, answers = answers_from_submit(value, multi_keys=multi_select_keys(message))
    assert answers == {"enps": "0", "energy": "1"}


def test_commas_split_only_multi_selects() -> None:
    value = {"action": "submit:checkin", "value": "42", "comment": "Good, bad, fine", "m": "a, b"}
    _, _, answers = answers_from_submit(value, multi_keys=frozenset({"m"}))
    assert answers == {"comment": "Good, bad, fine", "m": ["a", "b"]}


def test_button_click_round_trip() -> None:
    card = render_card(help_message())
    value = submitted(card, 1, {})
    assert answers_from_submit(value, multi_keys=frozenset()) == ("my_status", "help:1", {})
    stray = submitted(card, 1, {"comment": "typed but not submitted"})
    assert answers_from_submit(stray, multi_keys=frozenset())[2] == {}


@pytest.mark.parametrize(
    "value",
    [None, "submit:checkin", {}, {"action": "vote"}, {"action": "submit:"}, {"msteams": {}}],
)
def test_foreign_submissions_are_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="not a"):
        answers_from_submit(value, multi_keys=frozenset())


# --- boundaries -------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["render.py", "translate.py"])
def test_teams_rendering_stays_pure_json(module: str) -> None:
    tree = ast.parse((REPO / "adapters" / "teams" / module).read_text(encoding="utf-8"))
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }
    forbidden = ("botbuilder", "botframework", "adapters.slack", "adapters.console")
    assert not [name for name in imported if name.startswith(forbidden)]
