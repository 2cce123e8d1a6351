"""Run coroutines side by side so that the first failure stops the others."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def all_or_cancel(jobs: list[Awaitable[T]]) -> list[T]:
    """Run ``jobs`` concurrently and return their results in order; the first failure cancels
    the rest and is raised. Also when the caller is cancelled, every job is cancelled and
    awaited, so none keeps holding a model slot that other runs share."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    if not tasks:
        return []
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, Exception)]
    if failures:
        raise failures[0]
    return list(outcomes)  # type: ignore[arg-type]
