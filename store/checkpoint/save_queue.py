"""Group commit: saves queued by many runs leave together, one statement per batch.

At most ``pool.max_size`` flushers run. Each takes a connection, then the queued saves it
may take (one per thread and namespace, at most ``MAX_BATCH``) with the writes staged for
them at that moment, and runs :data:`~store.checkpoint.save_sql.SAVE_SQL` once. Alone, a
save goes out at once; under load, saves pile up while the flushers are busy and share a
commit. A save's future resolves when its statement has committed.

* Saves of one stream commit one after another, in the order they were queued: a stream
  with a statement under way sits out until it is done, so a checkpoint never commits
  before a statement that carries the writes it was made from.
* If a shared statement fails, each of its saves is retried alone, so one bad save fails
  only its own caller; its writes go back to the stage.
* A flusher that gets no connection (``PoolTimeout``) fails only the saves that waited as
  long as it did; saves queued since then wait for the next attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable, Sequence

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from store.checkpoint.save_sql import SAVE_SQL, Row, SaveParams
from store.checkpoint.write_stage import Staged, StreamKey, WriteStage

logger = logging.getLogger(__name__)

MAX_BATCH = 64  # saves per statement


class CheckpointFlushError(RuntimeError):
    """``aclose()`` dropped writes it could not commit; ``errors``: the failures on the way."""

    def __init__(self, errors: Sequence[BaseException], dropped: int) -> None:
        kinds = ", ".join(sorted({type(e).__name__ for e in errors})) or "no error"
        super().__init__(
            f"{dropped} checkpoint writes dropped uncommitted after {len(errors)} failed"
            f" saves ({kinds})"
        )
        self.errors = list(errors)
        self.dropped = dropped


class Save:
    """A checkpoint with its blobs, or (``checkpoint=None``) only a stream's staged writes."""

    __slots__ = ("alone", "blobs", "checkpoint", "future", "key", "queued_at")

    def __init__(self, key: StreamKey, checkpoint: tuple | None, blobs: list[Row]) -> None:
        loop = asyncio.get_running_loop()
        self.key = key
        self.checkpoint = checkpoint  # the arguments of SaveParams.add_checkpoint
        self.blobs = blobs
        self.future: asyncio.Future[None] = loop.create_future()
        self.alone = False  # retried in a statement of its own after a shared one failed
        self.queued_at = loop.time()


class SaveQueue:
    def __init__(self, pool: AsyncConnectionPool, stage: WriteStage) -> None:
        self.pool = pool
        self.stage = stage
        self.commits = 0  # statements committed
        self._queue: deque[Save] = deque()
        self._pending: dict[StreamKey, set[asyncio.Future[None]]] = {}  # queued or running
        self._running: set[StreamKey] = set()  # streams with a statement under way
        self._queued_writes: dict[StreamKey, Save] = {}  # writes-only saves not yet taken
        self._flushers: set[asyncio.Task[None]] = set()

    def submit(
        self, key: StreamKey, checkpoint: tuple | None = None, blobs: Iterable[Row] = ()
    ) -> asyncio.Future[None]:
        if checkpoint is None and (queued := self._queued_writes.get(key)) is not None:
            return queued.future  # not taken yet: it will carry what is staged now
        save = Save(key, checkpoint, list(blobs))
        self._queue.append(save)
        if checkpoint is None:
            self._queued_writes[key] = save
        self._pending.setdefault(key, set()).add(save.future)
        save.future.add_done_callback(lambda f: self._done(save))
        if len(self._flushers) < self.pool.max_size:
            task = asyncio.get_running_loop().create_task(self._flush())
            self._flushers.add(task)  # a flusher removes itself (see _flush) ...
            task.add_done_callback(self._flushers.discard)  # ... unless cancelled unstarted
        return save.future

    def pending(self, key: StreamKey) -> set[asyncio.Future[None]]:
        """Futures of the saves of this stream that are queued or running."""
        return set(self._pending.get(key, ()))

    def keys(self) -> list[StreamKey]:
        return list(self._pending)

    def _done(self, save: Save) -> None:
        pending = self._pending.get(save.key)
        if pending is not None:
            pending.discard(save.future)
            if not pending:
                del self._pending[save.key]
        future = save.future
        if not future.cancelled() and (exc := future.exception()) is not None:
            # A checkpoint's caller hears of its failure; writes-only saves have none.
            logger.log(
                logging.DEBUG if save.checkpoint else logging.WARNING,
                "checkpoint save of thread %r, namespace %r failed: %s",
                save.key[0],
                save.key[1],
                type(exc).__name__,
            )

    def _fail(self, save: Save, exc: BaseException) -> None:
        if not save.future.done():
            save.future.set_exception(exc)
        if not self.pool.closed:
            self.stage.linger(save.key)  # writes still staged: the timer must try again

    def _ready(self) -> bool:
        return any(save.key not in self._running for save in self._queue)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._ready():
                started, connected = loop.time(), False
                try:
                    async with self.pool.connection() as conn:
                        connected = True
                        await self._save_batch(conn)
                except Exception as exc:  # noqa: BLE001 - no save may wait forever
                    if connected:  # the batch is settled; returning the connection failed
                        logger.warning("checkpoint flusher: %r", exc)
                    else:
                        self._fail_waiting(started, exc)
        finally:
            # No await between the last _ready() and this: a submit() that finds the
            # flushers all busy can count on one of them to look at the queue again.
            self._flushers.discard(asyncio.current_task())  # type: ignore[arg-type]

    def _fail_waiting(self, started: float, exc: Exception) -> None:
        """Fail the saves this flusher would have taken, had it got a connection."""
        kept: deque[Save] = deque()
        for save in self._queue:
            if save.queued_at <= started and save.key not in self._running:
                if self._queued_writes.get(save.key) is save:
                    del self._queued_writes[save.key]
                self._fail(save, exc)
            else:
                kept.append(save)
        self._queue = kept

    async def _save_batch(self, conn: AsyncConnection) -> None:
        # Take the batch only now, connection in hand: the longer we wait, the more rides.
        batch = self._next_batch()
        keys = [save.key for save in batch]
        self._running.update(keys)
        taken: list[list[Staged]] = [[] for _ in batch]
        try:
            taken = [self.stage.take(key) for key in keys]
            params = SaveParams()
            for save, rows in zip(batch, taken, strict=True):
                params.add_blobs(save.blobs)
                params.add_writes(rows)
                if save.checkpoint is not None:
                    params.add_checkpoint(*save.checkpoint)
            if params:  # nothing staged and no checkpoint: nothing to send
                await conn.execute(SAVE_SQL, params.as_dict())
                self.commits += 1
        except Exception as exc:  # noqa: BLE001 - whatever failed, its callers must hear it
            self._failed(batch, taken, exc)
            return
        except BaseException:  # cancelled: nothing taken may be lost, no caller left hanging
            for save, rows in zip(batch, taken, strict=True):
                self.stage.restage(save.key, rows)
                save.future.cancel()
            raise
        finally:
            self._running.difference_update(keys)
        for save in batch:
            self.stage.committed(save.key)
            if not save.future.done():
                save.future.set_result(None)

    def _failed(self, batch: list[Save], taken: list[list[Staged]], exc: Exception) -> None:
        # Not the connection's fault, so the data's: retrying the same rows won't help.
        data_error = not isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)
        for save, rows in zip(batch, taken, strict=True):
            if len(batch) == 1:
                # Only a writes-only statement surely failed because of its writes.
                blame = exc if data_error and save.checkpoint is None else None
                self.stage.restage(save.key, rows, blame)
                self._fail(save, exc)
            else:  # find the culprit: each save again, alone
                self.stage.restage(save.key, rows)
                save.alone = True
        if len(batch) > 1:
            self._queue.extendleft(reversed(batch))

    def _next_batch(self) -> list[Save]:
        """The first queued save of each idle stream; one retried alone goes by itself."""
        batch: list[Save] = []
        skipped: set[StreamKey] = set(self._running)
        kept: list[Save] = []
        while self._queue and len(batch) < MAX_BATCH:
            save = self._queue.popleft()
            if save.key in skipped or (save.alone and batch):
                skipped.add(save.key)  # a later save of this stream must wait its turn
                kept.append(save)
                continue
            if self._queued_writes.get(save.key) is save:
                del self._queued_writes[save.key]
            batch.append(save)
            skipped.add(save.key)
            if save.alone:
                break
        self._queue.extendleft(reversed(kept))
        return batch
