"""Per-provider request rate and concurrency caps, shared by every run of a router.

The rate limit is an ``aiolimiter`` leaky bucket (LangChain's InMemoryRateLimiter delivered
~20% of its target rate under concurrency here). Its burst is one second's worth of
requests (at least one), so a per-minute limit does not allow a minute's worth at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiolimiter import AsyncLimiter


def make_limiter(per_minute: float) -> AsyncLimiter:
    """Return a limiter allowing ``per_minute`` requests, bursting one second's worth."""
    per_second = per_minute / 60.0
    burst = max(1.0, per_second)
    return AsyncLimiter(max_rate=burst, time_period=burst / per_second)


class ProviderLimits:
    """A concurrency cap and a rate limit for one provider (either may be absent)."""

    def __init__(self, per_minute: float | None, concurrency: int | None) -> None:
        self.limiter = make_limiter(per_minute) if per_minute else None
        self.semaphore = asyncio.Semaphore(concurrency) if concurrency else None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a concurrency slot, then take a rate token, for the duration of one request."""
        # Slot first: taking a rate token and then queueing for a slot would let
        # queued requests fire in a burst when slots free up.
        if self.semaphore is None:
            if self.limiter is not None:
                await self.limiter.acquire()
            yield
            return
        async with self.semaphore:
            if self.limiter is not None:
                await self.limiter.acquire()
            yield
