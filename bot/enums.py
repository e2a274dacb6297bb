"""Identifiers shared by every layer."""

from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    EXECUTIVE = "executive"
    ADMIN = "admin"


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class DeliveryKind(StrEnum):
    PULSE = "pulse"
    NUDGE = "nudge"
    DIGEST = "digest"
    CONVERSATION = "convo"  # in an anonymous conversation (`bot/listening/conversations.py`)


class DeliveryState(StrEnum):
    """The outbox state machine: pending -> claimed -> sending -> sent | failed | unknown;
    missed if late. `claimed`: a sender holds it, nothing left yet (safe to give back);
    `sending`: the request may have left (never resent blindly)."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    MISSED = "missed"
    CANCELLED = "cancelled"


class RoundState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
