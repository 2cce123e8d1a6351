"""Per-run event logs: ordered, replayable by id, followed live by any number of clients.

Every event of a run gets the next integer id (its ``seq``). While the run lives its events are
held in memory and written behind to ``run_events`` (batched); a client that reconnects with
``Last-Event-ID: n`` gets exactly the events after ``n``: from the database for what memory no
longer holds (a restarted server, a finished run), then from memory, then live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from api.serialize import dumps
from store.run_events import RunEventRepository

log = logging.getLogger(__name__)
Event = tuple[int, str, bytes]


class RunStream:
    """The event log of one run. ``base_seq`` is the first seq this process holds."""

    def __init__(self, run_id: str, base_seq: int = 0) -> None:
        self.run_id = run_id
        self.base_seq = base_seq
        self.events: list[Event] = []
        self.done = False
        self.result: Any = None
        self.error: dict[str, Any] | None = None
        self.persisted = 0  # how many of self.events are in the database
        self._changed = asyncio.Event()
        self._finished = asyncio.Event()

    @property
    def next_seq(self) -> int:
        return self.base_seq + len(self.events)

    def publish(self, event: str, payload: Any) -> int:
        """Append an event; wake the followers. Returns its seq."""
        seq = self.next_seq
        self.events.append((seq, event, dumps(payload)))
        self._wake()
        return seq

    def close(self) -> None:
        """Mark the run's stream finished (after its final status is stored)."""
        self.done = True
        self._finished.set()
        self._wake()

    async def wait_done(self) -> None:
        await self._finished.wait()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def follow(self, after: int) -> AsyncIterator[Event]:
        """Yield held events with seq > after, then live ones until the stream closes."""
        index = max(after + 1 - self.base_seq, 0)
        while True:
            while index < len(self.events):
                yield self.events[index]
                index += 1
            if self.done:
                return
            await self._changed.wait()


class StreamRegistry:
    """Live run streams of this process, with write-behind persistence and retention."""

    def __init__(
        self,
        events: RunEventRepository,
        *,
        flush_interval_s: float = 0.2,
        keep_in_memory_s: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._repo = events
        self._streams: dict[str, RunStream] = {}
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

    async def open(self, run_id: str) -> RunStream:
        """Return the run's stream, creating it to continue after what the database holds."""
        stream = self._streams.get(run_id)
        if stream is None:
            stream = RunStream(run_id, base_seq=await self._repo.last_seq(run_id) + 1)
            stream.persisted = 0
            self._streams[run_id] = stream
        return stream

    def open_new(self, run_id: str) -> RunStream:
        """Create the stream of a run that has never run (seq starts at 0), synchronously."""
        return self._streams.setdefault(run_id, RunStream(run_id))

    async def finish(self, stream: RunStream) -> None:
        """Close a run's stream, persist its tail, and forget it after the grace period."""
        stream.close()
        await self._flush(stream)
        loop = asyncio.get_running_loop()
        loop.call_later(self._keep_s, self._forget, stream)

    def _forget(self, stream: RunStream) -> None:
        if self._streams.get(stream.run_id) is stream and stream.persisted == len(stream.events):
            del self._streams[stream.run_id]

    def drop(self, run_id: str) -> None:
        """Forget a run at once (its run row was deleted, e.g. rollback)."""
        stream = self._streams.pop(run_id, None)
        if stream is not None:
            stream.close()

    async def replay(self, run_id: str, after: int) -> AsyncIterator[Event]:
        """Yield every event with seq > after: stored ones first, then held and live ones."""
        stream = self._streams.get(run_id)
        upto = stream.base_seq if stream is not None else None
        if upto is None or after + 1 < upto:
            for seq, event, data in await self._repo.after(run_id, after):
                if upto is not None and seq >= upto:
                    break
                yield seq, event, data.encode()
                after = seq
        if stream is not None:
            async for item in stream.follow(after):
                yield item

    async def purge(self, ended_before: datetime) -> int:
        """Delete stored events of runs that ended before the cutoff."""
        return await self._repo.purge(ended_before)

    async def _flush(self, stream: RunStream) -> None:
        pending = stream.events[stream.persisted :]
        if not pending:
            return
        rows = [(seq, event, data.decode()) for seq, event, data in pending]
        await self._repo.append(stream.run_id, rows, self._clock())
        stream.persisted += len(pending)

    async def flush_all(self) -> None:
        for stream in list(self._streams.values()):
            try:
                await self._flush(stream)
            except Exception:  # noqa: BLE001 - retried on the next tick; never kills the loop
                log.warning("could not persist events of run %s", stream.run_id, exc_info=True)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval_s)
            await self.flush_all()
