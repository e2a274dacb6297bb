"""The work behind the acks runs in its own request's context: one worker runs the jobs of
many requests, and each job's log lines must name its own request id and workspace."""

from __future__ import annotations

import asyncio
import contextvars

from adapters.slack.listeners import Backlog

REQUEST = contextvars.ContextVar("request", default="none")


async def test_each_job_sees_its_own_request_context() -> None:
    backlog = Backlog(workers=1, patience=0.0)
    seen: list[tuple[str, str]] = []

    async def request(name: str) -> None:
        REQUEST.set(name)

        async def job() -> None:
            seen.append((name, REQUEST.get()))

        await backlog.submit(job)

    # One worker: started by the first request, it runs the second request's job too.
    await asyncio.gather(*(request(f"req-{n}") for n in range(3)))
    await backlog.drain(timeout=5)
    assert sorted(seen) == [("req-0", "req-0"), ("req-1", "req-1"), ("req-2", "req-2")]
