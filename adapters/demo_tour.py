"""The demo's listening tour: the new chief customer officer asks Customer Support, Product
and Legal the four default questions in the demo's seventh week. Planted:
a third of Customer Support depend on Engineering for bug fixes; Legal (3 people) is under the
comment threshold, so it gets no themes of its own. Each person's answers come from their own
seeded stream, as the pulses' do, so the summary is the same every run."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

from adapters.console.app import ConsoleChannel
from adapters.console.port import ConsolePort, Delivered
from adapters.console.render import render_text
from adapters.runtime import Runtime
from bot.messages import ActionId, MessageKind

SEED = 2026
CCO = "jordan.lee@example.com"
STARTS = datetime(2026, 2, 16, 6, 0, tzinfo=UTC)  # a Monday, on the demo's 6-hour steps
UNTIL = "2026-02-20"
DEPARTMENTS = ("Customer Support", "Product", "Legal")  # Engineering is named, not asked
ANSWER_RATE = 0.85
EASIER = ("a shared roadmap", "a single handoff process", "clearer owners for handoffs")
ANSWERS: dict[str, dict[str, tuple[str, ...]]] = {
    "Customer Support": {
        "measured": ("resolution time", "first response time and resolution time", "CSAT scores"),
        "depends": ("Product for roadmap answers", "Product, for roadmap answers"),
        "customers": ("our customers", "customers who write in"),
    },
    "Product": {
        "measured": ("feature adoption", "roadmap delivery and feature adoption"),
        "depends": ("Engineering for delivery estimates", "Engineering, delivery estimates"),
        "customers": ("Customer Support and Sales", "Customer Support"),
    },
    "Legal": {
        "measured": ("contract turnaround",),
        "depends": ("Sales for contract drafts",),
        "customers": ("Sales",),
    },
}
BUG_FIXES = (
    "Engineering for bug fixes",
    "Engineering, mostly for bug fixes",
    "engineers, for bug fixes and hotfixes",
)


def _stream(email: str) -> random.Random:
    return random.Random(f"{SEED}|{email}|tour")


async def start(channel: ConsoleChannel) -> None:
    """The CCO opens `/pulse listen` and sends the form with the defaults."""
    (form,) = await channel.command(CCO, "/pulse listen")
    answers = {i.key: i.initial for i in form.inputs if isinstance(i.initial, str)}
    answers |= {"departments": list(DEPARTMENTS), "until": UNTIL}
    assert form.submit is not None
    await channel.act(CCO, action=form.submit.id, value=form.submit.value, answers=answers)


async def respond(channel: ConsoleChannel, email: str, department: str, item: Delivered) -> None:
    """Answer the intake (not its reminder) as this person would, or not at all."""
    message = item.message
    if message.kind != MessageKind.TOUR or message.submit is None or department not in ANSWERS:
        return
    if message.title.startswith("Reminder"):
        return
    rng = _stream(email)
    if rng.random() >= ANSWER_RATE:
        return
    choices = ANSWERS[department]
    answers = {key: rng.choice(options) for key, options in choices.items()}
    if department == "Customer Support" and rng.random() < 1 / 3:
        answers["depends"] = rng.choice(BUG_FIXES)
    answers["easier"] = rng.choice(EASIER)
    await channel.act(
        email, action=ActionId.TOUR_ANSWER, value=message.submit.value, answers=answers
    )


async def write_outputs(runtime: Runtime, port: ConsolePort, output: Path) -> dict | None:
    """tour_summary.txt, tour_map.png and tour_summary.json from what the CCO received;
    returns the summary's JSON (None when no summary came)."""
    from bot.listening.summary import build_summary
    from bot.listening.tours import latest_tour

    delivered = port.latest(CCO, MessageKind.TOUR_SUMMARY)
    if delivered is None:
        return None
    message = delivered.message
    (output / "tour_summary.txt").write_text(render_text(message))
    if message.image:
        (output / "tour_map.png").write_bytes(message.image.png)
    async with runtime.db.session() as session:
        tenant, _ = await runtime.tenant_and_survey()
        tour = await latest_tour(session, tenant_id=tenant.id)
        assert tour is not None
        data = (await build_summary(session, tour=tour)).to_json()
    (output / "tour_summary.json").write_text(json.dumps(data, indent=2))
    return data
