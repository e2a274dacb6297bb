"""Proactive pacing of sends per rate scope (a Slack workspace, a Teams tenant or chat).

aiolimiter's leaky bucket spaces the sends so a fan-out stays under the platform's limit
instead of running into it. A 429's Retry-After is not kept here: the sender pauses the
scope in the tick's time (scheduler/sender.py), so a moved clock moves the pause too.
"""

from __future__ import annotations

from collections import defaultdict

from aiolimiter import AsyncLimiter

BURST = 4  # sends allowed back to back before the bucket spaces them


class Pacer:
    def __init__(self, *, rate: float, burst: int = BURST) -> None:
        self.rate = rate
        self._limiters: defaultdict[str, AsyncLimiter] = defaultdict(
            lambda: AsyncLimiter(burst, burst / rate)
        )

    async def wait_turn(self, scope: str) -> None:
        """Until this scope may send one more message at its rate."""
        await self._limiters[scope].acquire()

    def has_capacity(self, scope: str) -> bool:
        """Whether one more send in this scope would go out without waiting."""
        return self._limiters[scope].has_capacity()
