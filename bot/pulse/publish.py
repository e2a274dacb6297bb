"""Closing a round: its sealed answers become shuffled responses and the week's figures.

Done once, in the transaction that closes the round, so what a dump can see of a round is
either sealed boxes (open) or responses written in a random order under pseudonyms used
for this round only (closed). Departments too small to be shown that week, with the
secondary suppression the digest applies, are written as one pooled group (department
None in responses, 0 in the rollup): the stored rows never hold a group smaller than the
threshold, and a later erasure, import or changed threshold cannot bring it back.
Managers' scopes (the people reporting to each, carried in the sealed answers) are rolled up
here too, for the scopes the subtraction guard keeps (`manager_scopes`).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.anonymity import effective_k, refine_safely, shown, suppressed_groups
from bot.enums import DeliveryKind
from bot.people.reports import reporting_lines, subtrees
from bot.pulse.rollup import INVITED, POOLED, RESPONDENTS, Increments, manager_key
from bot.pulse.sealing import SealedContent, Sealer
from bot.pulse.surveys import BLOCKED_BY, WORKED_WITH
from bot.store.models import (
    Comment,
    Delivery,
    Department,
    Response,
    Round,
    SealedAnswer,
    Survey,
)

_shuffle = random.SystemRandom().shuffle


@dataclass(frozen=True)
class Pools:
    """Departments whose answers are pooled this week, for scores and for comments."""

    scores: frozenset[int]
    comments: frozenset[int]


def pools_for(sizes: dict[int, int], *, k_scores: int, k_comments: int) -> Pools:
    """The digest's own suppression, applied before anything is stored."""
    k = effective_k(k_scores)
    kc = max(k_comments, k)
    everyone = frozenset(sizes)
    total = sum(sizes.values())
    scores = frozenset(suppressed_groups(sizes, k=k)) if shown(total, k) else everyone
    comments = frozenset(suppressed_groups(sizes, k=kc)) if total >= kc else everyone
    return Pools(scores=scores, comments=comments | scores)


async def publish_round(
    session: AsyncSession, *, survey: Survey, round_: Round, sealer: Sealer
) -> int:
    """Unseal, pool, shuffle and write the round's answers; delete the sealed rows. The
    caller commits (with the round's closed state). Returns the number of respondents."""
    boxes = (
        await session.exec(select(SealedAnswer.box).where(SealedAnswer.round_id == round_.id))
    ).all()
    answers = [sealer.unseal(box, round_id=round_.id) for box in boxes]
    departments = (
        await session.exec(select(Department.id).where(Department.tenant_id == survey.tenant_id))
    ).all()
    sizes = {d: 0 for d in departments} | Counter(a.department_id for a in answers)
    pools = pools_for(sizes, k_scores=survey.k_scores, k_comments=survey.k_comments)
    responses = [
        row for a in answers for row in _responses(a, survey=survey, round_=round_, pools=pools)
    ]
    comments = [
        {
            "tenant_id": survey.tenant_id,
            "round_id": round_.id,
            "respondent": a.respondent,
            "week": round_.week,
            "department_id": None if a.department_id in pools.comments else a.department_id,
            "text": a.comment,
            "author": None if a.author is None else sealer.seal_author(a.author),
        }
        for a in answers
        if a.comment
    ]
    _shuffle(responses)
    _shuffle(comments)
    connection = await session.connection()  # Core executemany: one batched INSERT
    if responses:
        await connection.execute(Response.__table__.insert(), responses)  # type: ignore[attr-defined]
    if comments:
        await connection.execute(Comment.__table__.insert(), comments)  # type: ignore[attr-defined]
    await _rollup(responses, answers, survey=survey, round_=round_, pools=pools).write(session)
    managers = await _managers_rollup(session, answers, survey=survey, round_=round_, pools=pools)
    await managers.write(session)
    await session.exec(delete(SealedAnswer).where(SealedAnswer.round_id == round_.id))
    round_.k_scores, round_.k_comments = survey.k_scores, survey.k_comments
    return len(answers)


def _responses(a: SealedContent, *, survey: Survey, round_: Round, pools: Pools) -> list[dict]:
    department = None if a.department_id in pools.scores else a.department_id
    base = {
        "tenant_id": survey.tenant_id,
        "round_id": round_.id,
        "respondent": a.respondent,
        "week": round_.week,
        "department_id": department,
    }
    rows = [{**base, "item": item, "value": v, "target_department_id": None} for item, v in
            a.scores.items()]
    rows += [{**base, "item": WORKED_WITH, "value": 1, "target_department_id": d}
             for d in a.worked_with]
    if a.blocked_by is not None:
        rows.append({**base, "item": BLOCKED_BY, "value": 1, "target_department_id": a.blocked_by})
    rows += [{**base, "item": "smoothness", "value": v, "target_department_id": d}
             for d, v in (a.smoothness or {}).items()]
    return rows


def manager_scopes(answers: list[SealedContent], *, pools: Pools, k: int) -> dict[int, list[int]]:
    """The managers whose people's figures may be published this week, each with the
    answers (by index) in their scope. A scope is kept only when, beside the departments as
    stored (the pooled small ones as one) and the scopes kept before it (larger first),
    everyone sharing the same memberships is k people or more (`bot.anonymity.refine_safely`):
    a manager's people minus their department, or minus a sibling's people, never leaves
    fewer than k, nor does matching their sums against a department's stored answers."""
    if not shown(len(answers), k):
        return {}
    departments: dict[int, set[int]] = defaultdict(set)
    members: dict[int, set[int]] = defaultdict(set)
    for index, a in enumerate(answers):
        departments[POOLED if a.department_id in pools.scores else a.department_id].add(index)
        for manager in a.managers:
            members[manager].add(index)
    candidates = sorted(members.items(), key=lambda m: (-len(m[1]), m[0]))
    kept = refine_safely(
        [frozenset(d) for d in departments.values()],
        [(manager, frozenset(people)) for manager, people in candidates],
        k=k,
    )
    return {manager: sorted(members[manager]) for manager in kept}  # type: ignore[index]


async def _managers_rollup(
    session: AsyncSession,
    answers: list[SealedContent],
    *,
    survey: Survey,
    round_: Round,
    pools: Pools,
) -> Increments:
    """The kept managers' scopes, as rollup rows under `manager_key`: their people's scale
    items and respondents, and how many of the people reporting to them were invited."""
    increments = Increments()
    scopes = manager_scopes(answers, pools=pools, k=effective_k(survey.k_scores))
    if not scopes:
        return increments
    for manager, indexes in scopes.items():
        key = manager_key(manager)
        for index in indexes:
            for item, value in answers[index].scores.items():
                increments.add_item(
                    tenant_id=survey.tenant_id,
                    week=round_.week,
                    department_id=key,
                    item=item,
                    value=value,
                    target=None,
                )
        increments.add(
            tenant_id=survey.tenant_id,
            week=round_.week,
            department_id=key,
            item=RESPONDENTS,
            count=len(indexes),
        )
    invited = (
        await session.exec(
            select(Delivery.person_id).where(
                Delivery.round_id == round_.id, Delivery.kind == DeliveryKind.PULSE
            )
        )
    ).all()
    reports = subtrees(await reporting_lines(session, tenant_id=survey.tenant_id))
    for manager in scopes:
        count = sum(1 for person in invited if person in reports.get(manager, ()))
        if count:
            increments.add(
                tenant_id=survey.tenant_id,
                week=round_.week,
                department_id=manager_key(manager),
                item=INVITED,
                count=count,
            )
    return increments


def _rollup(
    responses: list[dict],
    answers: list[SealedContent],
    *,
    survey: Survey,
    round_: Round,
    pools: Pools,
) -> Increments:
    increments = Increments()
    for row in responses:
        increments.add_item(
            tenant_id=row["tenant_id"],
            week=row["week"],
            department_id=row["department_id"] or POOLED,
            item=row["item"],
            value=row["value"],
            target=row["target_department_id"],
        )
    for department, count in Counter(
        POOLED if a.department_id in pools.scores else a.department_id for a in answers
    ).items():
        increments.add(
            tenant_id=survey.tenant_id,
            week=round_.week,
            department_id=department,
            item=RESPONDENTS,
            count=count,
        )
    return increments
