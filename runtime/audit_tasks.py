"""Audit writes that run after the response: referenced until done, drained on shutdown.

A task the event loop holds only weakly can be garbage-collected mid-write; keeping it in a set
until it finishes prevents that. Each write opens its own database session (the repository
does), never the request's (seed 000's critical issue #2). A failed write is logged as a
warning and never reaches the client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class AuditTasks:
    """Background audit writes of one app."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, write: Coroutine[Any, Any, Any], *, what: str) -> asyncio.Task[None]:
        """Run `write` in the background; `what` names it in the warning if it fails."""
        task = asyncio.create_task(self._guarded(write, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @staticmethod
    async def _guarded(write: Coroutine[Any, Any, Any], what: str) -> None:
        try:
            await write
        except Exception as exc:  # noqa: BLE001 - an audit failure must not escape the task
            log.warning("audit write failed (%s): %s: %s", what, type(exc).__name__, exc)

    @property
    def pending(self) -> int:
        """Writes still running."""
        return len(self._tasks)

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Wait for the running writes (at most `timeout_s`); cancel the ones still running."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=timeout_s)
        for task in late:
            task.cancel()
        if late:
            log.warning("%d audit write(s) cancelled at shutdown", len(late))
            await asyncio.gather(*late, return_exceptions=True)
