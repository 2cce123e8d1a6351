"""Task writes waiting, per thread and namespace, for the save that will carry them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence

from store.checkpoint.save_sql import Row

StreamKey = tuple[str, str]  # (thread_id, checkpoint_ns)
Staged = tuple[Row, bool]  # (BasePostgresSaver._dump_writes row, upsert?)


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

    def restage(self, key: StreamKey, rows: Sequence[Staged]) -> None:
        """Put back rows whose commit failed; rows staged since then win."""
        if rows:
            staged = self._stream(key)
            for row, upsert in rows:
                staged.setdefault((row[2], row[3], row[5]), (row, upsert))

    def rearm(self, key: StreamKey) -> None:
        loop = asyncio.get_running_loop()
        self._timers[key] = loop.call_later(self.linger_s, self._fire, key)

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
