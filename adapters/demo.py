"""`crosspulse demo`: a simulated organisation through the real code paths.

The org is imported from a CSV with `org import`'s code, rounds are opened and sent by the
same `tick` the scheduler runs (on a moved clock), and people answer through the console
adapter's event path. Two things are planted: Customer Support's engagement drops in the
last week, and Data Science works alone (a silo).

Deterministic: the same figures every run and every day. The simulated weeks are fixed
(FIRST_SLOT, not today's date), and each person's choices in a week come from their own
stream seeded by SEED, their e-mail, the week and what is being decided, so they do not depend
on the order in which messages arrive.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress
from rich.text import Text
from sqlalchemy import text
from sqlmodel import SQLModel

from adapters import demo_tour
from adapters.console import PLATFORM as CONSOLE
from adapters.console.app import ConsoleChannel
from adapters.console.port import ConsolePort, Delivered
from adapters.console.render import render_text
from adapters.renderers import RENDERERS
from adapters.runtime import Runtime, build
from adapters.settings import AppSettings
from bot.config import DEFAULT_DATABASE_URL
from bot.insights.introductions import parse_offer
from bot.messages import ActionId, Message, MessageKind
from bot.people.org import import_rows, parse_csv
from bot.ports import FixedClock
from scheduler.jobs import tick

WEEKS = 8
SEED = 2026
# The first round's slot, a Tuesday: rounds run 6 Jan to 24 Feb 2026, the digest goes out on
# Monday 2 March. No daylight-saving change falls inside in any of the demo's timezones.
FIRST_SLOT = date(2026, 1, 6)
ANSWER_RATE = 0.84  # of the people who get a pulse, this share answers it
WAIT_FOR_NUDGE = 0.12  # of those, this share only answers after the reminder
WEEK_IN_PULSE = re.compile(r"\((\d{4}-W\d{2})\)")
STEP = timedelta(hours=6)
DEPARTMENTS = {  # name: (share of people, engagement base 1-5, eNPS base 0-10)
    "Engineering": (0.22, 3.9, 8.0),
    "Sales": (0.15, 3.8, 7.8),
    "Marketing": (0.11, 3.7, 7.6),
    "Customer Support": (0.15, 3.9, 8.1),
    "Product": (0.08, 3.9, 8.2),
    "Finance": (0.06, 3.6, 7.5),
    "People": (0.05, 4.0, 8.3),
    "Data Science": (0.07, 3.7, 7.6),
    "Legal": (0.02, 3.8, 7.8),
}
PARTNERS = {
    "Engineering": ["Product", "Customer Support", "Marketing"],
    "Sales": ["Marketing", "Customer Support", "Finance", "Legal"],
    "Marketing": ["Sales", "Product", "Engineering"],
    "Customer Support": ["Engineering", "Product", "Sales"],
    "Product": ["Engineering", "Marketing", "Customer Support"],
    "Finance": ["Sales", "People", "Legal"],
    "People": ["Finance", "Engineering", "Legal"],
    "Legal": ["Sales", "Finance"],
    "Data Science": ["Engineering"],
}
ZONES = [
    ("America/New_York", "US"),
    ("Europe/London", "GB"),
    ("Europe/Helsinki", "FI"),
    ("Asia/Kolkata", "IN"),
    ("Australia/Sydney", "AU"),
    ("America/Los_Angeles", "US"),
]
EXECUTIVES = [
    ("Morgan Reyes", "CEO"),
    ("Alex Kim", "CMO"),
    ("Sam Okafor", "CIO"),
    ("Jordan Lee", "CCO"),
]
COMMENTS = [
    "Handoffs with Engineering were quick this week, thanks!",
    "Too many meetings, not enough time to do the work.",
    "Ask priya.n@example.com about the release checklist, it saved us.",
    "Support queue is overwhelming and nobody seems to notice.",
    "Loved the cross-team demo day.",
    "Still waiting for answers from Legal on the contract template.",
]
FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Femi",
    "Gus",
    "Hana",
    "Ivan",
    "Jade",
    "Kai",
    "Lina",
    "Milo",
    "Nora",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Tariq",
    "Uma",
    "Vik",
    "Wen",
]
LAST = [
    "Smith",
    "Garcia",
    "Chen",
    "Patel",
    "Nguyen",
    "Okoro",
    "Silva",
    "Novak",
    "Berg",
    "Haddad",
    "Kowalski",
    "Tanaka",
    "Moreau",
    "Rossi",
    "Dubois",
    "Khan",
]


def stream(email: str, week: str, purpose: str) -> random.Random:
    """One person's own random stream for one decision in one week: the same every run,
    whatever order the messages arrive in (a string seed is hashed with SHA-512, not with
    Python's per-process hash)."""
    return random.Random(f"{SEED}|{email}|{week}|{purpose}")


# The members' languages (the organisation CSV's `locale`; "" reads English), one per
# department and timezone: the sender renders a message per department, timezone and language,
# so tying the language to those two keeps the demo's cost where it was.
LOCALES = ("", "de-DE", "fr-FR", "es-ES", "pt-BR", "fi-FI", "ja-JP")


def org_csv(people: int) -> str:
    lines = ["email,name,department,timezone,role,country,manager_email,locale"]
    ceo = "morgan.reyes@example.com"
    for i, (name, _title) in enumerate(EXECUTIVES):
        email = name.lower().replace(" ", ".") + "@example.com"
        zone, country = ZONES[i % 2]
        lines.append(
            f"{email},{name},Leadership,{zone},executive,{country},{'' if email == ceo else ceo},"
        )
    lines.append("pat.admin@example.com,Pat Admin,People,Europe/London,admin,GB,,")
    remaining = people - len(EXECUTIVES) - 1
    counts = {d: max(3, round(share * remaining)) for d, (share, _, _) in DEPARTMENTS.items()}
    counts["Legal"] = 3  # smaller than the anonymity threshold on purpose
    counts["Engineering"] += remaining - sum(counts.values())
    n = 0
    for d, (department, count) in enumerate(counts.items()):
        lead = None
        for j in range(count):
            first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]
            email = f"{first.lower()}.{last.lower()}{n}@example.com"
            z = (n * 7 + j) % len(ZONES)
            zone, country = ZONES[z]
            locale = LOCALES[(d + z) % len(LOCALES)]
            lines.append(
                f"{email},{first} {last},{department},{zone},member,{country},{lead or ceo},"
                f"{locale}"
            )
            lead = lead or email
            n += 1
    return "\n".join(lines) + "\n"


class Simulation:
    """Decides how each simulated person answers; every draw is from that person's stream."""

    def __init__(self, departments: dict[int, str], last_week: str) -> None:
        self.departments = departments
        self.ids = {name: d for d, name in departments.items()}
        self.last_week = last_week
        self.introduced: dict[str, tuple[str, str]] = {}  # department: (partner, ISO week)

    def introduce(self, first: str, second: str, week: str) -> None:
        """The bot introduced the two teams in `week`: from the next week on, the island's
        people work with the other team (the effect the digest then measures)."""
        self.introduced[first] = (second, week)

    def attends(self, email: str, week: str) -> tuple[bool, bool]:
        """Whether this person answers this week's pulse, and whether only after the nudge."""
        rng = stream(email, week, "attendance")
        answers = rng.random() < ANSWER_RATE
        return answers, rng.random() < WAIT_FOR_NUDGE

    def answers(self, message: Message, email: str, department: str, week: str) -> dict:
        rng = stream(email, week, "checkin")
        base, enps_base = DEPARTMENTS.get(department, (0, 3.9, 8.0))[1:]
        if department == "Customer Support" and week == self.last_week:
            base, enps_base = base - 1.6, enps_base - 3.0
        answers: dict = {}
        for item in message.inputs:
            if item.key == "enps":
                answers[item.key] = str(_clamp(round(rng.gauss(enps_base, 1.4)), 0, 10))
            elif item.kind == "scale":
                answers[item.key] = str(_clamp(round(rng.gauss(base, 0.7)), 1, 5))
            elif item.key == "worked_with":
                picks = self._partners(rng, department, week)
                if picks:
                    answers[item.key] = [str(self.ids[p]) for p in picks if p in self.ids]
            elif item.key == "blocked_by" and rng.random() < 0.08:
                partners = [p for p in PARTNERS.get(department, []) if p in self.ids]
                if partners:
                    answers[item.key] = str(self.ids[rng.choice(partners)])
            elif item.key == "comment" and rng.random() < 0.07:
                answers[item.key] = rng.choice(COMMENTS)
        return answers

    def _partners(self, rng: random.Random, department: str, week: str) -> list[str]:
        if department == "Data Science":  # the planted silo: alone until introduced
            draw = rng.random()
            partner, since = self.introduced.get(department, ("", "9999"))
            return [partner] if week > since and draw < 0.6 else []
        partners = PARTNERS.get(department, [d for d in self.ids if d != department])
        count = rng.choice([1, 1, 2, 2, 3])
        return rng.sample(partners, min(count, len(partners)))

    def smoothness(self, message: Message, email: str, week: str) -> dict:
        rng = stream(email, week, "smoothness")
        return {item.key: str(_clamp(round(rng.gauss(3.9, 0.7)), 1, 5)) for item in message.inputs}


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


async def _fresh_database(settings: AppSettings, output: Path, reset: bool) -> AppSettings:
    if (
        settings.database_url == DEFAULT_DATABASE_URL.replace("sqlite://", "sqlite+aiosqlite://")
        or settings.database_url == DEFAULT_DATABASE_URL
    ):
        output.mkdir(parents=True, exist_ok=True)
        path = output / "crosspulse-demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{path}"})
    runtime = await build(settings, migrate=False)
    try:
        async with runtime.db.engine.begin() as conn:
            has_people = await conn.run_sync(lambda c: c.dialect.has_table(c, "person"))
            if has_people:
                count = (await conn.execute(text("SELECT count(*) FROM person"))).scalar()
                if count and not reset:
                    raise RuntimeError(
                        "DATABASE_URL points at a database with people in it; "
                        "run `crosspulse demo --reset` to wipe it first."
                    )
            await conn.run_sync(SQLModel.metadata.drop_all)
            await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        await runtime.db.dispose()
    return settings


async def run_demo(
    settings: AppSettings, *, output: Path, reset: bool, people: int, out: Console
) -> dict:
    """Run the whole showcase; returns the final digest as JSON data (tests read it)."""
    started = datetime.now(UTC)  # only to say how long it took
    output.mkdir(parents=True, exist_ok=True)
    settings = await _fresh_database(settings, output, reset)
    first_slot = FIRST_SLOT
    clock = FixedClock(
        datetime.combine(first_slot - timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    )
    port = ConsolePort()
    # The demo's own file (or a database it may wipe) and one statement at a time.
    runtime = await build(settings, clock=clock, ports={"console": port}, embedded=True)
    try:
        return await _simulate(runtime, port, clock, first_slot, people, output, out, started)
    finally:
        await runtime.db.dispose()


async def _simulate(
    runtime: Runtime,
    port: ConsolePort,
    clock: FixedClock,
    first_slot: date,
    people: int,
    output: Path,
    out: Console,
    started: datetime,
) -> dict:
    from bot.chat.compose import latest_week
    from bot.insights.digest import build_digest
    from bot.people.org import departments_by_id
    from bot.pulse.schedule import iso_week

    tenant, survey = await runtime.tenant_and_survey(today=first_slot)
    csv_text = org_csv(people)
    (output / "org.csv").write_text(csv_text)
    async with runtime.db.session() as session:
        await import_rows(session, tenant_id=tenant.id, rows=parse_csv(csv_text), actor="demo")
        await session.commit()
        departments = await departments_by_id(session, tenant_id=tenant.id)
        people_rows = (await session.exec(text("SELECT email, department_id FROM person"))).all()
    department_of = {email: departments[d] for email, d in people_rows}
    last_slot = first_slot + timedelta(weeks=WEEKS - 1)
    sim = Simulation(departments, iso_week(last_slot))
    channel = ConsoleChannel(bot=runtime.bot, port=port)
    # Until the Monday after the last round, once every executive's 08:00 has passed.
    end = datetime.combine(
        last_slot + timedelta(days=6), datetime.min.time(), tzinfo=UTC
    ) + timedelta(hours=18)
    seen: dict[str, int] = {}
    answering: dict[tuple[str, str], str] = {}  # (email, week): "seen" or "answered"
    clicked: set[str] = set()  # the CEO's "Introduce them" click, once
    weeks: dict[str, str] = {}  # a pulse's round id -> its week
    steps = int((end - clock.now()) / STEP) + 1
    with Progress(transient=True, console=out) as progress:
        task = progress.add_task(
            f"Simulating {WEEKS} weekly rounds for {people} people", total=steps
        )
        while clock.now() <= end:
            if clock.now() == demo_tour.STARTS:  # the CCO's listening tour
                await demo_tour.start(channel)
            await tick(
                runtime.db,
                now=clock.now(),
                ports={"console": port},
                secret=runtime.settings.secret_bytes,
            )
            for email, items in list(port.inbox.items()):
                for item in items[seen.get(email, 0) :]:
                    await _respond(
                        channel, sim, email, department_of.get(email, ""), item, answering, weeks
                    )
                    await _introduce(channel, sim, email, item, clicked)
                    await demo_tour.respond(channel, email, department_of.get(email, ""), item)
                seen[email] = len(port.inbox[email])
            clock.at += STEP
            progress.advance(task)
    async with runtime.db.session() as session:
        week = await latest_week(session, survey=survey)
        data = await build_digest(session, survey=survey, week=week)
    ceo = port.latest("morgan.reyes@example.com", MessageKind.DIGEST)
    message = ceo.message if ceo else None
    _write_outputs(output, message, data.to_json())
    _show_introduction(port, output, out)
    tour = await demo_tour.write_outputs(runtime, port, output)
    _write_pulses(output, port, csv_text)
    if message:
        out.print(
            Panel(Text(render_text(message)), title="Digest delivered to the CEO", expand=False)
        )
    if tour is not None:
        summary = port.latest(demo_tour.CCO, MessageKind.TOUR_SUMMARY)
        assert summary is not None
        out.print(
            Panel(
                Text(render_text(summary.message)),
                title="Listening tour summary delivered to the CCO",
                expand=False,
            )
        )
    seconds = (datetime.now(UTC) - started).total_seconds()
    out.print(
        f"Done in {seconds:.0f} s. Database: {runtime.settings.database_url}\n"
        f"Outputs in {output}/: digest.png, digest.txt, digest.slack.json, "
        f"digest.teams.json, digest.json, org.csv, pulse.<language>.txt, tour_summary.txt, "
        "tour_map.png, tour_summary.json, introduction.txt\n"
        f"Try: DATABASE_URL={runtime.settings.database_url.replace('+aiosqlite', '')} "
        "crosspulse digest --format json"
    )
    return data.to_json()


async def _respond(
    channel: ConsoleChannel,
    sim: Simulation,
    email: str,
    department: str,
    item: Delivered,
    progress: dict[tuple[str, str], str],
    weeks: dict[str, str],
) -> None:
    """Answer a pulse as this person would: at most once a week, some only when the nudge
    (the week's second pulse message) comes, some never."""
    message = item.message
    if message.kind != MessageKind.PULSE or not message.submit:
        return
    week = await _week_of(channel, message, weeks)
    answers, waits = sim.attends(email, week)
    state = progress.get((email, week))
    progress[(email, week)] = "answered" if state == "answered" else "seen"
    if not answers or state == "answered" or (waits and state is None):
        return
    progress[(email, week)] = "answered"
    replies = await channel.act(
        email,
        action=ActionId.CHECKIN,
        value=message.submit.value,
        answers=sim.answers(message, email, department, week),
        ref=item.ref,
    )
    for reply in replies:
        if reply.kind == MessageKind.FOLLOWUP and reply.submit:
            await channel.act(
                email,
                action=ActionId.SMOOTHNESS,
                value=reply.submit.value,
                answers=sim.smoothness(reply, email, week),
                ref=item.ref,
            )


CEO = "morgan.reyes@example.com"


async def _introduce(
    channel: ConsoleChannel, sim: Simulation, email: str, item: Delivered, clicked: set[str]
) -> None:
    """The CEO clicks the first "Introduce them" a digest offers (once); each person
    introduced answers "Did you meet?" with yes. The next digests measure the effect."""
    message = item.message
    if message.kind == MessageKind.DIGEST and email == CEO:
        offer = next((a for a in message.actions if a.id == ActionId.INTRODUCE), None)
        if offer is not None and not clicked:
            clicked.add(offer.value)
            await channel.act(email, action=offer.id, value=offer.value)
            found = parse_offer(offer.value)
            assert found is not None
            week, made = found
            sim.introduce(made.subject, made.other, week)
    elif message.kind == MessageKind.INTRO_ASK:
        yes = next(a for a in message.actions if a.value.endswith(":yes"))
        await channel.act(email, action=yes.id, value=yes.value, ref=item.ref)


def _show_introduction(port: ConsolePort, output: Path, out: Console) -> None:
    """The introduction the CEO's click made, as its two people got it."""
    for email in sorted(port.inbox):
        made = port.latest(email, MessageKind.INTRODUCTION)
        if made is not None:
            text = render_text(made.message)
            (output / "introduction.txt").write_text(text)
            out.print(Panel(Text(text), title="An introduction the bot made", expand=False))
            return
async def _week_of(channel: ConsoleChannel, message: Message, weeks: dict[str, str]) -> str:
    """The pulse's week: read from an English pulse, else from its round (a pulse in
    another language names the week in its own words)."""
    found = WEEK_IN_PULSE.search(message.fallback_text)
    if found is not None:
        return found.group(1)
    assert message.submit is not None
    if message.submit.value not in weeks:  # round id -> its ISO week, read once
        async with channel.bot.db.session() as session:
            week = (
                await session.exec(
                    text("SELECT week FROM round WHERE id = :id").bindparams(
                        id=int(message.submit.value)
                    )
                )
            ).one()[0]
        weeks[message.submit.value] = week
    return weeks[message.submit.value]


def _write_pulses(output: Path, port: ConsolePort, csv_text: str) -> None:
    """One pulse per language the organisation reads, as its people got it: pulse.de.txt..."""
    from bot.i18n import choose_language

    written: set[str] = set()
    for row in csv_text.splitlines()[1:]:
        email, locale = row.split(",")[0], row.rsplit(",", 1)[1]
        language = choose_language(locale)
        pulses = [d.message for d in port.inbox.get(email, []) if d.message.kind == "pulse"]
        if language in written or not pulses or pulses[-1].submit is None:
            continue
        last_round = pulses[-1].submit.value  # its first message: the pulse, not the nudge
        first = next(p for p in pulses if p.submit and p.submit.value == last_round)
        (output / f"pulse.{language}.txt").write_text(render_text(first), encoding="utf-8")
        written.add(language)


def _write_outputs(output: Path, message: Message | None, data: dict) -> None:
    (output / "digest.json").write_text(json.dumps(data, indent=2))
    if message is None:
        return
    (output / "digest.txt").write_text(render_text(message))
    if message.image:
        (output / "digest.png").write_bytes(message.image.png)
    for platform, render in RENDERERS.items():
        if platform != CONSOLE:  # digest.txt above
            rendered = json.dumps(render(message), indent=2)
            (output / f"digest.{platform}.json").write_text(rendered)
