"""The follow-up's answers: "Did you meet?" yes / not yet / no, from either of the two.

An answer is not anonymous to the other person, but executives see only counts across
introductions (`bot.insights.introductions`). The latest answer given within the answer window
counts; after it the question has closed and an answer is refused (`Closed`), so the
introduction's outcome (`Introduction.met`, kept up to date here) is frozen from then on."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.insights.introductions import MET, answer_open
from bot.store.models import Introduction, IntroductionAnswer, Person

ANSWERS = ("yes", "not_yet", "no")


class NotYours(LookupError):
    """The button is not one of this person's introductions (or is malformed)."""


class Closed(Exception):
    """The answer window has closed: nothing is recorded."""


def parse(value: str) -> tuple[int, str]:
    """(introduction id, answer) from the button's value."""
    intro, _, answer = value.partition(":")
    if not intro.isdigit() or answer not in ANSWERS or len(intro) > 12:
        raise NotYours(value)
    return int(intro), answer


async def record(
    session: AsyncSession, *, person: Person, value: str, now: datetime
) -> tuple[Introduction, str]:
    """Record the person's answer and the introduction's outcome; the caller commits.
    NotYours when the introduction is not theirs (a forged or foreign button), Closed once its
    answer window has closed.

    The introduction's row is locked first, so two answers to one introduction at once are
    recorded one after the other and the outcome reflects both."""
    intro_id, answer = parse(value)
    intro = await session.get(Introduction, intro_id, with_for_update=True, populate_existing=True)
    if intro is None or intro.tenant_id != person.tenant_id:
        raise NotYours(value)
    if person.id not in (intro.person_a_id, intro.person_b_id):
        raise NotYours(value)
    if not answer_open(intro, now):
        raise Closed(value)
    row = (
        await session.exec(
            select(IntroductionAnswer).where(
                IntroductionAnswer.introduction_id == intro_id,
                IntroductionAnswer.person_id == person.id,
            )
        )
    ).first()
    if row is None:
        row = IntroductionAnswer(introduction_id=intro_id, person_id=person.id, answer=answer)
    row.answer, row.answered_at = answer, now
    session.add(row)
    await session.flush()
    yes = await session.exec(
        select(IntroductionAnswer.id).where(
            IntroductionAnswer.introduction_id == intro_id, IntroductionAnswer.answer == MET
        )
    )
    intro.met = yes.first() is not None
    session.add(intro)
    return intro, answer
