"""sealed answers, per-round pseudonyms, pooled small groups, no answer times

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:00:00

Moves an installation to the storage described in `bot/pulse/publish.py` and `bot/pulse/sealing.py`:
- answers of open rounds are sealed (and leave `response`); their figures appear at close;
- answers of closed rounds are rewritten in a random order under a pseudonym per round,
  with the departments below the threshold that week pooled, and every comment scrubbed;
- `participation` loses `stage` and `answered_at`; the rollup's answer rows of closed weeks
  are recomputed from the rewritten rows (the organisation's figures and every shown
  department's stay the same; withheld departments move into the pool).
Needs CROSSPULSE_SECRET (the pseudonyms are keyed) when there are answers to move.
"""
from __future__ import annotations

import hashlib
import hmac
import random
from collections import Counter, defaultdict

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString
ANSWER_ITEMS_EXCLUDED = ("invited",)


def _response_table() -> None:
    op.create_table(
        'response',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('respondent', AutoString(length=64), nullable=False),
        sa.Column('week', AutoString(length=8), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('item', AutoString(length=40), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('target_department_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id']),
        sa.ForeignKeyConstraint(['round_id'], ['round.id']),
        sa.ForeignKeyConstraint(['target_department_id'], ['department.id']),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_response_week_dept', 'response', ['week', 'department_id'])
    op.create_index('ix_response_respondent', 'response', ['respondent'])
    op.create_index('ix_response_round_id', 'response', ['round_id'])
    op.create_index('ix_response_tenant_id', 'response', ['tenant_id'])


def _comment_table() -> None:
    op.create_table(
        'comment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('respondent', AutoString(length=64), nullable=True),
        sa.Column('week', AutoString(length=8), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('text', AutoString(length=2000), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['department.id']),
        sa.ForeignKeyConstraint(['round_id'], ['round.id']),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_comment_respondent', 'comment', ['respondent'])
    op.create_index('ix_comment_round_id', 'comment', ['round_id'])
    op.create_index('ix_comment_tenant_id', 'comment', ['tenant_id'])
    op.create_index('ix_comment_week', 'comment', ['week'])


def _rollup_table() -> None:
    """Department 0 is the pool, so the column no longer points at `department`."""
    op.create_table(
        'weekly_rollup',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('week', AutoString(length=8), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('item', AutoString(length=40), nullable=False),
        sa.Column('target', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
        sa.Column('sumsq', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant_id', 'week', 'department_id', 'item', 'target'),
    )
    op.create_index('ix_rollup_week', 'weekly_rollup', ['tenant_id', 'week'])


def _rows(bind: sa.Connection, sql: str) -> list[sa.Row]:
    return list(bind.execute(sa.text(sql)).all())


def upgrade() -> None:
    from bot.pulse.publish import pools_for
    from bot.people.scrub import NameIndex
    from bot.pulse.sealing import SealedContent, Sealer

    bind = op.get_bind()
    responses = _rows(
        bind,
        "SELECT tenant_id, round_id, respondent, week, department_id, item, value, "
        "target_department_id FROM response",
    )
    comments = _rows(bind, "SELECT tenant_id, round_id, respondent, week, department_id, text "
                           "FROM comment")
    rollup = _rows(bind, "SELECT tenant_id, week, department_id, item, target, n, total, sumsq "
                         "FROM weekly_rollup")
    stages = {(r, p): s for r, p, s in _rows(
        bind, "SELECT round_id, person_id, stage FROM participation")}
    rounds = {r.id: r for r in _rows(
        bind, "SELECT r.id, r.state, r.week, s.tenant_id, s.k_scores, s.k_comments "
              "FROM round r JOIN survey s ON s.id = r.survey_id")}
    people = _rows(bind, "SELECT id, tenant_id, name, pseudonym_salt FROM person")
    departments: dict[int, list[int]] = defaultdict(list)
    for d, t in _rows(bind, "SELECT id, tenant_id FROM department"):
        departments[t].append(d)

    for name in ('response', 'comment', 'weekly_rollup'):
        op.drop_table(name)
    _response_table()
    _comment_table()
    _rollup_table()
    op.create_table(
        'sealed_answer',
        sa.Column('id', AutoString(length=64), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('box', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['round.id']),
        sa.PrimaryKeyConstraint('id'),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_sealed_answer_round_id', 'sealed_answer', ['round_id'])
    with op.batch_alter_table('participation') as batch_op:
        batch_op.drop_column('stage')
        batch_op.drop_column('answered_at')
    # Plain ADD COLUMN: a batch copy of `round` would break the foreign keys pointing at it.
    op.add_column('round', sa.Column('k_scores', sa.Integer(), nullable=True))
    op.add_column('round', sa.Column('k_comments', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE round SET k_scores = (SELECT k_scores FROM survey WHERE survey.id = "
        "round.survey_id), k_comments = (SELECT k_comments FROM survey WHERE survey.id = "
        "round.survey_id) WHERE state = 'closed'"
    )

    # Invitations are not answers: they go back as they were.
    kept_rollup = [r for r in rollup if r.item in ANSWER_ITEMS_EXCLUDED]
    if kept_rollup:
        op.bulk_insert(sa.table(
            'weekly_rollup', *(sa.column(c) for c in (
                'tenant_id', 'week', 'department_id', 'item', 'target', 'n', 'total', 'sumsq'))),
            [dict(r._mapping) for r in kept_rollup])
    if not responses and not comments:
        return
    secret = context.config.attributes.get("secret")
    if secret is None:
        raise RuntimeError(
            "this database holds answers whose pseudonyms must be re-keyed: run "
            "`crosspulse migrate` with CROSSPULSE_SECRET set"
        )
    sealer = Sealer(secret)
    owner = {hmac.new(secret, p.pseudonym_salt.encode(), hashlib.sha256).hexdigest()[:40]: p
             for p in people}
    names = defaultdict(list)
    for p in people:
        names[p.tenant_id].append(p.name)
    scrubbers = {t: NameIndex(n) for t, n in names.items()}

    by_round: dict[int, dict[str, dict]] = defaultdict(dict)
    for r in responses:
        answer = by_round[r.round_id].setdefault(r.respondent, _blank(r.department_id))
        if r.item == "worked_with":
            answer["worked"].append(r.target_department_id)
        elif r.item == "blocked_by":
            answer["blocked"] = r.target_department_id
        elif r.item == "smoothness":
            answer["smooth"][r.target_department_id] = r.value
        else:
            answer["scores"][r.item] = r.value
    for c in comments:
        answer = by_round[c.round_id].setdefault(c.respondent, _blank(c.department_id))
        answer["comment"] = scrubbers.get(c.tenant_id, NameIndex([])).scrub(c.text)

    shuffle = random.SystemRandom().shuffle
    new_responses, new_comments, sealed, cells = [], [], [], defaultdict(lambda: [0, 0.0, 0.0])
    for round_id, answers in by_round.items():
        info = rounds[round_id]
        keyed = []
        for old_key, a in answers.items():
            person = owner.get(old_key)
            respondent = (sealer.respondent(round_id=round_id, salt=person.pseudonym_salt)
                          if person else f"{random.SystemRandom().getrandbits(160):040x}")
            keyed.append((person, respondent, a))
        if info.state == "open":
            for person, respondent, a in keyed:
                if person is None:
                    continue
                owed = stages.get((round_id, person.id)) == "answered" and a["worked"]
                content = SealedContent(
                    respondent=respondent, department_id=a["department"], scores=a["scores"],
                    worked_with=tuple(sorted(a["worked"])), blocked_by=a["blocked"],
                    comment=a["comment"], smoothness=None if owed else a["smooth"])
                sealed.append({"id": sealer.row_id(round_id=round_id, salt=person.pseudonym_salt),
                               "round_id": round_id,
                               "box": sealer.seal(content, round_id=round_id)})
            continue
        sizes = {d: 0 for d in departments[info.tenant_id]} | Counter(
            a["department"] for _, _, a in keyed)
        pools = pools_for(sizes, k_scores=info.k_scores, k_comments=info.k_comments)
        for _, respondent, a in keyed:
            d = None if a["department"] in pools.scores else a["department"]
            base = {"tenant_id": info.tenant_id, "round_id": round_id, "respondent": respondent,
                    "week": info.week, "department_id": d}
            items = [(i, v, None) for i, v in a["scores"].items()]
            items += [("worked_with", 1, t) for t in a["worked"]]
            items += [("blocked_by", 1, a["blocked"])] if a["blocked"] is not None else []
            items += [("smoothness", v, t) for t, v in a["smooth"].items()]
            for item, value, target in items:
                new_responses.append({**base, "item": item, "value": value,
                                      "target_department_id": target})
                _count(cells, (info.tenant_id, info.week, d or 0, item, target or 0), value)
                if item == "enps" and (value >= 9 or value <= 6):
                    promoter = "enps_promoter" if value >= 9 else "enps_detractor"
                    _count(cells, (info.tenant_id, info.week, d or 0, promoter, 0), 1)
            _count(cells, (info.tenant_id, info.week, d or 0, "respondents", 0), 1)
            if a["comment"]:
                new_comments.append({
                    "tenant_id": info.tenant_id, "round_id": round_id, "respondent": respondent,
                    "week": info.week, "text": a["comment"],
                    "department_id": None if a["department"] in pools.comments
                    else a["department"]})
    shuffle(new_responses)
    shuffle(new_comments)
    shuffle(sealed)
    table = sa.table
    if new_responses:
        op.bulk_insert(table('response', *(sa.column(c) for c in (
            'tenant_id', 'round_id', 'respondent', 'week', 'department_id', 'item', 'value',
            'target_department_id'))), new_responses)
    if new_comments:
        op.bulk_insert(table('comment', *(sa.column(c) for c in (
            'tenant_id', 'round_id', 'respondent', 'week', 'department_id', 'text'))),
            new_comments)
    if sealed:
        op.bulk_insert(table('sealed_answer', sa.column('id'), sa.column('round_id'),
                             sa.column('box', sa.LargeBinary())), sealed)
    if cells:
        op.bulk_insert(table('weekly_rollup', *(sa.column(c) for c in (
            'tenant_id', 'week', 'department_id', 'item', 'target', 'n', 'total', 'sumsq'))),
            [{"tenant_id": t, "week": w, "department_id": d, "item": i, "target": g,
              "n": n, "total": s, "sumsq": q} for (t, w, d, i, g), (n, s, q) in cells.items()])


def _blank(department_id: int) -> dict:
    """One respondent's answers to a round, gathered from 0006's rows."""
    return {"department": department_id, "scores": {}, "worked": [], "blocked": None,
            "smooth": {}, "comment": None}


def _count(cells: dict, key: tuple, value: float) -> None:
    cell = cells[key]
    cell[0] += 1
    cell[1] += value
    cell[2] += value * value


def downgrade() -> None:
    """Back to 0006's tables. Sealed answers of open rounds are opened into responses (with
    CROSSPULSE_SECRET); pooled rows keep their pool (no department can be recovered)."""
    from bot.pulse.sealing import Sealer

    bind = op.get_bind()
    sealed = _rows(bind, "SELECT id, round_id, box FROM sealed_answer")
    if sealed and context.config.attributes.get("secret") is None:
        raise RuntimeError("open rounds hold sealed answers: downgrade with CROSSPULSE_SECRET")
    rounds = {r.id: r for r in _rows(
        bind, "SELECT r.id, r.week, s.tenant_id FROM round r JOIN survey s ON s.id = r.survey_id")}
    op.drop_table('sealed_answer')
    op.drop_column('round', 'k_scores')
    op.drop_column('round', 'k_comments')
    with op.batch_alter_table('participation') as batch_op:
        batch_op.add_column(sa.Column('stage', AutoString(length=10), nullable=False,
                                      server_default='complete'))
        batch_op.add_column(sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=False, server_default=sa.func.current_timestamp()))
    op.execute("DELETE FROM response WHERE department_id IS NULL")
    op.execute("DELETE FROM comment WHERE department_id IS NULL OR respondent IS NULL")
    op.execute("DELETE FROM weekly_rollup WHERE department_id = 0")
    with op.batch_alter_table('response') as batch_op:
        batch_op.alter_column('department_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('comment') as batch_op:
        batch_op.alter_column('department_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('respondent', existing_type=AutoString(length=64), nullable=False)
    if not sealed:
        return
    secret = context.config.attributes["secret"]
    sealer = Sealer(secret)
    salts = [p for (p,) in _rows(bind, "SELECT pseudonym_salt FROM person")]
    owners = {sealer.row_id(round_id=r, salt=salt): salt
              for r in {row.round_id for row in sealed} for salt in salts}
    rows = []
    for row_id, round_id, box in sealed:
        if row_id not in owners:
            continue  # its author was erased
        a = sealer.unseal(bytes(box), round_id=round_id)
        info = rounds[round_id]
        old_key = hmac.new(secret, owners[row_id].encode(), hashlib.sha256).hexdigest()[:40]
        base = {"tenant_id": info.tenant_id, "round_id": round_id, "respondent": old_key,
                "week": info.week, "department_id": a.department_id}
        items = [(i, v, None) for i, v in a.scores.items()]
        items += [("worked_with", 1, t) for t in a.worked_with]
        items += [("blocked_by", 1, a.blocked_by)] if a.blocked_by is not None else []
        items += [("smoothness", v, t) for t, v in (a.smoothness or {}).items()]
        rows += [{**base, "item": i, "value": v, "target_department_id": t} for i, v, t in items]
    op.bulk_insert(sa.table('response', *(sa.column(c) for c in (
        'tenant_id', 'round_id', 'respondent', 'week', 'department_id', 'item', 'value',
        'target_department_id'))), rows)
