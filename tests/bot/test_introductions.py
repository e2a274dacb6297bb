"""Introductions, the whole loop on the console platform: a planted island yields a
suggestion with "Introduce them"; an executive's click introduces one person of each team
(once); a week later both are asked whether they met; later weeks with more ties make the
digest report the effect, and an organisation where nothing changed reports none."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from adapters.console.port import ConsolePort
from adapters.console.render import render_text
from bot.chat.events import ActionEvent, Actor, CommandEvent
from bot.chat.templates import digest as digest_template
from bot.connect import listing, pairings
from bot.connect.making import make
from bot.connect.picking import candidates, pick
from bot.enums import DeliveryKind
from bot.insights.digest import build_digest
from bot.insights.introductions import met_counts
from bot.messages import ActionId
from bot.people.tenancy import active_survey
from bot.ports import OutcomeUnknown
from bot.pulse.privacy import enforce_retention, erase_person
from bot.pulse.settings import SettingError, apply_settings, describe
from bot.store.db import Database
from bot.store.models import Delivery, Introduction, IntroductionAnswer, Person
from scheduler.jobs import tick
from tests import dump
from tests.conftest import SECRET, World, make_world
from tests.introductions_world import ORG, plant_week

BEFORE = ("2026-W45", "2026-W46", "2026-W47", "2026-W48")
CLICK = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday of 2026-W49
BOSS = "boss@example.com"


async def _world(db: Database) -> World:
    world = await make_world(db, ORG)
    for week in BEFORE:
        await plant_week(db, week=week)
    return world


async def _digest(world: World, week: str):  # type: ignore[no-untyped-def]
    async with world.db.session() as session:
        survey = await active_survey(session, tenant_id=world.tenant_id)
        return await build_digest(session, survey=survey, week=week)


async def _click(world: World, email: str, value: str) -> str:
    world.clock.at = CLICK
    effects = await world.bot.handle(
        ActionEvent(Actor("console", email, email=email), ActionId.INTRODUCE, value)
    )
    return render_text(effects[0].message)


def _button(message, label_part: str = "Data") -> str:  # type: ignore[no-untyped-def]
    return next(
        a.value for a in message.actions if a.id == ActionId.INTRODUCE and label_part in a.label
    )


async def test_the_whole_loop(db: Database) -> None:
    world = await _world(db)
    digest = await _digest(world, "2026-W48")
    assert "Data" in digest.isolated
    message = digest_template.render(digest_template.DigestMessageData(digest=digest))
    value = _button(message)
    assert json.loads(value) == {"w": "2026-W48", "k": "island", "a": "Data", "b": "Eng"}

    reply = await _click(world, BOSS, value)
    assert "Introduction on its way" in reply
    again = await _click(world, BOSS, value)
    assert "Already introduced" in again

    await world.tick(CLICK.replace(minute=1))
    # Rotation picks the least recently introduced with introductions on: the leads.
    first = world.port.latest("data0@example.com", "introduction")
    second = world.port.latest("eng0@example.com", "introduction")
    assert first and second
    text = render_text(first.message)
    assert "Data Person 0 (Data), meet Eng Person 0 (Eng)" in text
    assert "show-and-tell" in text
    assert not any(ch.isdigit() for ch in text.split("meet")[1].split("\n", 1)[1].replace("0", ""))
    async with db.session() as session:
        intros = (await session.exec(select(Introduction))).all()
        assert len(intros) == 1
        sent = (
            await session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.INTRO))
        ).all()
        assert [d.state for d in sent] == ["sent"]

    # A week later: "Did you meet?" to each of the two, answered with the buttons.
    report = await world.tick(datetime(2026, 12, 7, 9, 5, tzinfo=UTC))
    assert report.intro_asks == 2
    for email, answer in (("data0@example.com", "yes"), ("eng0@example.com", "not_yet")):
        ask = world.port.latest(email, "intro_ask")
        assert ask and "Did you meet?" in render_text(ask.message)
        button = next(a for a in ask.message.actions if a.value.endswith(f":{answer}"))
        effects = await world.bot.handle(
            ActionEvent(Actor("console", email, email=email), button.id, button.value)
        )
        assert "Did you meet?" in render_text(effects[0].message)
    # Someone else's introduction: refused, nothing recorded.
    stranger = await world.bot.handle(
        ActionEvent(
            Actor("console", "ops1@example.com", email="ops1@example.com"),
            ActionId.INTRO_MET,
            f"{intros[0].id}:no",
        )
    )
    assert "out of date" in render_text(stranger[0].message)
    async with db.session() as session:
        answers = (await session.exec(select(IntroductionAnswer))).all()
        assert sorted(a.answer for a in answers) == ["not_yet", "yes"]

    # One week since: too early. Two weeks with more ties: the effect is reported.
    await plant_week(db, week="2026-W50", data_eng=8, smooth=4.0)
    early = (await _digest(world, "2026-W50")).introductions
    assert early and early.made == 1 and early.pairs[0].too_early
    await plant_week(db, week="2026-W51", data_eng=8, smooth=4.0)
    summary = (await _digest(world, "2026-W51")).introductions
    (effect,) = summary.pairs
    assert (effect.first, effect.second) == ("Data", "Eng")
    assert effect.ties_before == 0.0 and effect.ties_after == 16.0
    assert effect.ties_moved == "up"
    assert summary.met is None  # one introduction: fewer than k, so no count
    shown = render_text(
        digest_template.render(
            digest_template.DigestMessageData(digest=await _digest(world, "2026-W51"))
        )
    )
    assert "Data and Eng (introduced 2026-W49)" in shown
    assert "more ties than before" in shown


async def test_a_null_organisation_reports_no_effect(db: Database) -> None:
    world = await _world(db)
    value = _button(
        digest_template.render(
            digest_template.DigestMessageData(digest=await _digest(world, "2026-W48"))
        )
    )
    assert "on its way" in await _click(world, BOSS, value)
    for week in ("2026-W49", "2026-W50", "2026-W51"):
        await plant_week(db, week=week)
    (effect,) = (await _digest(world, "2026-W51")).introductions.pairs
    assert not effect.too_early
    assert effect.ties_moved is None and effect.smoothness_moved is None
    assert (await _digest(world, "2026-W44")).introductions is None  # before any


@pytest.mark.parametrize(
    "value",
    [
        "nonsense",
        json.dumps({"w": "2026-W48", "k": "island", "a": "Legal", "b": "Ops"}),  # not a finding
        json.dumps({"w": "2026-W48", "k": "friction", "a": "Data", "b": "Eng"}),
        json.dumps({"w": "1999-W01", "k": "island", "a": "Data", "b": "Eng"}),
        json.dumps({"w": "2026-W48", "k": "island", "a": "Data", "b": "Data"}),
    ],
)
async def test_a_forged_button_introduces_nobody(db: Database, value: str) -> None:
    world = await _world(db)
    reply = await _click(world, BOSS, value)
    assert "on its way" not in reply
    async with db.session() as session:
        assert (await session.exec(select(Introduction))).all() == []
        assert (await session.exec(select(Delivery))).all() == []


async def test_only_executives_and_admins_introduce(db: Database) -> None:
    world = await _world(db)
    value = json.dumps({"w": "2026-W48", "k": "island", "a": "Data", "b": "Eng"})
    reply = await _click(world, "member@example.com", value)
    assert "Only leaders introduce teams" in reply
    async with db.session() as session:
        assert (await session.exec(select(Introduction))).all() == []


async def test_opted_out_people_are_never_picked_and_rotation_moves_on(db: Database) -> None:
    world = await _world(db)
    for email, text in (("data0@example.com", "intros off"), ("data1@example.com", "intros on")):
        await world.bot.handle(CommandEvent(Actor("console", email, email=email), text))
    async with db.session() as session:
        lead = (await session.exec(select(Person).where(Person.email == "eng0@example.com"))).one()
        lead.opted_out = True  # opted out of pulses: never introduced either
        session.add(lead)
        await session.commit()
    value = json.dumps({"w": "2026-W48", "k": "island", "a": "Data", "b": "Eng"})
    assert "No one to introduce" in await _click(world, BOSS, value)
    await world.bot.handle(
        CommandEvent(Actor("console", "eng3@example.com", email="eng3@example.com"), "intros on")
    )
    assert "on its way" in await _click(world, BOSS, value)
    async with db.session() as session:
        intro = (await session.exec(select(Introduction))).one()
        people = {p.id: p.email for p in (await session.exec(select(Person))).all()}
    assert (people[intro.person_a_id], people[intro.person_b_id]) == (
        "data1@example.com",
        "eng3@example.com",
    )


async def test_intros_setting_answers_bad_input(world: World) -> None:
    messages = await world.channel.command("eng1@example.com", "intros maybe")
    assert "Not a setting" in render_text(messages[0])
    messages = await world.channel.command("eng1@example.com", "intros")
    assert "Introductions off" in render_text(messages[0])  # not a lead: off by default
    messages = await world.channel.command("eng0@example.com", "intros")
    assert "Introductions on" in render_text(messages[0])  # a manager: on by default


async def test_pairings_pair_across_departments_once_per_period(db: Database) -> None:
    world = await _world(db)
    emails = ["data1@example.com", "data2@example.com", "eng1@example.com", "ops1@example.com"]
    for email in emails:
        await world.bot.handle(CommandEvent(Actor("console", email, email=email), "intros on"))
    async with db.session() as session:
        survey = await active_survey(session, tenant_id=world.tenant_id)
        pairs = ["pairings=weekly", "pairings_no_repeat=4"]
        await apply_settings(session, survey=survey, pairs=pairs, actor="test")
        first = await pairings.run(session, tenant_id=world.tenant_id, now=CLICK)
        twice = await pairings.run(session, tenant_id=world.tenant_id, now=CLICK)
        intros = (await session.exec(select(Introduction))).all()
        people = {p.id: p for p in (await session.exec(select(Person))).all()}
    assert first and first.pairs == 2 and twice is None
    for intro in intros:
        a, b = people[intro.person_a_id], people[intro.person_b_id]
        assert a.department_id != b.department_id
        assert {a.email, b.email} <= set(emails)  # managers on by default are not paired
    async with db.session() as session:
        later = await pairings.run(
            session, tenant_id=world.tenant_id, now=datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
        )
        pairs = [
            frozenset((i.person_a_id, i.person_b_id))
            for i in (await session.exec(select(Introduction))).all()
        ]
    assert later is not None
    assert len(pairs) == len(set(pairs))  # no pair repeated within N rounds


async def test_executives_see_the_list_and_counts_only(db: Database) -> None:
    world = await _world(db)
    refused = await world.channel.command("member@example.com", "introductions")
    assert "for leaders" in render_text(refused[0])
    empty = await world.channel.command(BOSS, "introductions")
    assert "No introductions yet" in render_text(empty[0])
    value = json.dumps({"w": "2026-W48", "k": "island", "a": "Data", "b": "Eng"})
    await _click(world, BOSS, value)
    listed = render_text((await world.channel.command(BOSS, "introductions"))[0])
    assert "2026-W49: Data and Eng (island), pending" in listed
    assert "Person" not in listed  # teams, never who was picked or what they answered
    assert "once 5 introductions" in listed


async def test_pairings_are_survey_settings_checked_like_the_others(db: Database) -> None:
    world = await make_world(db)
    async with db.session() as session:
        survey = await active_survey(session, tenant_id=world.tenant_id)
        assert (await describe(session, survey=survey))["pairings"] == "off"
        for bad in ("pairings=daily", "pairings_no_repeat=99", "pairings_no_repeat=two"):
            with pytest.raises(SettingError) as refused:
                await apply_settings(session, survey=survey, pairs=[bad], actor="test")
            assert refused.value.problems[0].startswith(bad.split("=")[0]), bad
        pairs = ["pairings=biweekly", "pairings_no_repeat=6"]
        await apply_settings(session, survey=survey, pairs=pairs, actor="test")
        shown = await describe(session, survey=survey)
        setting = await pairings.setting(session, tenant_id=world.tenant_id)
    assert (shown["pairings"], shown["pairings_no_repeat"]) == ("biweekly", "6")
    assert (setting.cadence, setting.no_repeat_rounds) == ("biweekly", 6)


async def test_erasing_someone_keeps_the_introductions_departments_only(db: Database) -> None:
    world = await _world(db)
    value = json.dumps({"w": "2026-W48", "k": "island", "a": "Data", "b": "Eng"})
    await _click(world, BOSS, value)
    async with db.session() as session:
        person = (
            await session.exec(select(Person).where(Person.email == "eng0@example.com"))
        ).one()
        await erase_person(session, person=person, secret=SECRET, actor="test")
        await session.commit()
    report = await world.tick(CLICK.replace(minute=1))
    async with db.session() as session:
        intro = (await session.exec(select(Introduction))).one()
        (delivery,) = (
            await session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.INTRO))
        ).all()
    assert intro.person_b_id is None and intro.department_b_id
    assert delivery.state == "failed" and report.sent == 0
    assert world.port.latest("data0@example.com", "introduction") is None


class _LostAnswer(ConsolePort):
    """A platform that may have delivered the introduction but never said so."""

    async def introduce(self, *, recipients, message):  # type: ignore[no-untyped-def]
        self.tried = getattr(self, "tried", 0) + 1
        raise OutcomeUnknown("timed out after sending")


async def test_an_introduction_in_doubt_is_never_sent_again(db: Database) -> None:
    world = await _world(db)
    value = json.dumps({"w": "2026-W48", "k": "island", "a": "Data", "b": "Eng"})
    await _click(world, BOSS, value)
    port = _LostAnswer()
    for minute in (1, 2, 3):
        await tick(db, now=CLICK.replace(minute=minute), ports={"console": port}, secret=SECRET)
    assert port.tried == 1
    async with db.session() as session:
        (delivery,) = (
            await session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.INTRO))
        ).all()
    assert delivery.state == "unknown"


async def test_retention_deletes_old_introductions_and_their_answers(db: Database) -> None:
    world = await _world(db)
    value = json.dumps({"w": "2026-W48", "k": "island", "a": "Data", "b": "Eng"})
    await _click(world, BOSS, value)
    async with db.session() as session:
        intro = (await session.exec(select(Introduction))).one()
        session.add(IntroductionAnswer(introduction_id=intro.id, person_id=1, answer="yes"))
        await session.commit()
        await enforce_retention(session, tenant_id=world.tenant_id, weeks=4, now=CLICK)
        assert (await session.exec(select(Introduction))).all() != []
        later = datetime(2027, 1, 11, tzinfo=UTC)
        await enforce_retention(session, tenant_id=world.tenant_id, weeks=4, now=later)
        assert (await session.exec(select(Introduction))).all() == []
        assert (await session.exec(select(IntroductionAnswer))).all() == []


async def test_met_is_counted_in_blocks_of_k_so_no_answer_stands_out(db: Database) -> None:
    world = await _world(db)
    async with db.session() as session:
        people = list((await session.exec(select(Person).order_by(Person.id))).all())
        data = [p for p in people if p.email.startswith("data")]
        ops = [p for p in people if p.email.startswith("ops")]
        made = []
        for i in range(6):  # six pairings a day apart, the first three met
            at = datetime(2026, 11, 2 + i, 9, 0, tzinfo=UTC)
            intro = await make(
                session,
                tenant_id=world.tenant_id,
                reason=f"pairing:t:{i}",
                kind="pairing",
                first=data[i],
                second=ops[i],
                now=at,
                pairing_round=i + 1,
            )
            made.append(intro)
            intro.met = i < 3  # the outcome as frozen when its answer window closed
            session.add(intro)
        await session.commit()
        intros = list((await session.exec(select(Introduction))).all())

        async def counts(day: int) -> tuple[int, int | None]:
            until = datetime(2026, 11, day, 12, 0, tzinfo=UTC)
            return await met_counts(session, intros=intros, until=until, k=5)

        assert await counts(19) == (0, None)  # four windows closed: fewer than k
        assert await counts(20) == (5, 3)  # the fifth closes: one block of five
        assert await counts(21) == (5, 3)  # the sixth alone is never counted


@pytest.mark.parametrize(
    ("data_language", "eng_language", "expected"),
    [("de", "de", "Lernen Sie sich kennen"), ("de", "ja", "meet")],
)
async def test_an_introduction_is_written_in_the_two_peoples_common_language(
    db: Database, data_language: str, eng_language: str, expected: str
) -> None:
    """One text reaches both: in their language when they share one, else the organisation's
    (here English), never in only one of theirs."""
    world = await _world(db)
    async with db.session() as session:
        for email, language in (
            ("data0@example.com", data_language),
            ("eng0@example.com", eng_language),
        ):
            person = (await session.exec(select(Person).where(Person.email == email))).one()
            person.language = language
            session.add(person)
        await session.commit()
    digest = await _digest(world, "2026-W48")
    message = digest_template.render(digest_template.DigestMessageData(digest=digest))
    await _click(world, BOSS, _button(message))
    await world.tick(CLICK.replace(minute=1))
    for email in ("data0@example.com", "eng0@example.com"):
        made = world.port.latest(email, "introduction")
        assert made is not None and expected in render_text(made.message), email


# --- The outsider's attacks on the "met" figure -------------------------------------------
# Ten introductions: three in 2026-W43 and two in W44 (the first block of k=5), five in W45.
# Someone answered yes for pairs 0, 1, 2, 5 and 6 within the window, no one for the others.
MADE = (
    [datetime(2026, 10, 20 + i, 9, 0, tzinfo=UTC) for i in range(3)]
    + [
        datetime(2026, 10, 30, 9, 0, tzinfo=UTC),
        datetime(2026, 10, 31, 9, 0, tzinfo=UTC),
    ]
    + [datetime(2026, 11, 2 + i, 9, 0, tzinfo=UTC) for i in range(5)]
)
MET_PAIRS = {0, 1, 2, 5, 6}
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SHOWN_WEEKS = ("2026-W45", "2026-W46", "2026-W47", "2026-W48")


async def _answer(world: World, email: str, intro_id: int, answer: str, at: datetime) -> str:
    world.clock.at = at
    effects = await world.bot.handle(
        ActionEvent(
            Actor("console", email, email=email), ActionId.INTRO_MET, f"{intro_id}:{answer}"
        )
    )
    return render_text(effects[0].message)


async def _ten_introductions(world: World) -> list[int]:
    async with world.db.session() as session:
        people = list((await session.exec(select(Person).order_by(Person.id))).all())
        data = [p for p in people if p.email.startswith("data")]
        ops = [p for p in people if p.email.startswith("ops")]
        ids = []
        for i, at in enumerate(MADE):
            intro = await make(
                session,
                tenant_id=world.tenant_id,
                reason=f"pairing:x:{i}",
                kind="pairing",
                first=data[i],
                second=ops[i],
                now=at,
                pairing_round=i + 1,
            )
            ids.append(intro.id)
        await session.commit()
    for i, (intro_id, at) in enumerate(zip(ids, MADE, strict=True)):
        answer = "yes" if i in MET_PAIRS else "no"
        await _answer(world, f"data{i}@example.com", intro_id, answer, at + timedelta(days=8))
        await _answer(world, f"ops{i}@example.com", intro_id, "no", at + timedelta(days=9))
    return ids


async def _shown(world: World) -> dict[str, tuple[int, int | None]]:
    """Every "met" figure an executive or operator can see now: each digest's, and
    `/pulse introductions`' (parsed from its text)."""
    out: dict[str, tuple[int, int | None]] = {}
    for week in SHOWN_WEEKS:
        summary = (await _digest(world, week)).introductions
        out[week] = (summary.counted, summary.met) if summary else (0, None)
    world.clock.at = NOW
    text = render_text((await world.channel.command(BOSS, "introductions"))[0])
    found = re.search(r"(\d+) of the first (\d+) met", text)
    out["/pulse introductions"] = (int(found[2]), int(found[1])) if found else (0, None)
    return out


def _teams(listed: str) -> list[str]:
    """The list's lines without the delivery state (an erasure deletes their deliveries)."""
    return [line.rsplit(",", 1)[0] for line in listed.splitlines()]


def _whole_blocks(seen: list[dict[str, tuple[int, int | None]]], k: int = 5) -> None:
    """Any two figures of one view differ by nothing, or by whole blocks of k introductions
    (a difference of fewer than k would be those few pairs' outcome)."""
    for view in seen[0]:
        values = [s[view] for s in seen]
        for a in values:
            for b in values:
                assert (a[0] - b[0]) % k == 0, (view, values)
                if a[0] == b[0]:
                    assert a == b, (view, values)


async def test_the_met_figure_never_moves_by_one_pair(db: Database, database_url: str) -> None:
    world = await _world(db)
    ids = await _ten_introductions(world)
    before = await _shown(world)
    # Blocks of the frozen outcomes: pairs 0-4 (three met), pairs 5-9 (two met).
    assert before["2026-W46"] == (5, 3)
    assert before["2026-W48"] == before["/pulse introductions"] == (10, 5)
    listed_before = render_text((await world.channel.command(BOSS, "introductions"))[0])

    # A late change of mind: "yes" turned "no" after the window is refused and changes nothing.
    reply = await _answer(world, "data6@example.com", ids[6], "no", NOW)
    assert "closed" in reply and "Thanks" not in reply
    assert dump.query(
        database_url,
        f"SELECT answer FROM introduction_answer WHERE introduction_id = {ids[6]}"
        " AND answer = 'yes'",
    ) == [("yes",)]
    after_change = await _shown(world)
    assert after_change == before

    # Erasing the only person who said yes for pair 5: the figure stays as published.
    async with db.session() as session:
        person = (
            await session.exec(select(Person).where(Person.email == "data5@example.com"))
        ).one()
        erased_id = person.id
        await erase_person(session, person=person, secret=SECRET, actor="test")
    assert (
        dump.query(
            database_url, f"SELECT id FROM introduction_answer WHERE person_id = {erased_id}"
        )
        == []
    )
    assert (
        dump.query(
            database_url,
            f"SELECT id FROM introduction WHERE person_a_id = {erased_id} "
            f"OR person_b_id = {erased_id}",
        )
        == []
    )
    after_erasure = await _shown(world)
    assert after_erasure == before
    # The list (`/pulse introductions`, `crosspulse intros list`) names no one, before or after.
    listed = render_text((await world.channel.command(BOSS, "introductions"))[0])
    assert _teams(listed) == _teams(listed_before) and "Person" not in listed
    async with db.session() as session:
        rows = await listing.introductions(session, tenant_id=world.tenant_id)
    assert {(r.first, r.second, r.kind) for r in rows} == {("Data", "Ops", "pairing")}

    # Retention takes 2026-W43 (three of the first block): the block leaves whole, no later
    # block shifts by three.
    async with db.session() as session:
        await enforce_retention(session, tenant_id=world.tenant_id, weeks=5, now=NOW)
        left = (await session.exec(select(Introduction))).all()
    assert len(left) == 7
    after_retention = await _shown(world)
    assert after_retention["/pulse introductions"] in ((10, 5), (5, 2))
    for week in SHOWN_WEEKS:
        assert after_retention[week] in ((0, None), (5, 2), (5, 3), (10, 5)), week
    _whole_blocks([before, after_change, after_erasure, after_retention])


async def test_a_failed_conversation_reply_or_partner_does_not_bench_someone(
    db: Database,
) -> None:
    world = await _world(db)
    async with db.session() as session:
        people = {p.email: p for p in (await session.exec(select(Person))).all()}
        lead = people["eng0@example.com"]
        # A reply to an author, filed under the thread's leader, failed.
        session.add(
            Delivery(
                tenant_id=world.tenant_id,
                person_id=lead.id,
                kind=DeliveryKind.CONVERSATION,
                idempotency_key="convo:test:1",
                due_at=CLICK,
                state="failed",
                last_error="recipient gone",
            )
        )
        await session.commit()
        assert (
            await pick(session, tenant_id=world.tenant_id, department_id=lead.department_id) == lead
        )
    # An introduction that could not go out because the partner was erased.
    value = json.dumps({"w": "2026-W48", "k": "island", "a": "Data", "b": "Eng"})
    await _click(world, BOSS, value)
    async with db.session() as session:
        await erase_person(session, person=lead, secret=SECRET, actor="test")
    await world.tick(CLICK.replace(minute=1))
    async with db.session() as session:
        (delivery,) = (
            await session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.INTRO))
        ).all()
        first = await session.get(Person, people["data0@example.com"].id)
        assert delivery.state == "failed" and delivery.person_id == first.id
        found = await candidates(session, tenant_id=world.tenant_id)
    assert first.id in {p.id for p in found}


async def test_introductions_made_at_once_get_distinct_numbers(db: Database) -> None:
    """Two introductions made at the same moment (two replicas, a click and a pairing round)
    both exist, numbered one after the other: no block is ever missing a number."""
    world = await _world(db)
    async with db.session() as session:
        people = list((await session.exec(select(Person).order_by(Person.id))).all())
    data = [p for p in people if p.email.startswith("data")]
    ops = [p for p in people if p.email.startswith("ops")]

    async def one(i: int) -> None:
        async with db.session() as session:
            made = await make(
                session,
                tenant_id=world.tenant_id,
                reason=f"pairing:race:{i}",
                kind="pairing",
                first=data[i],
                second=ops[i],
                now=CLICK,
            )
            assert made is not None
            await session.commit()

    await asyncio.gather(*(one(i) for i in range(4)))
    async with db.session() as session:
        seqs = sorted(i.seq for i in (await session.exec(select(Introduction))).all())
    assert seqs == [1, 2, 3, 4]


async def test_answers_are_forgotten_once_the_window_closes_and_the_outcome_stays(
    db: Database,
) -> None:
    """Who said yes is kept only while answers are taken: after the window a copy of the
    database holds the introduction's outcome, no person's answer."""
    world = await _world(db)
    digest = await _digest(world, "2026-W48")
    message = digest_template.render(digest_template.DigestMessageData(digest=digest))
    await _click(world, BOSS, _button(message))
    await world.tick(CLICK.replace(minute=1))
    assert (await world.tick(datetime(2026, 12, 7, 9, 5, tzinfo=UTC))).intro_asks == 2
    ask = world.port.latest("data0@example.com", "intro_ask")
    yes = next(a for a in ask.message.actions if a.value.endswith(":yes"))
    email = "data0@example.com"
    await world.bot.handle(ActionEvent(Actor("console", email, email=email), yes.id, yes.value))
    async with db.session() as session:
        assert len((await session.exec(select(IntroductionAnswer))).all()) == 1
    await world.tick(datetime(2026, 12, 15, 9, 5, tzinfo=UTC))  # 15 days after the click
    async with db.session() as session:
        assert (await session.exec(select(IntroductionAnswer))).all() == []
        (intro,) = (await session.exec(select(Introduction))).all()
        assert intro.met is True
