"""Per-run event logs: ordered, replayable by id, followed live by any number of clients.

Every event of a run gets the next integer id (its ``seq``). While the run lives its events are
held in memory and written behind to ``run_events``: each flush pass stores the pending events of
every stream in one transaction. A client that reconnects with ``Last-Event-ID: n`` gets exactly
the events after ``n``: from the database for what memory no longer holds (a restarted server, a
finished run), then from memory, then live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from runtime.serialize import dumps
from sight.clock import utc_now
from store.run_events import RunEventRepository, UnknownRunError

log = logging.getLogger(__name__)
Event = tuple[int, str, bytes]
Row = tuple[str, int, str, str]  # (run_id, seq, event, data) as stored
T = TypeVar("T")


async def _wait(event: asyncio.Event, timeout: float | None) -> bool:
    """Wait for `event`; False if `timeout` passed first (no task is created)."""
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


class RunStream:
    """The event log of one run. ``base_seq`` is the first seq this process holds."""

    def __init__(
        self,
        run_id: str,
        base_seq: int = 0,
        on_publish: Callable[[RunStream], None] | None = None,
    ) -> None:
        self.run_id = run_id
        self.base_seq = base_seq
        self.events: list[Event] = []
        self.done = False
        self.result: Any = None
        self.error: dict[str, Any] | None = None
        self.persisted = 0  # how many of self.events are in the database
        self._changed = asyncio.Event()
        self._finished = asyncio.Event()
        self._on_publish = on_publish

    @property
    def next_seq(self) -> int:
        return self.base_seq + len(self.events)

    def publish(self, event: str, payload: Any) -> int:
        """Append an event; wake the followers. Returns its seq."""
        seq = self.next_seq
        self.events.append((seq, event, dumps(payload)))
        if self._on_publish is not None:
            self._on_publish(self)
        self._wake()
        return seq

    def close(self) -> None:
        """Mark the run's stream finished (after its final status is stored)."""
        self.done = True
        self._finished.set()
        self._wake()

    async def wait_done(self, timeout: float | None = None) -> bool:
        """Wait until the stream closes; False if `timeout` passed first."""
        return await _wait(self._finished, timeout)

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def held_after(self, after: int) -> list[Event]:
        """The events this process holds with seq > after."""
        return self.events[max(after + 1 - self.base_seq, 0) :]

    async def wait_for_more(self, after: int, timeout: float) -> bool:
        """Wait until an event with seq > after is held or the stream closes; False on timeout."""
        if self.done or self.next_seq - 1 > after:
            return True
        return await _wait(self._changed, timeout)


class StreamRegistry:
    """Live run streams of this process, with write-behind persistence and retention.

    Flushes hold ``_lock``: one at a time, and ``finish()`` waits for the one in flight, so once
    it returns nothing of that stream is still being written (the run may then be deleted).
    """

    def __init__(
        self,
        events: RunEventRepository,
        *,
        flush_interval_s: float = 0.2,
        keep_in_memory_s: float = 60.0,
        clock: Callable[[], datetime] = utc_now,
        is_live: Callable[[str], Awaitable[bool]] | None = None,
    ) -> None:
        self._repo = events
        self._is_live = is_live  # whether a run is still pending or running (as stored)
        self._streams: dict[str, RunStream] = {}
        # Streams that may hold unpersisted events, oldest first (a dict as an ordered set), so
        # a pass never walks the idle ones.
        self._dirty: dict[RunStream, None] = {}
        self._lock = asyncio.Lock()
        self._flush_interval_s = flush_interval_s
        self._keep_s = keep_in_memory_s
        self._clock = clock
        self._flusher: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._flusher = asyncio.create_task(self._flush_loop(), name="run-event-flusher")

    async def stop(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        await self.flush_all()

    def get(self, run_id: str) -> RunStream | None:
        return self._streams.get(run_id)

    async def open(self, run_id: str) -> RunStream | None:
        """Return the stream a client follows: the one held, else a new one if the run is still
        pending or running (its task closes it), else None (it ended, or was deleted).

        The new stream is registered before the run's status is read: a run deleted after the
        read is dropped after its delete, which closes the stream, so none is left open.
        """
        stream = self._streams.get(run_id)
        if stream is not None:
            return stream
        stream = await self.open_for_execution(run_id)
        if self._is_live is None or await self._is_live(run_id):
            return stream
        if self._streams.get(run_id) is stream:  # no task will ever close it: forget it now
            self.drop(run_id)
        return None

    async def open_for_execution(self, run_id: str) -> RunStream:
        """Return the run's stream, creating it to continue after what the database holds."""
        stream = self._streams.get(run_id)
        if stream is None:
            base_seq = await self._repo.last_seq(run_id) + 1
            stream = self._streams.setdefault(run_id, self._new(run_id, base_seq))
        return stream

    def open_new(self, run_id: str) -> RunStream:
        """Create the stream of a run that has never run (seq starts at 0), synchronously."""
        stream = self._streams.get(run_id)
        if stream is None:
            stream = self._streams[run_id] = self._new(run_id, 0)
        return stream

    async def finish(
        self,
        stream: RunStream,
        store: Callable[[list[Row]], Awaitable[T]] | None = None,
    ) -> T | None:
        """Persist a run's last events, then close its stream; forget it after the grace period.

        With `store`, the events not yet stored are handed to it (the worker writes them in the
        transaction that stores the run's outcome, one transaction instead of two) and its
        result is returned. It runs without the registry's lock (other runs finish meanwhile):
        the lock is only taken to wait for a flush in flight, and once the run has ended
        nothing else publishes to its stream. If `store` fails, its events stay pending for
        the write-behind, the stream still closes, and the error propagates. Without `store`,
        the tail is flushed here; a tail that cannot be stored yet is left to the next pass.
        """
        result = None
        async with self._lock:  # waits for a flush in flight
            self._dirty.pop(stream, None)
            if store is None:
                await self._flush([stream])
        try:
            if store is not None:
                upto = len(stream.events)
                try:
                    result = await store(_rows(stream, upto))
                except BaseException:
                    self._dirty[stream] = None
                    raise
                stream.persisted = max(stream.persisted, upto)
        finally:
            stream.close()
            asyncio.get_running_loop().call_later(self._keep_s, self._forget, stream)
        return result

    def _forget(self, stream: RunStream) -> None:
        if self._streams.get(stream.run_id) is not stream:
            return
        if stream.persisted == len(stream.events):
            del self._streams[stream.run_id]
        else:  # still held for replay until the flush loop has stored it
            asyncio.get_running_loop().call_later(self._keep_s, self._forget, stream)

    def drop(self, run_id: str) -> None:
        """Forget a run at once (its run row was deleted, e.g. rollback)."""
        stream = self._streams.pop(run_id, None)
        if stream is not None:
            self._dirty.pop(stream, None)
            stream.close()

    async def stored_after(self, run_id: str, after: int, limit: int | None = None) -> list[Event]:
        """Stored events with seq > after that this process does not hold (a restarted server,
        a finished run it has forgotten), the first `limit` of them; the held ones follow from
        ``get(run_id)``."""
        stream = self._streams.get(run_id)
        upto = stream.base_seq if stream is not None else None
        if upto is not None and after + 1 >= upto:
            return []
        rows = await self._repo.after(run_id, after, limit=limit, before=upto)
        return [(seq, event, data.encode()) for seq, event, data in rows]

    async def purge(self, ended_before: datetime) -> int:
        """Delete stored events of runs that ended before the cutoff."""
        return await self._repo.purge(ended_before)

    async def flush_all(self) -> None:
        """Store the pending events of every stream in one transaction."""
        async with self._lock:
            streams, self._dirty = list(self._dirty), {}
            await self._flush(streams)

    def _new(self, run_id: str, base_seq: int) -> RunStream:
        return RunStream(run_id, base_seq, on_publish=self._mark_dirty)

    def _mark_dirty(self, stream: RunStream) -> None:
        self._dirty[stream] = None

    async def _flush(self, streams: list[RunStream]) -> None:
        """Persist these streams' pending events; the caller holds the lock and has taken them
        out of ``_dirty``. Whatever stays unpersisted (a failure, a cancel) goes back to it."""
        # (stream, how many of its events this write covers): publish() may append during it.
        batch = [
            (stream, len(stream.events))
            for stream in streams
            if self._streams.get(stream.run_id) is stream and stream.persisted < len(stream.events)
        ]
        failed: RunStream | None = None
        try:
            if batch:
                failed = await self._write(batch, self._clock())
        finally:
            # Back to the queue, the run that failed last so it cannot starve the others.
            for stream, _ in batch:
                if stream.persisted < len(stream.events) and stream is not failed:
                    self._dirty.setdefault(stream, None)
            if failed is not None:
                self._dirty.pop(failed, None)
                self._dirty[failed] = None

    async def _write(self, batch: list[tuple[RunStream, int]], now: datetime) -> RunStream | None:
        """Store the batch in one transaction, else run by run; return the run that failed."""
        try:
            await self._repo.append_many([row for item in batch for row in _rows(*item)], now)
        except Exception as exc:  # noqa: BLE001 - narrowed below, run by run
            if len(batch) == 1:
                return None if self._dropped(*batch[0], exc) else batch[0][0]
            log.debug("batch of %d runs' events failed (%s)", len(batch), type(exc).__name__)
        else:
            for stream, upto in batch:
                stream.persisted = max(stream.persisted, upto)
            return None
        # One run of the batch must not hold back the others: retry each run on its own, and
        # stop at an error that is not about that run (the database itself may be failing).
        for stream, upto in batch:
            try:
                await self._repo.append_many(_rows(stream, upto), now)
            except Exception as exc:  # noqa: BLE001 - the rest waits for the next pass
                if not self._dropped(stream, upto, exc):
                    return stream
            else:
                stream.persisted = max(stream.persisted, upto)
        return None

    def _dropped(self, stream: RunStream, upto: int, exc: Exception) -> bool:
        """Drop the events of a run that no longer exists (True); keep others pending (False).

        Logs the exception's type only: its message may carry the events' data.
        """
        if isinstance(exc, UnknownRunError):
            log.warning(
                "dropped %d events of run %s: the run no longer exists",
                upto - stream.persisted,
                stream.run_id,
            )
            stream.persisted = upto
            return True
        log.warning(
            "could not persist events of run %s (%s); retrying on the next pass",
            stream.run_id,
            type(exc).__name__,
        )
        return False

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval_s)
            try:
                await self.flush_all()
            except Exception:  # noqa: BLE001 - retried on the next tick; never kills the loop
                log.warning("run event flush failed", exc_info=True)


def _rows(stream: RunStream, upto: int) -> list[Row]:
    return [
        (stream.run_id, seq, event, data.decode())
        for seq, event, data in stream.events[stream.persisted : upto]
    ]
