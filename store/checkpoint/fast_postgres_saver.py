"""A PostgreSQL checkpointer that commits at most once per superstep and never serialises runs.

LangGraph's ``AsyncPostgresSaver`` funnels every call through one instance-wide lock
(langgraph issue #7259), and under the default durability ("async") commits each task's
writes on their own and then the checkpoint: 11 commits for a 4-node run, each an fsync.

``FastPostgresSaver`` subclasses it and keeps its tables, migrations, reads and conflict
rules. It changes how things are saved:

* Every call takes its own pooled connection: no lock; the pool bounds concurrency.
* ``aput_writes`` only stages a task's writes (:mod:`store.checkpoint.write_stage`),
  serialised at once. The Pregel loop submits a superstep's ``aput_writes`` before the
  ``aput`` of the checkpoint they produce, so that ``aput`` finds them and saves them in
  the same statement (:mod:`store.checkpoint.save_sql`): one transaction per superstep.
* Saves are group-committed (:mod:`store.checkpoint.save_queue`): under load, supersteps of
  many runs share a statement and a commit; alone, a save goes out at once. ``aput``
  returns once its rows are committed, so durability="sync" keeps its meaning.

What still holds, and how:

* A checkpoint is never durable without the writes that produced it: they commit in its
  statement or an earlier one. Saves of one thread and namespace never run at once and
  commit in the order they were submitted, so writes a read or the linger timer sent out
  on their own are committed, or back in the stage, before the next checkpoint's
  statement starts. (Writes PostgreSQL refuses are the exception; see below.)
* This process reads its own writes at once: every read (``aget_tuple``, ``alist``, delta
  history, prune) first commits what is staged or queued for the threads it reads and
  waits for it. A save that fails there fails its own caller (or, for writes no caller
  waits for, is logged at WARNING and retried); the read returns what is committed.
* A failed or interrupted superstep: a batch carrying ``__error__`` or ``__interrupt__`` is
  committed before ``aput_writes`` returns (which raises if it fails), together with
  everything staged for that thread and namespace, so the siblings that succeeded are
  stored and a resume, from any process, does not rerun them. Such a superstep has no
  checkpoint; it costs one commit per task that ends with an error or an interrupt
  (siblings cancelled by a failure included), fewer when they share a batch.
* Idempotence matches the stock saver: a regular write keeps the first value stored under
  its (checkpoint, task, idx); a batch made only of special writes (ERROR, INTERRUPT,
  RESUME...) replaces it, in memory and in the database alike.
* Writes that no checkpoint follows (a sibling finishing after a failure, ``update_state``
  with ``Send``, durability="exit"'s last writes) are committed once their thread has had
  no save under way for ``write_linger_s`` (and again after each failed attempt), by the
  next read, or by ``aclose()``.
* One bad save fails only its own caller: a shared statement that fails is retried save
  by save. Strings with NUL bytes, which no text column takes, are refused by ``aput``
  and ``aput_writes`` as the stock saver refuses them. Other writes PostgreSQL refuses are
  dropped, with an ERROR log naming their thread and checkpoints, once statements of
  their own have failed on them ``MAX_ATTEMPTS`` times in a row.
* A save waiting for a connection fails (``PoolTimeout``) only once it has waited the
  pool's timeout, as the stock saver's call would.
* ``aclose()`` commits everything staged or queued, retrying failed saves, and returns
  once nothing is left; writes it had to drop are reported in one
  :class:`~store.checkpoint.save_queue.CheckpointFlushError`.

Trade-off: until its superstep's checkpoint commits, a finished task's writes live only in
this process. If the process dies in that window, a resume reruns those tasks, as it reruns
the tasks that were running at the crash (task execution is at-least-once anyway). The
stock saver would have kept them. The saver needs a pool of autocommit connections (no
single connection, no ``pipe``), and whoever opens it must ``await aclose()`` before
closing the pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    get_serializable_checkpoint_metadata,
)
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.serde.types import _DeltaSnapshot
from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from store.checkpoint.save_queue import CheckpointFlushError, SaveQueue
from store.checkpoint.save_sql import check_text
from store.checkpoint.write_stage import MAX_ATTEMPTS, StreamKey, WriteStage

# A superstep that writes these ends the run (error) or pauses it (interrupt): no
# checkpoint follows to carry its writes, so they are committed before aput_writes returns.
FLUSH_NOW_CHANNELS = frozenset({"__error__", "__interrupt__"})


class FastPostgresSaver(AsyncPostgresSaver):
    """AsyncPostgresSaver on a connection pool with group commit (see the module doc)."""

    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection[DictRow]],
        *,
        serde: SerializerProtocol | None = None,
        write_linger_s: float = 0.2,
    ) -> None:
        if not isinstance(pool, AsyncConnectionPool):
            raise TypeError("FastPostgresSaver needs a psycopg_pool.AsyncConnectionPool")
        if not pool.kwargs.get("autocommit"):
            # Each statement must commit on its own: futures resolve right after it runs.
            raise ValueError(
                "FastPostgresSaver needs a pool of autocommit connections: "
                "AsyncConnectionPool(..., kwargs={'autocommit': True, ...})"
            )
        super().__init__(pool, serde=serde)
        self.pool = pool
        self._stage = WriteStage(write_linger_s, self._on_linger)
        self._queue = SaveQueue(pool, self._stage)
        self._saving: dict[StreamKey, int] = {}  # checkpoint saves under way per stream
        self._other_commits = 0

    @property
    def write_commits(self) -> int:
        """Transactions this saver committed that wrote rows."""
        return self._queue.commits + self._other_commits

    @asynccontextmanager
    async def _cursor(self, *, pipeline: bool = False) -> AsyncIterator[AsyncCursor[DictRow]]:
        # The stock saver's reads, deletes and migrations, each on its own pooled connection.
        async with self.pool.connection() as conn:
            if pipeline:
                async with (
                    conn.pipeline(),
                    conn.transaction(),
                    conn.cursor(binary=True, row_factory=dict_row) as cur,
                ):
                    yield cur
                self._other_commits += 1
            else:
                async with conn.cursor(binary=True, row_factory=dict_row) as cur:
                    yield cur

    # --- saving ----------------------------------------------------------------------

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Stage a task's writes for its thread's next save; errors and interrupts save now."""
        conf = config["configurable"]
        key = (str(conf["thread_id"]), conf.get("checkpoint_ns", ""))
        rows = self._dump_writes(*key, conf["checkpoint_id"], task_id, task_path, writes)
        check_text(value for row in rows for value in row[:8])  # all but the blob
        # No await before staging: the aput submitted after this call must find the rows.
        self._stage.add(key, rows, upsert=all(w[0] in WRITES_IDX_MAP for w in writes))
        if any(w[0] in FLUSH_NOW_CHANNELS for w in writes):
            # Saves of a stream commit in order: once this one has, so have the earlier.
            await asyncio.shield(self._queue.submit(key))

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Save a checkpoint with the writes staged for its thread; return once committed."""
        conf = config["configurable"]
        thread_id, checkpoint_ns = str(conf["thread_id"]), conf["checkpoint_ns"]
        copy = checkpoint.copy()
        copy["channel_values"] = values = dict(copy["channel_values"])
        blob_values = {}
        for k, v in checkpoint["channel_values"].items():  # the stock aput's split
            if isinstance(v, _DeltaSnapshot):
                blob_values[k] = values.pop(k)
                values[k] = True
            elif not (v is None or isinstance(v, (str, int, float, bool))):
                blob_values[k] = values.pop(k)
        blob_versions = {k: v for k, v in new_versions.items() if k in blob_values}
        key = (thread_id, checkpoint_ns)
        row = (
            thread_id,
            checkpoint_ns,
            checkpoint["id"],
            conf.get("checkpoint_id"),
            copy,
            get_serializable_checkpoint_metadata(config, metadata),
        )
        blobs = self._dump_blobs(thread_id, checkpoint_ns, blob_values, blob_versions)
        check_text((*row[:4], *(value for blob in blobs for value in blob[:5])))
        self._saving[key] = self._saving.get(key, 0) + 1
        try:
            # shielded: a caller that gives up does not take the save out of its batch
            await asyncio.shield(self._queue.submit(key, row, blobs))
        finally:
            if (left := self._saving.pop(key) - 1) > 0:
                self._saving[key] = left
        return {
            "configurable": {
                "thread_id": conf["thread_id"],
                "checkpoint_ns": checkpoint_ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

    def _on_linger(self, key: StreamKey) -> None:
        if self._saving.get(key):
            # A checkpoint of this stream is on its way: the run is alive and its next
            # save will carry these writes.
            self._stage.rearm(key)
        else:
            self._queue.submit(key)

    async def _settle(self, keys: Iterable[StreamKey]) -> list[BaseException]:
        """Commit what is staged for these streams, wait for every save under way of them,
        and return how those that failed failed (their callers and the log hear it too)."""
        futures: list[asyncio.Future[None]] = []
        for key in keys:
            if key in self._stage:
                self._queue.submit(key)
            futures.extend(self._queue.pending(key))
        if not futures:
            return []
        results = await asyncio.shield(asyncio.gather(*futures, return_exceptions=True))
        return [r for r in results if isinstance(r, BaseException)]

    def _keys_of(self, thread_id: Any = None, checkpoint_ns: str | None = None) -> set[StreamKey]:
        return {
            k
            for k in (*self._stage.keys(), *self._queue.keys())
            if (thread_id is None or k[0] == str(thread_id))
            and (checkpoint_ns is None or k[1] == checkpoint_ns)
        }

    async def aclose(self) -> None:
        """Commit everything staged or queued; call before closing the pool.

        Failed saves are retried (writes PostgreSQL refuses are dropped after
        ``MAX_ATTEMPTS``). If writes had to be dropped, one error reports them and every
        failure seen on the way; a checkpoint whose save failed has told its caller.
        """
        errors: list[BaseException] = []
        refused = self._stage.refused
        for _ in range(MAX_ATTEMPTS):
            if not (keys := self._keys_of()):
                break
            errors += await self._settle(keys)
        dropped = self._stage.refused - refused
        dropped += sum(self._stage.drop(key) for key in self._stage.keys())
        errors += await self._settle(self._keys_of())  # nothing staged: saves under way
        if dropped:
            raise CheckpointFlushError(errors, dropped)

    # --- reads and deletes see this process's writes ---------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        conf = config["configurable"]
        await self._settle(self._keys_of(conf["thread_id"], conf.get("checkpoint_ns", "")))
        return await super().aget_tuple(config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        conf = config["configurable"] if config else {}
        await self._settle(self._keys_of(conf.get("thread_id"), conf.get("checkpoint_ns")))
        async for item in super().alist(config, filter=filter, before=before, limit=limit):
            yield item

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        conf = config["configurable"]
        await self._settle(self._keys_of(conf["thread_id"], conf.get("checkpoint_ns", "")))
        return await super().aget_delta_channel_history(config=config, channels=channels)

    async def adelete_thread(self, thread_id: str) -> None:
        keys = self._keys_of(thread_id)
        for key in keys:
            self._stage.drop(key)  # deleted anyway: drop, don't commit
        futures = [f for key in keys for f in self._queue.pending(key)]
        if futures:  # saves under way land first, so the delete removes them too
            await asyncio.gather(*futures, return_exceptions=True)
        await super().adelete_thread(thread_id)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        if not isinstance(thread_ids, str):
            await self._settle(k for t in thread_ids for k in self._keys_of(t))
        await super().aprune(thread_ids, strategy=strategy)
