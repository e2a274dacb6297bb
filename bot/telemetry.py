"""The service's counters, in one neutral place: the core (answers), the scheduler
(deliveries, 429s, ticks, leadership) and the HTTP server update them; `adapters/server.py`
serves them at `/metrics` when `METRICS=1`.

Why here: `bot/` may not import the scheduler or the adapters, and the scheduler may not import
the adapters, so the one module all three can reach without breaking the dependency rule is
a leaf of the core's shared vocabulary that imports nothing of ours (prometheus_client is
neither a platform nor a web framework). Counting is always on and costs a dictionary update;
only serving them is switched.

Labels are closed vocabularies (platforms, kinds, outcomes, states, reason classes, route
templates) or workspace and tenant ids: never a person, a department or an answer, since a
count per department could reveal a small group.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

DELIVERIES = Counter(
    "crosspulse_deliveries",
    "Outbox rows handled by a sender, by platform, kind and outcome",
    ["platform", "kind", "outcome"],
    registry=REGISTRY,
)
OUTBOX = Gauge(
    "crosspulse_outbox_deliveries",
    "Outbox rows by state, read from the database at scrape time (the same on every replica)",
    ["state"],
    registry=REGISTRY,
)
LAST_SENT = Gauge(
    "crosspulse_last_sent_timestamp_seconds",
    "When the last message of each kind was sent (any replica), read at scrape time",
    ["kind"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "crosspulse_rate_limited",
    "429 answers from a platform, by platform and rate scope (a workspace or tenant id)",
    ["platform", "scope"],
    registry=REGISTRY,
)
RETRY_AFTER = Histogram(
    "crosspulse_retry_after_seconds",
    "Retry-After of the platform's 429 answers",
    ["platform", "scope"],
    buckets=(1, 2, 5, 10, 30, 60, 300, 900),
    registry=REGISTRY,
)
TICK_SECONDS = Histogram(
    "crosspulse_tick_duration_seconds",
    "How long one scheduler tick took (opening, enrolling, closing, sending)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)
ANSWERS = Counter(
    "crosspulse_answers_recorded",
    "Answers sealed, by part (check-in or per-team follow-up)",
    ["part"],
    registry=REGISTRY,
)
REFUSED = Counter(
    "crosspulse_answers_refused",
    "Answers refused, by reason class (never the value or the person)",
    ["reason"],
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "crosspulse_http_requests",
    "Inbound HTTP requests, by route template, method and status",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "crosspulse_http_request_duration_seconds",
    "Time to answer an inbound HTTP request, by route template",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5, 10),
    registry=REGISTRY,
)
LEADER = Gauge(
    "crosspulse_scheduler_leader",
    "1 while this replica holds the scheduler leadership",
    registry=REGISTRY,
)


def scope_label(scope: str) -> str:
    """A sender's rate scope as a label. `ChatPort.rate_scope` gives a workspace or tenant id
    or "" (the whole platform); anything finer (a chat, a conversation, a person's DM) is
    reduced to its kind, the part before the first colon, so no label names a conversation."""
    if not scope:
        return "platform"
    kind, sep, _ = scope.partition(":")
    return kind if sep else scope
