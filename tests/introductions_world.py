"""A planted organisation for the introductions tests: five departments, weekly rollups
written as the close of a round would publish them, so a digest finds Data an island and
Eng the best-connected team; later weeks can add ties between the two."""

from __future__ import annotations

from sqlmodel import select

from bot.pulse.rollup import INVITED, RESPONDENTS
from bot.store.db import Database
from bot.store.models import Department, Survey, WeeklyRollup

TEAMS = ("Data", "Eng", "Legal", "Ops", "Sales")
SIZE = 12
ORG = (
    "email,name,department,timezone,role,country,manager_email,slack_user_id\n"
    "boss@example.com,Bo Boss,Board,Europe/London,executive,GB,,U0BOSS\n"
    "member@example.com,Mo Member,Board,Europe/London,member,GB,,U0MEMB\n"
    + "".join(
        f"{t.lower()}{i}@example.com,{t} Person {i},{t},Europe/London,member,GB,"
        f"{'' if i == 0 else f'{t.lower()}0@example.com'},U0{t.upper()[:3]}{i:02d}\n"
        for t in TEAMS
        for i in range(SIZE)
    )
)
HUBS = ("Eng", "Legal", "Ops", "Sales")


async def plant_week(db: Database, *, week: str, data_eng: int = 0, smooth: float = 3.0) -> None:
    """One published week: everyone answered; the hubs name each other (8 of 12); Data
    and Eng name each other `data_eng` times each way, rating it `smooth`."""
    async with db.session() as session:
        survey = (await session.exec(select(Survey))).first()
        tenant = survey.tenant_id
        ids = {d.name: d.id for d in (await session.exec(select(Department))).all()}
        rows = []
        for team in TEAMS:
            for item in (RESPONDENTS, INVITED):
                rows.append((ids[team], item, 0, SIZE, float(SIZE), float(SIZE)))
        for a in HUBS:
            for b in HUBS:
                if a != b:
                    rows.append((ids[a], "worked_with", ids[b], 8, 8.0, 8.0))
                    rows.append((ids[a], "smoothness", ids[b], 8, 32.0, 128.0))
        if data_eng:
            for a, b in (("Data", "Eng"), ("Eng", "Data")):
                n = data_eng
                rows.append((ids[a], "worked_with", ids[b], n, float(n), float(n)))
                rows.append((ids[a], "smoothness", ids[b], n, smooth * n, smooth * smooth * n))
        for department, item, target, n, total, sumsq in rows:
            session.add(
                WeeklyRollup(
                    tenant_id=tenant,
                    week=week,
                    department_id=department,
                    item=item,
                    target=target,
                    n=n,
                    total=total,
                    sumsq=sumsq,
                )
            )
        survey.active = False  # the tests drive the weeks; no round of their own
        session.add(survey)
        await session.commit()
