"""The follow-up's answers: "Did you meet?" yes / not yet / no, from either of the two.

An answer is not anonymous to the other person, but executives see only counts across
introductions (`bot.insights.introductions`). The latest answer counts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import Introduction, IntroductionAnswer, Person

ANSWERS = ("yes", "not_yet", "no")


class NotYours(LookupError):
    """The button is not one of this person's introductions (or is malformed)."""


def parse(value: str) -> tuple[int, str]:
    """(introduction id, answer) from the button's value."""
    intro, _, answer = value.partition(":")
    if not intro.isdigit() or answer not in ANSWERS or len(intro) > 12:
        raise NotYours(value)
    return int(intro), answer


async def record(
    session: AsyncSession, *, person: Person, value: str, now: datetime
) -> tuple[Introduction, str]:
    """Record the person's answer; the caller commits. NotYours when the introduction is not
    theirs (a forged or foreign button)."""
    intro_id, answer = parse(value)
    intro = await session.get(Introduction, intro_id)
    if intro is None or intro.tenant_id != person.tenant_id:
        raise NotYours(value)
    if person.id not in (intro.person_a_id, intro.person_b_id):
        raise NotYours(value)
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
    return intro, answer
