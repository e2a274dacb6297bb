"""The weekly rollup: per week, department, item and target; what every figure is read from.

Invitations are counted as people are enrolled; answers once, when the round closes
(`bot/pulse/publish.py`), so the rollup of a closed week never moves: a later erasure deletes the
person's rows but not the figures already published. `rebuild` recomputes weeks from the
raw rows (tests compare it with what was published).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache

from sqlalchemy import Insert, Integer, case, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.enums import DeliveryKind
from bot.store.models import Delivery, Person, Response, WeeklyRollup

RESPONDENTS = "respondents"
INVITED = "invited"
PROMOTER = "enps_promoter"
DETRACTOR = "enps_detractor"
POOLED = 0  # the department key of the week's pooled small departments
# Negative department keys hold a manager's people (`manager_key`): written once, when the
# round closes, for the scopes that pass the threshold and the subtraction guard
# (`bot.pulse.publish`); never rebuilt, as answers keep no trace of whom they report to.


def manager_key(manager_id: int) -> int:
    """The rollup's department key for the people reporting to `manager_id`."""
    return -manager_id


def manager_of(department_key: int) -> int:
    return -department_key
KEY = ("tenant_id", "week", "department_id", "item", "target")

Key = tuple[int, str, int, str, int]


class Increments:
    """Collects (n, sum, sum of squares) per rollup key, then writes them in one go."""

    def __init__(self) -> None:
        self.cells: dict[Key, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])

    def add(
        self,
        *,
        tenant_id: int,
        week: str,
        department_id: int,
        item: str,
        value: float = 1,
        target: int | None = None,
        count: int = 1,
    ) -> None:
        cell = self.cells[(tenant_id, week, department_id, item, target or 0)]
        cell[0] += count
        cell[1] += value * count
        cell[2] += value * value * count

    def add_item(
        self,
        *,
        tenant_id: int,
        week: str,
        department_id: int,
        item: str,
        value: int,
        target: int | None,
    ) -> None:
        """One answered item, with the eNPS promoter or detractor count it implies."""
        self.add(
            tenant_id=tenant_id,
            week=week,
            department_id=department_id,
            item=item,
            value=value,
            target=target,
        )
        if item == "enps" and (value >= 9 or value <= 6):
            self.add(
                tenant_id=tenant_id,
                week=week,
                department_id=department_id,
                item=PROMOTER if value >= 9 else DETRACTOR,
            )

    async def write(self, session: AsyncSession) -> None:
        """One executemany upsert: existing cells are incremented, new ones inserted."""
        if not self.cells:
            return
        rows = [
            {
                "tenant_id": t,
                "week": w,
                "department_id": d,
                "item": i,
                "target": g,
                "n": n,
                "total": total,
                "sumsq": sumsq,
            }
            for (t, w, d, i, g), (n, total, sumsq) in self.cells.items()
        ]
        connection = await session.connection()
        await connection.execute(_upsert(connection.dialect.name), rows)
        self.cells.clear()


@cache
def _upsert(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = WeeklyRollup.__table__
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(KEY),
        set_={
            "n": table.c.n + statement.excluded.n,
            "total": table.c.total + statement.excluded.total,
            "sumsq": table.c.sumsq + statement.excluded.sumsq,
        },
    )


def invited(tenant_id: int, week: str, departments: Iterable[int]) -> Increments:
    increments = Increments()
    for department_id, count in Counter(departments).items():
        increments.add(
            tenant_id=tenant_id, week=week, department_id=department_id, item=INVITED, count=count
        )
    return increments


async def rebuild(session: AsyncSession, *, tenant_id: int, weeks: set[str]) -> None:
    """Recompute these weeks from the raw rows (after an erasure); the caller commits.
    Managers' scopes keep their published figures (`manager_key`)."""
    if not weeks:
        return
    await session.exec(
        delete(WeeklyRollup).where(
            WeeklyRollup.tenant_id == tenant_id,
            col(WeeklyRollup.week).in_(weeks),
            WeeklyRollup.department_id >= 0,  # managers' scopes cannot be recomputed
        )
    )
    target = func.coalesce(Response.target_department_id, 0)
    department = func.coalesce(Response.department_id, POOLED)
    in_scope = (Response.tenant_id == tenant_id, col(Response.week).in_(weeks))
    columns = ["tenant_id", "week", "department_id", "item", "target", "n", "total", "sumsq"]
    sources = [
        select(
            Response.tenant_id,
            Response.week,
            department,
            Response.item,
            target,
            func.count(),
            func.sum(Response.value),
            func.sum(Response.value * Response.value),
        )
        .where(*in_scope)
        .group_by(Response.tenant_id, Response.week, department, Response.item, target),
        select(
            Response.tenant_id,
            Response.week,
            department,
            literal(RESPONDENTS),
            literal(0, Integer),
            func.count(func.distinct(Response.respondent)),
            func.count(func.distinct(Response.respondent)),
            func.count(func.distinct(Response.respondent)),
        )
        .where(*in_scope)
        .group_by(Response.tenant_id, Response.week, department),
    ]
    for item, condition in ((PROMOTER, Response.value >= 9), (DETRACTOR, Response.value <= 6)):
        hits = func.sum(case((condition, 1), else_=0))
        sources.append(
            select(
                Response.tenant_id,
                Response.week,
                department,
                literal(item),
                literal(0, Integer),
                hits,
                hits,
                hits,
            )
            .where(*in_scope, Response.item == "enps")
            .group_by(Response.tenant_id, Response.week, department)
            .having(hits > 0)
        )
    sources.append(
        select(
            Delivery.tenant_id,
            Delivery.week,
            Person.department_id,
            literal(INVITED),
            literal(0, Integer),
            func.count(),
            func.count(),
            func.count(),
        )
        .join(Person, Person.id == Delivery.person_id)
        .where(
            Delivery.tenant_id == tenant_id,
            col(Delivery.week).in_(weeks),
            Delivery.kind == DeliveryKind.PULSE,
        )
        .group_by(Delivery.tenant_id, Delivery.week, Person.department_id)
    )
    table = WeeklyRollup.__table__
    for source in sources:
        await session.exec(table.insert().from_select(columns, source))  # type: ignore[call-overload]
