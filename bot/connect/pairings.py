"""Cross-team pairings ("coffee"), opt-in: an admin turns them on (weekly or every two
weeks, no pair repeated within N rounds); each round pairs people who turned introductions
on themselves, never two of the same department. A round is claimed by a conditional
UPDATE of `pairing_setting.last_run_at` (as the directory sync is), so neither replicas nor
the CLI ever pair twice in one period.

Pairing: people in rotation order (least recently introduced first, then id); each takes
the first later person of another department not paired with them within the last N
rounds. Someone left without a partner waits for the next round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.connect.making import make
from bot.connect.picking import candidates
from bot.enums import PairingCadence
from bot.store.models import Introduction, PairingSetting

PERIOD = {PairingCadence.WEEKLY: timedelta(days=7), PairingCadence.BIWEEKLY: timedelta(days=14)}


@dataclass(frozen=True)
class Round:
    number: int
    pairs: int
    left_out: int


async def setting(session: AsyncSession, *, tenant_id: int) -> PairingSetting:
    row = await session.get(PairingSetting, tenant_id)
    return row or PairingSetting(tenant_id=tenant_id)


async def claim(session: AsyncSession, *, tenant_id: int, now: datetime) -> int | None:
    """This period's round number, when this caller claimed it; None when pairings are off
    or the period's round was claimed already. Commits."""
    row = await session.get(PairingSetting, tenant_id)
    if row is None or row.cadence not in PERIOD:
        return None
    period = PERIOD[PairingCadence(row.cadence)]
    table = PairingSetting.__table__  # type: ignore[attr-defined]
    claimed = await session.exec(
        update(table)
        .where(
            table.c.tenant_id == tenant_id,
            table.c.cadence == row.cadence,
            or_(table.c.last_run_at.is_(None), table.c.last_run_at <= now - period),
        )
        .values(last_run_at=now, rounds=table.c.rounds + 1)
        .returning(table.c.rounds)
    )
    number = claimed.first()
    await session.commit()
    return None if number is None else int(number[0])


async def run(session: AsyncSession, *, tenant_id: int, now: datetime) -> Round | None:
    """Claim and make this period's round for the tenant; None when not due. Commits."""
    number = await claim(session, tenant_id=tenant_id, now=now)
    if number is None:
        return None
    row = await setting(session, tenant_id=tenant_id)
    people = await candidates(session, tenant_id=tenant_id, chosen_only=True)
    recent = await _recent_pairs(
        session, tenant_id=tenant_id, since_round=number - row.no_repeat_rounds
    )
    taken: set[int] = set()
    pairs = 0
    for i, person in enumerate(people):
        if person.id in taken:
            continue
        partner = next(
            (
                other
                for other in people[i + 1 :]
                if other.id not in taken
                and other.department_id != person.department_id
                and frozenset((person.id, other.id)) not in recent
            ),
            None,
        )
        if partner is None:
            continue
        taken |= {person.id, partner.id}  # type: ignore[arg-type]
        made = await make(
            session,
            tenant_id=tenant_id,
            reason=f"pairing:{number}:{person.id}:{partner.id}",
            kind="pairing",
            first=person,
            second=partner,
            now=now,
            pairing_round=number,
        )
        pairs += made is not None
    await session.commit()
    return Round(number, pairs, len(people) - len(taken))


async def _recent_pairs(
    session: AsyncSession, *, tenant_id: int, since_round: int
) -> set[frozenset[int | None]]:
    rows = await session.exec(
        select(Introduction.person_a_id, Introduction.person_b_id).where(
            Introduction.tenant_id == tenant_id,
            col(Introduction.pairing_round).is_not(None),
            col(Introduction.pairing_round) > since_round,
        )
    )
    return {frozenset(pair) for pair in rows.all()}
