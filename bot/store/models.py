"""SQLModel tables. Responses carry a per-round pseudonym and a week, never a person id."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(instant: datetime) -> datetime:
    """Aware, in UTC, whatever the database driver handed back (SQLite's are naive)."""
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


class Tenant(SQLModel, table=True):
    """One organisation; every other row belongs to one."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Workspace(SQLModel, table=True):
    """A chat installation (a platform's workspace or tenant, the console) of a tenant."""

    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    platform: str = Field(max_length=20)
    external_id: str = Field(max_length=100)
    name: str = Field(default="", max_length=200)
    paused_until: datetime | None = None
    credentials: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Department(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    name: str = Field(max_length=120)


class Person(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    email: str = Field(max_length=320)
    name: str = Field(max_length=200)
    department_id: int = Field(foreign_key="department.id", index=True)
    timezone: str = Field(default="UTC", max_length=64)
    country: str | None = Field(default=None, max_length=2)
    locale: str | None = Field(default=None, max_length=35)  # imported (the org CSV)
    role: str = Field(default="member", max_length=20)
    manager_id: int | None = Field(default=None, foreign_key="person.id")
    pseudonym_salt: str = Field(max_length=64)
    opted_out: bool = False
    nudges_muted: bool = False
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Languages (0015): the person's own choice (`/pulse language`), and the locale their chat
    # platform reports; bot.i18n.choose_language picks in the order choice, CSV, platform,
    # organisation default.
    language: str | None = Field(default=None, max_length=35)
    platform_locale: str | None = Field(default=None, max_length=35)


class PlatformIdentity(SQLModel, table=True):
    """A person's account on a chat platform; a person may have several (one per platform,
    or one per workspace). `workspace` is "" when unknown (an imported id), never NULL, so
    the uniqueness holds alike on SQLite and PostgreSQL (NULLs never collide)."""

    __tablename__ = "platform_identity"
    __table_args__ = (UniqueConstraint("platform", "workspace", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=20)
    workspace: str = Field(default="", max_length=100)
    external_id: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Survey(SQLModel, table=True):
    """The pulse and every setting an admin owns."""

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    name: str = Field(default="Weekly pulse", max_length=120)
    active: bool = True
    cadence: str = Field(default="weekly", max_length=20)
    weekday: int = 1  # Monday = 0
    local_time: str = Field(default="10:00", max_length=5)
    window_days: int = 3
    nudge_after_hours: int = 24
    max_nudges: int = 2
    audience: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    custom_questions: list[dict] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    extra_items_per_round: int = 2
    k_scores: int = 5
    k_comments: int = 10
    retention_weeks: int = 104
    digest_weekday: int = 0
    digest_time: str = Field(default="08:00", max_length=5)
    # The chat directory synced every this many hours by the scheduler (0: never); when the
    # last scheduled sync was claimed, so replicas and restarts keep the pace.
    directory_sync_hours: int = 0
    directory_synced_at: datetime | None = None
    starts_on: date
    created_at: datetime = Field(default_factory=utcnow)
    locale: str | None = Field(default=None, max_length=35)  # the organisation default (0015)


class Round(SQLModel, table=True):
    """One sending of the survey; `slot` is the nominal local date, unique per survey."""

    __table_args__ = (UniqueConstraint("survey_id", "slot"),)
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    slot: date
    week: str = Field(max_length=8, index=True)  # ISO week, e.g. 2026-W48
    questions: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="open", max_length=10)
    closes_at: datetime
    opened_at: datetime = Field(default_factory=utcnow)
    # The thresholds its figures were published under; a lower one later never applies.
    k_scores: int | None = None
    k_comments: int | None = None


class Delivery(SQLModel, table=True):
    """The outbox: one row per message we owe someone, unique by idempotency key."""

    __table_args__ = (
        Index("ix_delivery_due", "state", "due_at"),
        Index("ix_delivery_week", "tenant_id", "week", "kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    round_id: int | None = Field(default=None, foreign_key="round.id", index=True)
    kind: str = Field(max_length=10)
    idempotency_key: str = Field(max_length=120, unique=True)
    week: str | None = Field(default=None, max_length=8)
    due_at: datetime
    closes_at: datetime | None = None
    state: str = Field(default="pending", max_length=10)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    platform: str | None = Field(default=None, max_length=20)
    message_ref: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    claimed_at: datetime | None = None
    # The sender holding the claim (PostgreSQL: its advisory-lock id), so a claim is released
    # only when that sender is gone; None on SQLite, where one process sends.
    claimed_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    sent_at: datetime | None = None
    nudges_sent: int = 0


class SendBudget(SQLModel, table=True):
    """What every replica's sender shares per rate scope (`bot/pulse/budget.py`, PostgreSQL): when
    the next send may go (a GCRA theoretical arrival time), and a 429's pause."""

    __tablename__ = "send_budget"
    scope: str = Field(primary_key=True, max_length=300)
    ready_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    paused_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class Participation(SQLModel, table=True):
    """Who answered which round (for nudges and response rates); nothing about what, or
    when: no time, no stage, so it cannot be lined up with anything else."""

    __table_args__ = (UniqueConstraint("round_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    week: str = Field(max_length=8)


class SealedAnswer(SQLModel, table=True):
    """An answer of a round still open, sealed (`bot/pulse/sealing.py`): a keyed id, no time, one
    size. SQLite keeps the rows in id order (no rowid), so not even the file's order tells
    when one was written. Deleted when the round closes and its answers are published."""

    __tablename__ = "sealed_answer"
    __table_args__ = {"sqlite_with_rowid": False}
    id: str = Field(primary_key=True, max_length=64)
    round_id: int = Field(foreign_key="round.id", index=True)
    box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Response(SQLModel, table=True):
    """One answered item, under the round's pseudonym and a week: no person id, no time.
    Written shuffled when the round closes. `department_id` is None for the pooled answers
    of departments too small to be shown that week (see `bot/pulse/publish.py`)."""

    __table_args__ = (Index("ix_response_week_dept", "week", "department_id"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    respondent: str = Field(max_length=64, index=True)
    week: str = Field(max_length=8)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    item: str = Field(max_length=40)
    value: int
    target_department_id: int | None = Field(default=None, foreign_key="department.id")


class Comment(SQLModel, table=True):
    """A comment, scrubbed before it was sealed; `respondent` is cleared when its author is
    erased (the published text stays, unlinked), `department_id` None when pooled."""

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    respondent: str | None = Field(default=None, max_length=64, index=True)
    week: str = Field(max_length=8, index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    text: str = Field(max_length=2000)
    # The author, sealed with a random nonce (`Sealer.seal_author`), so a reply can reach them:
    # equal authors give unequal boxes. None before conversations existed; once erased, a decoy
    # box of the same size that opens to nobody (`bot.pulse.privacy`), so nothing else changes.
    author: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class Kudos(SQLModel, table=True):
    """A thank-you across teams; not anonymous, the sender chose to sign it."""

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    from_person_id: int = Field(foreign_key="person.id", index=True)
    to_person_id: int = Field(foreign_key="person.id", index=True)
    from_department_id: int = Field(foreign_key="department.id")
    to_department_id: int = Field(foreign_key="department.id")
    week: str = Field(max_length=8, index=True)
    message: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    """What happened and who did it; never a secret or an answer."""

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int | None = Field(default=None, foreign_key="tenant.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=120)
    action: str = Field(max_length=60, index=True)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class WeeklyRollup(SQLModel, table=True):
    """n, sum and sum of squares per week, department, item and target department, kept up
    to date as answers arrive, so a digest never rescans history. `target` 0 means none.
    Items: every response item, plus `respondents`, `invited`, `enps_promoter`,
    `enps_detractor`. Department 0 pools the departments too small to show that week.
    Written once, when the week's round closes: published figures never move."""

    __tablename__ = "weekly_rollup"
    __table_args__ = (
        UniqueConstraint("tenant_id", "week", "department_id", "item", "target"),
        Index("ix_rollup_week", "tenant_id", "week"),
    )
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    week: str = Field(max_length=8)
    department_id: int
    item: str = Field(max_length=40)
    target: int = 0
    n: int = 0
    total: float = 0.0
    sumsq: float = 0.0


class SeenRequest(SQLModel, table=True):
    """Platform requests already handled (signature or event id), so a retry or a replay
    reaching any replica changes nothing. Rows older than the replay window are pruned."""

    __tablename__ = "seen_request"
    key: str = Field(primary_key=True, max_length=200)
    seen_at: datetime = Field(default_factory=utcnow, index=True)


class OAuthState(SQLModel, table=True):
    """One-time state values of install flows in progress (any replica may get the
    redirect)."""

    __tablename__ = "oauth_state"
    state: str = Field(primary_key=True, max_length=100)
    expires_at: datetime


class ConversationRef(SQLModel, table=True):
    """How to reach someone proactively on a platform that needs a stored conversation
    (where a platform needs one): without it, a person who never wrote to the bot cannot be
    messaged."""

    __tablename__ = "conversation_ref"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    user_id: str = Field(max_length=200)
    reference: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reachable: bool = True
    updated_at: datetime = Field(default_factory=utcnow)


class PendingImport(SQLModel, table=True):
    """An organisation CSV sent in the chat, checked and waiting for its admin's confirm:
    encrypted, found by the hash of the confirm button's token, gone after `expires_at`."""

    __tablename__ = "pending_import"
    token_hash: str = Field(primary_key=True, max_length=64)
    tenant_id: int = Field(foreign_key="tenant.id")
    person_id: int  # who sent it: only they may confirm (no foreign key: erasing
    # them is never blocked by it; the row expires with the rest)
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    expires_at: datetime = Field(index=True)


class ConversationThread(SQLModel, table=True):
    """A leader's anonymous conversation with the author of one comment (issue 17). Only the
    leader is named: the author is reached through the comment's sealed `author` box, so the
    row cannot be tied to them without CROSSPULSE_SECRET. No time is stored (nothing to line
    up with what the author did); `week` is the comment's, for retention."""

    __tablename__ = "conversation_thread"
    __table_args__ = (UniqueConstraint("comment_id", "leader_id"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    leader_id: int = Field(foreign_key="person.id", index=True)
    week: str = Field(max_length=8, index=True)
    state: str = Field(default="open", max_length=10)
    unanswered: int = 0  # the leader's replies since the author last answered


class ConversationMessage(SQLModel, table=True):
    """One side's words in a thread, in order of `id`; the author's are scrubbed."""

    __tablename__ = "conversation_message"
    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="conversation_thread.id", index=True)
    side: str = Field(max_length=10)  # "leader" or "author"
    text: str = Field(max_length=2000)


class Introduction(SQLModel, table=True):
    """Two people of two departments the bot introduced (`bot/connect`): for a digest's
    finding, or a cross-team pairing round. `reason` is unique per tenant, so a second click
    or a second replica never introduces the same pair twice. Person ids carry no foreign
    key and become NULL when that person is erased; the departments stay for the effect.

    `seq` numbers a tenant's introductions 1, 2, 3, ... as they are made: the "met" figure
    counts them in fixed blocks of k by it, so deleting old ones never shifts a later block.
    `met` is the outcome as the answers stand (someone's latest answer is yes); answers are
    refused once the answer window closes, so from then on it is frozen: a late change of
    mind or an erasure never moves a figure already published."""

    __table_args__ = (
        UniqueConstraint("tenant_id", "reason"),
        UniqueConstraint("tenant_id", "seq"),
    )
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    reason: str = Field(max_length=300)  # finding:<week>:<kind>:<dept>:<dept> | pairing:<n>:..
    kind: str = Field(max_length=20)  # island | friction | one_sided | pairing
    week: str = Field(max_length=8)  # the ISO week it was made in
    department_a_id: int = Field(foreign_key="department.id")
    department_b_id: int = Field(foreign_key="department.id")
    person_a_id: int | None = Field(default=None, index=True)
    person_b_id: int | None = Field(default=None, index=True)
    pairing_round: int | None = None  # the pairing round that made it
    requested_by: int | None = None  # the executive who clicked (None: a pairing)
    created_at: datetime = Field(default_factory=utcnow)
    seq: int  # 1, 2, 3, ... per tenant, in the order made
    met: bool = False  # frozen when the answer window closes


class IntroductionAnswer(SQLModel, table=True):
    """One person's answer to "Did you meet?" (yes | not_yet | no); the latest given within
    the answer window counts (later ones are refused). Executives see only counts across
    introductions, from `Introduction.met`."""

    __tablename__ = "introduction_answer"
    __table_args__ = (UniqueConstraint("introduction_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    introduction_id: int = Field(foreign_key="introduction.id", index=True)
    person_id: int  # no foreign key: erasing the person deletes the row (privacy.py)
    answer: str = Field(max_length=10)
    answered_at: datetime = Field(default_factory=utcnow)


class IntroSetting(SQLModel, table=True):
    """A person's own `/pulse intros on|off`; no row: their role's default (on for
    managers and leads, off for others)."""

    __tablename__ = "intro_setting"
    person_id: int = Field(primary_key=True)  # no foreign key, like introduction_answer
    enabled: bool
    updated_at: datetime = Field(default_factory=utcnow)


class PairingSetting(SQLModel, table=True):
    """A tenant's cross-team pairings: `cadence` off | weekly | biweekly, no pair repeated
    within `no_repeat_rounds`; `last_run_at` is claimed by a conditional UPDATE, so replicas
    and the CLI never pair twice in one period."""

    __tablename__ = "pairing_setting"
    tenant_id: int = Field(foreign_key="tenant.id", primary_key=True)
    cadence: str = Field(default="off", max_length=10)
    no_repeat_rounds: int = 4
    rounds: int = 0
    last_run_at: datetime | None = None


class ListeningTour(SQLModel, table=True):
    """An executive's listening tour (`bot/listening/tours.py`): a one-off free-text intake
    to some departments until `closes_at`. `departments` are names, `questions` are
    {"key", "text"}; `started_by` has no foreign key (erasing the executive never blocks)."""

    __tablename__ = "listening_tour"
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    started_by: int | None = None
    departments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    questions: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    week: str = Field(max_length=8)  # ISO week it started in: retention counts from it
    opened_at: datetime
    closes_at: datetime
    state: str = Field(default="open", max_length=10)
    k_comments: int = 10  # the comment threshold its summary is shown under
    # How many answered, counted at the close (pooled answers carry no per-person id, so the
    # stored rows cannot be counted in people); None for a tour closed before 0016.
    answered: int | None = None


class ListeningSheet(SQLModel, table=True):
    """One person's answers to an open tour, sealed like a pulse's: a keyed id, no time, one
    size, no rowid (key order). Unsealed, shuffled and written as `listening_answer` rows
    when the tour closes, then deleted."""

    __tablename__ = "listening_sheet"
    __table_args__ = {"sqlite_with_rowid": False}
    id: str = Field(primary_key=True, max_length=64)
    tour_id: int = Field(foreign_key="listening_tour.id", index=True)
    box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class ListeningAnswer(SQLModel, table=True):
    """One scrubbed free-text answer of a closed tour: no person, no time. `department_id` is
    None when the department was pooled (under the comment threshold, or pooled with such
    ones so the pooled answerers are at least the threshold). `sheet` is random, drawn at
    close: one per person in a shown department, one per answer when pooled."""

    __tablename__ = "listening_answer"
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    tour_id: int = Field(foreign_key="listening_tour.id", index=True)
    week: str = Field(max_length=8, index=True)
    sheet: str = Field(max_length=32)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    question: str = Field(max_length=40)
    text: str = Field(max_length=2000)
