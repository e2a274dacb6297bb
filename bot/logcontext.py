"""What a log line is about, carried by context variables: the inbound request, the workspace
or tenant, the delivery. Set where they are known (the HTTP middleware, the sender), read by
`ContextFilter` into every record, so a JSON log line can be joined to its request without
any call site passing ids along. Never a person, an answer or a secret: only opaque ids.

A leaf of the core's shared vocabulary (stdlib only), so the core, the scheduler and the
adapters can all set them.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("crosspulse_request_id", default=None)
workspace: ContextVar[str | None] = ContextVar("crosspulse_workspace", default=None)
delivery_id: ContextVar[int | None] = ContextVar("crosspulse_delivery_id", default=None)

FIELDS = ("request_id", "workspace", "delivery_id")


class ContextFilter(logging.Filter):
    """Copies the context's ids onto each record (None where unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.workspace = workspace.get()
        record.delivery_id = delivery_id.get()
        return True
