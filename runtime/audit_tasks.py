"""Audit writes that run after the response: referenced until done, drained on shutdown.

A task the event loop holds only weakly can be garbage-collected mid-write; keeping it in a set
until it finishes prevents that. Each write opens its own database session (the repository
does), never the request's (docs/requirements.md §2.6, known defect #2). A failed write is
logged as a warning and never reaches the client; the warning leaves out the values being
written (a database error would otherwise quote the row, IP address included).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.exc import StatementError

log = logging.getLogger(__name__)

# IPv4 and IPv6 addresses, masked in case a driver's message quotes one.
_HEX = r"[0-9a-fA-F]{1,4}"
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_IPV6 = re.compile(
    rf"(?<![\w:])(?:{_HEX}:){{7}}{_HEX}(?![\w:])"  # full form
    rf"|(?<![\w:])(?:{_HEX}(?::{_HEX})*)?::(?:{_HEX}(?::{_HEX})*)?(?![\w:])"  # with ::
)


def describe_failure(exc: BaseException) -> str:
    """Name a failed write without the values it carried (SQL parameters, IP addresses)."""
    if isinstance(exc, StatementError):
        # str() of a statement error appends the SQL and its parameters: keep the driver's
        # own first line only.
        cause = exc.orig if exc.orig is not None else exc
        text = (str(cause).strip().splitlines() or [""])[0]
        name = f"{type(exc).__name__} ({type(cause).__name__})"
    else:
        text, name = str(exc), type(exc).__name__
    return f"{name}: {_IPV6.sub('<address>', _IPV4.sub('<address>', text))}"


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
            log.warning("audit write failed (%s): %s", what, describe_failure(exc))

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
