"""Proactive pacing of sends per rate scope (a Slack workspace, a Teams tenant or chat).

aiolimiter's leaky bucket spaces the sends so a fan-out stays under the platform's limit
instead of running into it. When the sender drains with a budget shared by every replica
(`bot/pulse/budget.py`, PostgreSQL), the turn is taken from the database instead, so N replicas
together keep the one limit. A 429's Retry-After is not kept here: the sender pauses the
scope in the tick's time (scheduler/sender.py), so a moved clock moves the pause too.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque

from aiolimiter import AsyncLimiter

from bot.pulse.budget import SharedBudget, shared_budget

BURST = 4  # sends allowed back to back before the bucket spaces them
LATE_FLOOR = 0.05  # seconds
RETAKES = 3  # late turns given up before sending anyway (a database that slow is the limit)


class Pacer:
    def __init__(self, *, rate: float, burst: int = BURST) -> None:
        self.rate = rate
        self.burst = burst
        self._slots: defaultdict[str, deque[float]] = defaultdict(deque)  # reserved, shared
        # How late a slot may still be used: a burst's worth, and never under what an event
        # loop's timer can keep (else every send at a high rate would look late).
        self._late = max(burst / rate, LATE_FLOOR)
        self._limiters: defaultdict[str, AsyncLimiter] = defaultdict(
            lambda: AsyncLimiter(burst, burst / rate)
        )

    async def wait_turn(self, scope: str) -> None:
        """Until this scope may send one more message at its rate (across replicas when the
        drain shares a budget: one row per scope and limit, so a chat's several limits and
        a workspace's stay apart)."""
        budget = shared_budget.get()
        if budget is None:
            await self._limiters[scope].acquire()
            return
        key = f"{scope}@{self.rate:g}/{self.burst}"
        loop = asyncio.get_running_loop()
        for _ in range(RETAKES):
            slot = await self._slot(budget, key)
            await asyncio.sleep(slot - loop.time())
            # Woken well after our slot (a busy event loop, a slow database): the sends
            # whose slots passed meanwhile would reach the platform together, more than its
            # bucket holds after an idle spell. Give this slot up and take the next free one.
            if loop.time() - slot <= self._late:
                return

    async def _slot(self, budget: SharedBudget, key: str) -> float:
        """The next slot this process holds for `key` (event-loop time). At high rates the
        database hands out a few slots at a time (about 20 ms of sending), not one per send."""
        slots, loop = self._slots[key], asyncio.get_running_loop()
        while slots and loop.time() - slots[0] > self._late:
            slots.popleft()  # passed while we were not sending (a drain ended): lost
        if not slots:
            asked = loop.time()
            count = max(1, min(self.burst, int(self.rate * 0.02)))
            reserved = await budget.reserve(
                scope=key, rate=self.rate, burst=self.burst, count=count
            )
            slots.extend(asked + wait for wait in reserved)
        return slots.popleft()

    def has_capacity(self, scope: str) -> bool:
        """Whether one more send in this scope would go out without waiting (in-process)."""
        return self._limiters[scope].has_capacity()
