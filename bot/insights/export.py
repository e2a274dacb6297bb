"""`crosspulse export`: the digest's aggregates as CSV, through the same anonymity rules."""

from __future__ import annotations

import csv
import io

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import RoundState
from bot.insights.digest import build_digest
from bot.store.models import Round, Survey

COLUMNS = (
    "week",
    "kind",
    "group",
    "target",
    "invited",
    "responded",
    "response_rate",
    "engagement",
    "enps",
    "ties",
    "smoothness",
    "blocked",
    "suppressed",
)


async def closed_weeks(session: AsyncSession, *, survey: Survey) -> list[str]:
    """Weeks whose rounds have all closed, oldest first. A week still taking answers is left
    out (not refused): its figures move with each answer, and a round is open three days of
    every week, so an export that waited for none would rarely run."""
    rounds = (
        await session.exec(
            select(Round.week, Round.state)
            .where(Round.survey_id == survey.id)
            .order_by(col(Round.slot))
        )
    ).all()
    still_open = {week for week, state in rounds if state == RoundState.OPEN}
    return sorted({week for week, _ in rounds} - still_open)


async def export_csv(session: AsyncSession, *, survey: Survey) -> str:
    """Every closed week's aggregates, each through the digest's anonymity rules."""
    weeks = await closed_weeks(session, survey=survey)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for week in weeks:
        d = await build_digest(session, survey=survey, week=week)
        writer.writerow(
            {
                "week": week,
                "kind": "organisation",
                "group": d.scope,
                "invited": d.invited,
                "responded": d.responded,
                "response_rate": d.response_rate,
                "engagement": d.engagement,
                "enps": d.enps,
                "suppressed": d.suppressed,
            }
        )
        for r in d.departments:
            writer.writerow(
                {
                    "week": week,
                    "kind": "department",
                    "group": r.name,
                    "invited": r.invited,
                    "responded": r.responded,
                    "response_rate": r.response_rate,
                    "engagement": r.engagement,
                    "enps": r.enps,
                    "suppressed": r.suppressed,
                }
            )
        for p in d.collaboration:
            writer.writerow(
                {
                    "week": week,
                    "kind": "pair",
                    "group": p.source,
                    "target": p.target,
                    "ties": p.ties,
                    "smoothness": p.smoothness,
                    "blocked": p.blocked,
                    "suppressed": p.suppressed,
                }
            )
    return out.getvalue()
