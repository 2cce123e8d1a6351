"""Task writes waiting, per thread and namespace, for the save that will carry them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence

from store.checkpoint.save_sql import Row

logger = logging.getLogger(__name__)

StreamKey = tuple[str, str]  # (thread_id, checkpoint_ns)
Staged = tuple[Row, bool]  # (BasePostgresSaver._dump_writes row, upsert?)

# Statements a stream's writes may fail with an error about the data (not the connection)
# before they are dropped: a row PostgreSQL refuses must not be retried forever.
MAX_ATTEMPTS = 3


class WriteStage:
    """Serialised writes keyed like ``checkpoint_writes``' primary key, with a linger timer.

    The conflict rules are the stock saver's, applied in memory: a regular write keeps the
    first value under its (checkpoint, task, idx) (``ON CONFLICT DO NOTHING``); a batch made
    only of special writes replaces it (``DO UPDATE``). ``on_linger(key)`` is called when a
    stream's writes have waited ``linger_s``.
    """

    def __init__(self, linger_s: float, on_linger: Callable[[StreamKey], None]) -> None:
        self.linger_s = linger_s
        self._on_linger = on_linger
        self._rows: dict[StreamKey, dict[tuple[str, str, int], Staged]] = {}
        self._timers: dict[StreamKey, asyncio.TimerHandle] = {}
        self._failures: dict[StreamKey, int] = {}  # data errors since the last commit
        self.refused = 0  # rows dropped after MAX_ATTEMPTS

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def keys(self) -> list[StreamKey]:
        return list(self._rows)

    def add(self, key: StreamKey, rows: Iterable[Row], *, upsert: bool) -> None:
        staged = self._stream(key)
        for row in rows:
            if upsert:
                staged[row[2], row[3], row[5]] = (row, True)
            else:
                staged.setdefault((row[2], row[3], row[5]), (row, False))

    def take(self, key: StreamKey) -> list[Staged]:
        """Remove and return a stream's writes (to commit them, or to drop them)."""
        if (timer := self._timers.pop(key, None)) is not None:
            timer.cancel()
        staged = self._rows.pop(key, None)
        return list(staged.values()) if staged else []

    def drop(self, key: StreamKey) -> int:
        """Forget a stream's writes; return how many there were."""
        self._failures.pop(key, None)
        return len(self.take(key))

    def committed(self, key: StreamKey) -> None:
        self._failures.pop(key, None)

    def restage(
        self, key: StreamKey, rows: Sequence[Staged], error: BaseException | None = None
    ) -> None:
        """Put back rows whose commit failed; rows staged since then win.

        ``error``: the statement failed because of its data. After ``MAX_ATTEMPTS`` such
        failures in a row the rows are dropped, with an ERROR log.
        """
        if not rows:
            return
        if error is not None:
            failures = self._failures[key] = self._failures.get(key, 0) + 1
            if failures >= MAX_ATTEMPTS:
                del self._failures[key]
                self.refused += len(rows)
                logger.error(
                    "dropping %d checkpoint writes of thread %r, namespace %r, checkpoints %s"
                    " after %d failed attempts (%s)",
                    len(rows),
                    key[0],
                    key[1],
                    sorted({row[2] for row, _ in rows}),
                    failures,
                    type(error).__name__,
                )
                return
        staged = self._stream(key)
        for row, upsert in rows:
            staged.setdefault((row[2], row[3], row[5]), (row, upsert))

    def rearm(self, key: StreamKey) -> None:
        if (timer := self._timers.pop(key, None)) is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._timers[key] = loop.call_later(self.linger_s, self._fire, key)

    def linger(self, key: StreamKey) -> None:
        """Arm the timer again for writes still staged after their save failed."""
        if key in self._rows and key not in self._timers:
            self.rearm(key)

    def _stream(self, key: StreamKey) -> dict[tuple[str, str, int], Staged]:
        staged = self._rows.get(key)
        if staged is None:
            staged = self._rows[key] = {}
            self.rearm(key)
        return staged

    def _fire(self, key: StreamKey) -> None:
        self._timers.pop(key, None)
        if key in self._rows:
            self._on_linger(key)
