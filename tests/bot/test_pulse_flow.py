"""A week of pulses through the real path: tick -> outbox -> console chat -> answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from bot.store.models import AuditLog, Comment, Delivery, Participation, Response, SealedAnswer
from tests.conftest import SMALL_ORG, World

TUESDAY_0600 = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)


def good_answers(message, *, teams: list[str] | None = None) -> dict:  # type: ignore[no-untyped-def]
    answers: dict = {}
    for item in message.inputs:
        if item.kind == "scale":
            answers[item.key] = item.choices[len(item.choices) // 2].value
    if teams:
        answers["worked_with"] = teams
    return answers


async def count(world: World, model, **where) -> int:  # type: ignore[no-untyped-def]
    async with world.db.session() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return (await session.exec(query)).one()


async def test_pulse_reaches_each_person_at_ten_local(world: World) -> None:
    report = await world.tick(TUESDAY_0600)
    assert report.opened == 1 and report.enrolled == 17
    assert report.sent == 0, "06:00 UTC is before 10:00 anywhere in this org"
    report = await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))  # 10:00 Helsinki
    assert report.sent == 8
    assert world.port.latest("eng3@example.com", "pulse") is not None
    assert world.port.latest("sales0@example.com") is None
    report = await world.tick(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))  # 10:00 New York
    assert report.sent == 9  # 6 sales + 3 in London (10:00 GMT passed)
    pulse = world.port.latest("sales0@example.com", "pulse").message
    keys = [i.key for i in pulse.inputs]
    assert keys[:2] == ["enps", "energy"] and "worked_with" in keys and "comment" in keys
    assert "Open until Fri 6 Nov, 10:00" in pulse.sections[0].text
    # Running the same tick again sends nothing twice.
    again = await world.tick(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    assert again.sent == 0
    assert len(world.port.inbox["sales0@example.com"]) == 1


async def test_answer_confirms_without_echo_and_second_submit_changes_nothing(
    world: World,
) -> None:
    await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    delivered = world.port.latest("eng1@example.com", "pulse")
    pulse = delivered.message
    sales = str((await world.person("sales0@example.com")).department_id)
    answers = {**good_answers(pulse, teams=[sales]), "comment": "Deploys were smooth"}
    shown = await world.channel.act(
        "eng1@example.com",
        action="checkin",
        value=pulse.submit.value,
        answers=answers,
        ref=delivered.ref,
    )
    assert [m.kind for m in shown] == ["followup"]
    assert [i.key for i in shown[0].inputs] == [f"smooth.{sales}"]
    shown = await world.channel.act(
        "eng1@example.com",
        action="smoothness",
        value=pulse.submit.value,
        answers={f"smooth.{sales}": "2"},
        ref=delivered.ref,
    )
    assert shown[0].kind == "confirmation"
    text = shown[0].fallback_text
    assert "2026-W45" in text and "Deploys" not in text and "Sales" not in text
    # The pulse in the chat was replaced by the confirmation.
    assert world.port.latest("eng1@example.com", "pulse") is None
    assert world.port.inbox["eng1@example.com"][0].message.kind == "confirmation"

    again = await world.channel.act(
        "eng1@example.com", action="checkin", value=pulse.submit.value, answers=answers
    )
    assert again[0].title == "Already answered"
    assert await count(world, Participation) == 1
    assert await count(world, SealedAnswer) == 1
    assert await count(world, Response) == 0, "answers stay sealed while the round is open"
    await world.close_open_rounds()
    assert await count(world, SealedAnswer) == 0, "a closed round keeps no sealed answer"
    assert await count(world, Comment) == 1
    assert await count(world, Response, item="smoothness") == 1
    async with world.db.session() as session:
        rows = (await session.exec(select(Response))).all()
    assert rows and all(len(r.respondent) == 40 for r in rows)
    assert not any(hasattr(r, "person_id") for r in rows), "responses never carry a person id"


async def test_out_of_range_and_tampered_answers_are_refused(world: World) -> None:
    await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    pulse = world.port.latest("eng2@example.com", "pulse").message
    bad = {**good_answers(pulse), "enps": "11"}
    shown = await world.channel.act(
        "eng2@example.com", action="checkin", value=pulse.submit.value, answers=bad
    )
    assert shown[0].title == "Your answer was not recorded"
    assert "0 to 10" in shown[0].fallback_text
    own_team = str((await world.person("eng2@example.com")).department_id)
    shown = await world.channel.act(
        "eng2@example.com",
        action="checkin",
        value=pulse.submit.value,
        answers={**good_answers(pulse), "worked_with": [own_team]},
    )
    assert "not another team" in shown[0].fallback_text
    shown = await world.channel.act(
        "eng2@example.com",
        action="checkin",
        value=pulse.submit.value,
        answers={**good_answers(pulse), "salary": "5"},
    )
    assert "does not ask" in shown[0].fallback_text
    shown = await world.channel.act(
        "eng2@example.com", action="checkin", value="99999", answers=good_answers(pulse)
    )
    assert shown[0].title == "That pulse doesn't exist"
    assert await count(world, Participation) == 0
    assert await count(world, Response) == 0
    assert await count(world, AuditLog, action="answer.rejected") == 4


async def test_opted_out_person_gets_no_pulse_and_cannot_answer(world: World) -> None:
    await world.survey()
    await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    pulse = world.port.latest("eng2@example.com", "pulse").message
    async with world.db.session() as session:
        from bot.pulse.privacy import set_opted_out

        legal = await world.person("legal0@example.com")
        await set_opted_out(session, person=await session.merge(legal), opted_out=True)
    # legal0 opted out before 10:00 London: their pending pulse was cancelled.
    await world.tick(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    assert world.port.latest("legal0@example.com", "pulse") is None
    shown = await world.channel.act(
        "legal0@example.com",
        action="checkin",
        value=pulse.submit.value,
        answers=good_answers(pulse),
    )
    assert shown[0].title == "You have opted out"
    assert await count(world, Participation) == 0


async def test_closed_round_refuses_late_answers(world: World) -> None:
    await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    pulse = world.port.latest("eng4@example.com", "pulse").message
    await world.tick(datetime(2026, 11, 7, 0, 0, tzinfo=UTC))  # after the 3-day window
    shown = await world.channel.act(
        "eng4@example.com", action="checkin", value=pulse.submit.value, answers=good_answers(pulse)
    )
    assert "closed" in shown[0].fallback_text
    assert await count(world, Participation) == 0


async def test_nudges_reach_only_non_responders_in_working_hours(world: World) -> None:
    await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    responder = world.port.latest("eng0@example.com", "pulse").message
    await world.channel.act(
        "eng0@example.com",
        action="checkin",
        value=responder.submit.value,
        answers=good_answers(responder),
    )
    # 24 h later, 10:00 Helsinki on Wednesday: nudge the seven who did not answer.
    report = await world.tick(datetime(2026, 11, 4, 8, 0, tzinfo=UTC))
    assert report.nudges == 7
    reminders = [
        e
        for e, items in world.port.inbox.items()
        if any(i.message.title.startswith("Reminder") for i in items)
    ]
    assert sorted(reminders) == sorted(f"eng{i}@example.com" for i in range(1, 8))
    # An hour later: no second nudge yet. Thursday 06:00 Helsinki, 24 h on: too early.
    assert (await world.tick(datetime(2026, 11, 4, 9, 0, tzinfo=UTC))).nudges == 0
    assert (await world.tick(datetime(2026, 11, 5, 4, 0, tzinfo=UTC))).nudges == 0
    # Thursday 10:00 Helsinki: the second and last nudge; Friday: no third.
    assert (await world.tick(datetime(2026, 11, 5, 8, 0, tzinfo=UTC))).nudges == 7
    assert (await world.tick(datetime(2026, 11, 6, 7, 0, tzinfo=UTC))).nudges == 0
    assert await count(world, Delivery, kind="nudge") == 14


async def test_muted_person_gets_no_nudge(world: World) -> None:
    await world.tick(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    shown = await world.channel.command("eng5@example.com", "/pulse mute")
    assert shown[0].title == "Reminders muted"
    await world.tick(datetime(2026, 11, 4, 8, 0, tzinfo=UTC))
    kinds = [(i.message.kind, i.message.title) for i in world.port.inbox["eng5@example.com"]]
    assert ("pulse", "Reminder: your weekly pulse") not in kinds
    assert ("pulse", "Reminder: your weekly pulse") in [
        (i.message.kind, i.message.title) for i in world.port.inbox["eng6@example.com"]
    ]


async def test_crash_mid_send_resends_only_what_never_left(world: World) -> None:
    """A sender claims three rows, starts sending the first, and dies. The two it never
    started go out after recovery; the one in flight is `unknown` and is not sent again."""
    await world.tick(datetime(2026, 11, 3, 6, 0, tzinfo=UTC))
    from bot.pulse.outbox import claim_due, mark_sending

    at = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    async with world.db.session() as session:
        claimed = await claim_due(session, now=at, limit=3)
        await mark_sending(session, delivery=claimed[0])  # then the process "dies"
    assert len(claimed) == 3
    too_soon = await world.tick(at + timedelta(minutes=5))
    assert too_soon.sent == 5, "rows another sender may still hold are left alone"
    report = await world.tick(at + timedelta(minutes=30))
    assert report.sent == 2, "the two claimed rows that never left go out"
    async with world.db.session() as session:
        states = dict(
            (
                await session.exec(
                    select(Delivery.id, Delivery.state).where(
                        Delivery.id.in_([c.id for c in claimed])
                    )
                )
            ).all()
        )
    assert states[claimed[0].id] == "unknown"
    assert {states[c.id] for c in claimed[1:]} == {"sent"}
    assert sum(len(v) for v in world.port.inbox.values()) == 7, "eight people, seven DMs, no twice"


async def test_digest_goes_to_executives_on_monday_morning(world: World) -> None:
    await world.tick(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    for email in [f"eng{i}@example.com" for i in range(8)] + [
        f"sales{i}@example.com" for i in range(6)
    ]:
        item = world.port.latest(email, "pulse")
        await world.channel.act(
            email,
            action="checkin",
            value=item.message.submit.value,
            answers=good_answers(item.message),
        )
    await world.tick(datetime(2026, 11, 7, 12, 0, tzinfo=UTC))
    report = await world.tick(datetime(2026, 11, 9, 8, 0, tzinfo=UTC))  # Mon 08:00 London
    assert report.digests == 1
    digest = world.port.latest("ceo@example.com", "digest").message
    assert digest.title == "Collaboration digest: organisation, 2026-W45"
    facts = {f.label: f.value for s in digest.sections for f in s.facts}
    assert facts["Response rate"].startswith("82%") and "(14 of 17)" in facts["Response rate"]
    assert facts["Legal"].startswith("withheld")
    assert world.port.latest("eng0@example.com", "digest") is None
    assert (await world.tick(datetime(2026, 11, 9, 9, 0, tzinfo=UTC))).digests == 0


async def test_each_organisation_gets_its_own_digest_in_the_same_tick(world: World) -> None:
    """Two organisations on one server, executives in one timezone: their digests fall due
    in the same sending pass, and each executive reads their own organisation's figures."""
    from bot.people.org import import_rows
    from bot.store.models import Survey, Tenant
    from tests.conftest import START, parse_org

    other_org = SMALL_ORG.replace("@example.com", "@other.example")
    async with world.db.session() as session:
        other = Tenant(name="Other Co")
        session.add(other)
        await session.flush()
        session.add(Survey(tenant_id=other.id, starts_on=START))
        await session.flush()
        rows = parse_org(other_org)
        await import_rows(session, tenant_id=other.id or 0, rows=rows, actor="test")
        await session.commit()
    await world.tick(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    members = [f"eng{i}" for i in range(8)] + [f"sales{i}" for i in range(6)]
    answering = {"example.com": members, "other.example": members[:10]}  # 14 and 10 answer
    for domain, names in answering.items():
        for name in names:
            item = world.port.latest(f"{name}@{domain}", "pulse")
            await world.channel.act(
                f"{name}@{domain}",
                action="checkin",
                value=item.message.submit.value,
                answers=good_answers(item.message),
            )
    await world.tick(datetime(2026, 11, 7, 12, 0, tzinfo=UTC))
    report = await world.tick(datetime(2026, 11, 9, 8, 0, tzinfo=UTC))  # Mon 08:00 London
    assert report.digests == 2
    for email, answered in (("ceo@example.com", "(14 of 17)"), ("ceo@other.example", "(10 of 17)")):
        digest = world.port.latest(email, "digest").message
        facts = {f.label: f.value for s in digest.sections for f in s.facts}
        assert answered in facts["Response rate"], email
