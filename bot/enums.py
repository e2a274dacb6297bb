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
    INTRO = "intro"  # an introduction of two people (one row; the port reaches both)
    INTRO_ASK = "intro_ask"  # "Did you meet?" a week after, one row per person
    TOUR = "tour"  # a listening tour's intake (bot/listening/tours.py)
    TOUR_NUDGE = "tour_nudge"
    TOUR_SUMMARY = "tour_sum"  # the tour's summary, to the executive who started it


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


class PairingCadence(StrEnum):
    """How often a tenant's cross-team pairings run (`/pulse pairings`)."""

    OFF = "off"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
