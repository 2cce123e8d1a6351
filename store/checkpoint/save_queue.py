"""Group commit: saves queued by many runs leave together, one statement per batch.

At most ``pool.max_size`` flushers run. Each takes a connection, then every queued save
(one per thread and namespace, at most ``MAX_BATCH``) with the writes staged for it at
that moment, and runs :data:`~store.checkpoint.save_sql.SAVE_SQL` once. Alone, a save goes
out at once; under load, saves pile up while the flushers are busy and share a commit.
A save's future resolves when its statement has committed. If a shared statement fails,
each of its saves is retried alone, so one bad save fails only its own caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from store.checkpoint.save_sql import SAVE_SQL, Row, SaveParams
from store.checkpoint.write_stage import StreamKey, WriteStage

logger = logging.getLogger(__name__)

MAX_BATCH = 64  # saves per statement


class Save:
    """A checkpoint with its blobs, or (``checkpoint=None``) only a stream's staged writes."""

    __slots__ = ("alone", "blobs", "checkpoint", "future", "key")

    def __init__(self, key: StreamKey, checkpoint: tuple | None, blobs: list[Row]) -> None:
        self.key = key
        self.checkpoint = checkpoint  # the arguments of SaveParams.add_checkpoint
        self.blobs = blobs
        self.future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.alone = False  # retried in a statement of its own after a shared one failed


class SaveQueue:
    def __init__(self, pool: AsyncConnectionPool, stage: WriteStage) -> None:
        self.pool = pool
        self.stage = stage
        self.commits = 0  # statements committed
        self._queue: deque[Save] = deque()
        self._pending: dict[StreamKey, set[asyncio.Future[None]]] = {}  # queued or running
        self._flushers: set[asyncio.Task[None]] = set()

    def submit(
        self, key: StreamKey, checkpoint: tuple | None = None, blobs: Iterable[Row] = ()
    ) -> asyncio.Future[None]:
        save = Save(key, checkpoint, list(blobs))
        self._queue.append(save)
        self._pending.setdefault(key, set()).add(save.future)
        save.future.add_done_callback(lambda f: self._done(key, f))
        if len(self._flushers) < self.pool.max_size:
            task = asyncio.get_running_loop().create_task(self._flush())
            self._flushers.add(task)
            task.add_done_callback(self._flushers.discard)
        return save.future

    def pending(self, key: StreamKey) -> set[asyncio.Future[None]]:
        """Futures of the saves of this stream that are queued or running."""
        return set(self._pending.get(key, ()))

    def keys(self) -> list[StreamKey]:
        return list(self._pending)

    def _done(self, key: StreamKey, future: asyncio.Future[None]) -> None:
        pending = self._pending.get(key)
        if pending is not None:
            pending.discard(future)
            if not pending:
                del self._pending[key]
        if not future.cancelled() and (exc := future.exception()) is not None:
            logger.debug("checkpoint save failed: %r", exc)

    async def _flush(self) -> None:
        while self._queue:
            try:
                async with self.pool.connection() as conn:
                    await self._save_batch(conn)
            except Exception as exc:  # noqa: BLE001 - no connection: no save may wait forever
                while self._queue:
                    save = self._queue.popleft()
                    if not save.future.done():
                        save.future.set_exception(exc)

    async def _save_batch(self, conn: AsyncConnection) -> None:
        # Take the batch only now, connection in hand: the longer we wait, the more rides.
        batch = self._next_batch()
        if not batch:
            return
        taken = [self.stage.take(save.key) for save in batch]
        params = SaveParams()
        for save, rows in zip(batch, taken, strict=True):
            params.add_blobs(save.blobs)
            params.add_writes(rows)
            if save.checkpoint is not None:
                params.add_checkpoint(*save.checkpoint)
        try:
            await conn.execute(SAVE_SQL, params.as_dict())
        except Exception as exc:  # noqa: BLE001 - whatever failed, its callers must hear it
            for save, rows in zip(batch, taken, strict=True):
                self.stage.restage(save.key, rows)
                if len(batch) == 1:
                    if not save.future.done():
                        save.future.set_exception(exc)
                else:  # find the culprit: each save again, alone
                    save.alone = True
                    self._queue.appendleft(save)
            return
        self.commits += 1
        for save in batch:
            if not save.future.done():
                save.future.set_result(None)

    def _next_batch(self) -> list[Save]:
        if self._queue and self._queue[0].alone:
            return [self._queue.popleft()]
        batch: list[Save] = []
        keys: set[StreamKey] = set()
        kept: list[Save] = []
        while self._queue and len(batch) < MAX_BATCH:
            save = self._queue.popleft()
            if save.alone or save.key in keys:  # one save per stream per statement
                kept.append(save)
            else:
                keys.add(save.key)
                batch.append(save)
        self._queue.extendleft(reversed(kept))
        return batch
