"""A run's spend held to a hard budget: every call reserves before it starts, settles after.

``TokenBudget`` (tools.models.usage) stops a run once its budget is spent, so calls in flight
can overshoot it. A ``SpendLedger`` cannot be overshot as long as no call uses more than it
reserved: a call reserves its input tokens (counted on the real prompt, with a margin for the
provider's own tokenizer) plus its output cap before it starts, and the call starts only when
spent + reserved + its reservation stays within the budget. When it does not fit but other
calls hold reservations, it waits for them to settle (they usually use less than they
reserved); when nothing is in flight and it still does not fit, it is refused with
``BudgetWouldExceedError``. After the call the real usage replaces the reservation.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sight.errors import BudgetWouldExceedError


@dataclass(frozen=True)
class Hold:
    """One call's reservation."""

    tokens: int
    usd: float


class SpendLedger:
    """Spent and reserved tokens and USD of one run against ``max_tokens`` / ``max_usd``."""

    def __init__(
        self,
        max_tokens: int | None = None,
        max_usd: float | None = None,
        *,
        spent_tokens: int = 0,
        spent_usd: float = 0.0,
        name: str = "focus_group_budget",
    ) -> None:
        self.max_tokens = max_tokens
        self.max_usd = max_usd
        self.name = name
        self.spent_tokens = spent_tokens
        self.spent_usd = spent_usd
        self.reserved_tokens = 0
        self.reserved_usd = 0.0
        self.holds = 0
        self.refused = 0
        self._waiters: list[asyncio.Future[None]] = []

    def fits(self, tokens: int, usd: float) -> bool:
        """Whether a reservation of this size fits beside what is spent and reserved now."""
        if self.max_tokens is not None:
            if self.spent_tokens + self.reserved_tokens + tokens > self.max_tokens:
                return False
        if self.max_usd is not None:
            # A float sum of many small prices: allow a rounding hair, never a real overshoot.
            if self.spent_usd + self.reserved_usd + usd > self.max_usd + 1e-12:
                return False
        return True

    async def reserve(self, tokens: int, usd: float) -> Hold:
        """Reserve a call's worst case; wait while calls in flight may free room; refuse when
        nothing is in flight and it still does not fit."""
        # One event loop runs every caller, so checking and taking need no lock.
        while not self.fits(tokens, usd):
            if self.holds == 0:
                self.refused += 1
                raise BudgetWouldExceedError(
                    self.name,
                    needed={"tokens": tokens, "usd": round(usd, 8)},
                    spent=self.spent(),
                    limit={"max_tokens": self.max_tokens, "max_usd": self.max_usd},
                )
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self.reserved_tokens += tokens
        self.reserved_usd += usd
        self.holds += 1
        return Hold(tokens, usd)

    def settle(self, hold: Hold, tokens: int, usd: float) -> None:
        """Replace a reservation by what the call really used, and wake the waiting calls.

        Synchronous, so a cancelled call settles before its cancellation propagates."""
        self.reserved_tokens -= hold.tokens
        self.reserved_usd -= hold.usd
        self.holds -= 1
        self.spent_tokens += tokens
        self.spent_usd += usd
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def spent(self) -> dict[str, float]:
        """What the run spent so far (JSON-ready)."""
        return {"tokens": self.spent_tokens, "usd": round(self.spent_usd, 8)}
