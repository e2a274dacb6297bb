"""What one tick did: filled in by `jobs` (opening, enrolling, closing) and `sender` (sends),
in its own module so neither of the two has to import the other."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TickReport:
    opened: int = 0
    enrolled: int = 0
    nudges: int = 0
    digests: int = 0
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    deferred: int = 0
    unreachable: int = 0
    closed: int = 0
    retention_deleted: int = 0
    directory_synced: int = 0  # platforms whose directory the tick synced
    directory_left: int = 0  # people who stopped getting pulses: gone from the directory
    paired: int = 0  # introductions made by cross-team pairing rounds
    intro_asks: int = 0  # "Did you meet?" questions queued
    errors: list[str] = field(default_factory=list)
