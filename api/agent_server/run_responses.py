"""How a run reaches a client: an SSE stream of its events, or its final output as JSON."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from api.event_stream import JSON_HEARTBEAT, PushResponse, frame
from runtime.run_manager import RunManager
from runtime.serialize import dumps
from runtime.streams import RunStream
from sight.errors import InputValidationError
from store.runs import RunRecord

ALWAYS_SENT = {"metadata", "error"}
NOTHING_BEFORE = 2**62
# Stored events are replayed this many at a time: a long run's log is never loaded whole.
REPLAY_PAGE = 500
EVENT_ID = re.compile(r"[0-9]{1,19}")


def parse_last_event_id(value: str) -> int:
    """The seq a Last-Event-ID header names (-1 for "from the start"); 422 if it names none."""
    text = value.strip()
    if text in ("", "-", "-1"):
        return -1
    if EVENT_ID.fullmatch(text) and int(text) <= NOTHING_BEFORE:
        return int(text)
    raise InputValidationError(
        [
            {
                "field": "Last-Event-ID",
                "message": f"{value[:40]!r} is not an event id: send the id of the last event "
                "received (an integer >= 0), or -1 to replay the stream from the start",
            }
        ]
    )


def wanted(event: str, modes: list[str] | None) -> bool:
    """The official join filter: requested modes, their subgraph events, and messages/*."""
    if not modes or event in ALWAYS_SENT or event in modes:
        return True
    if event.startswith("messages") and ("messages" in modes or "messages-tuple" in modes):
        return True
    return "|" in event and event.partition("|")[0] in modes


async def _stream_of(manager: RunManager, run: RunRecord) -> RunStream | None:
    stream = manager.streams.get(run.run_id)
    if stream is None and run.status in ("pending", "running"):
        stream = await manager.streams.open(run.run_id)
    return stream


def _cancel_later(manager: RunManager, run: RunRecord) -> None:
    async def cancel() -> None:
        fresh = await manager.runs.get(run.run_id, run.tenant)
        if fresh is not None and fresh.status in ("pending", "running"):
            await manager.cancel(fresh, "interrupt")

    # The request's own task is being cancelled: the cancel must run on its own.
    manager.spawn(cancel())


class RunFrames:
    """A run's SSE body (a FrameSource): its events after `after` (None: only those still to
    come), stored ones first, then held and live ones, as the client's `modes` filter them."""

    def __init__(
        self, manager: RunManager, run: RunRecord, after: int | None, modes: list[str] | None
    ) -> None:
        self._manager = manager
        self._run = run
        self._after = after
        self._modes = modes
        self._stream: RunStream | None = None
        self._started = False
        self._replaying = True  # stored events may be left to send before the held ones

    async def read(self, timeout: float) -> bytes | None:
        if not self._started:
            self._started = True
            await self._start()
        while self._replaying:
            if page := await self._replay_page():
                return page
        deadline = asyncio.get_running_loop().time() + timeout
        while (stream := self._stream) is not None:
            if held := stream.held_after(self._after):
                self._after = held[-1][0]
                if frames := self._encode(held):
                    return frames
                continue
            if stream.done:
                break
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0 or not await stream.wait_for_more(self._after, left):
                return b""
        return None

    async def _start(self) -> None:
        self._stream = stream = await _stream_of(self._manager, self._run)
        if self._after is None:
            self._after = stream.next_seq - 1 if stream is not None else NOTHING_BEFORE
            self._replaying = False

    async def _replay_page(self) -> bytes:
        """The next page of stored events the client wants (b"" when none of the page is)."""
        assert self._after is not None
        stored = await self._manager.streams.stored_after(
            self._run.run_id, self._after, limit=REPLAY_PAGE
        )
        self._replaying = len(stored) == REPLAY_PAGE
        if stored:
            self._after = stored[-1][0]
        return self._encode(stored)

    def _encode(self, events: list[tuple[int, str, bytes]]) -> bytes:
        return b"".join(
            frame(event, data, str(seq))
            for seq, event, data in events
            if wanted(event, self._modes)
        )


def sse_response(
    manager: RunManager,
    run: RunRecord,
    *,
    after: int | None,
    headers: dict[str, str],
    cancel_on_disconnect: bool = False,
    modes: list[str] | None = None,
) -> PushResponse:
    """Stream the run's events after `after` (None: only new ones), then close."""
    return PushResponse(
        RunFrames(manager, run, after, modes),
        heartbeat_s=manager.settings.sse_heartbeat_s,
        headers={**headers, "Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        on_disconnect=(lambda: _cancel_later(manager, run)) if cancel_on_disconnect else None,
    )


def result_of(stream: RunStream) -> Any:
    if stream.error is not None:
        return {"__error__": stream.error}
    return stream.result if stream.result is not None else {}


async def _thread_fallback(manager: RunManager, run: RunRecord) -> Any:
    thread = await manager.threads.get(run.thread_id, run.tenant)
    if thread is None:
        return {}
    if thread.status == "error" and thread.error:
        return {"__error__": thread.error}
    if thread.status == "interrupted" and thread.interrupts:
        return {"__interrupt__": [i for items in thread.interrupts.values() for i in items]}
    return thread.values or {}


class WaitBody:
    """A run's final output as one JSON document (a FrameSource), sent when the run ends."""

    def __init__(self, manager: RunManager, run: RunRecord) -> None:
        self._manager = manager
        self._run = run
        self._stream: RunStream | None = None
        self._started = self._sent = False

    async def read(self, timeout: float) -> bytes | None:
        if self._sent:
            return None
        if not self._started:
            self._started = True
            self._stream = await _stream_of(self._manager, self._run)
        if self._stream is None:  # finished and forgotten: the thread holds the outcome
            self._sent = True
            return dumps(await _thread_fallback(self._manager, self._run))
        if not await self._stream.wait_done(timeout):
            return b""
        self._sent = True
        return dumps(result_of(self._stream))


def wait_response(
    manager: RunManager,
    run: RunRecord,
    *,
    headers: dict[str, str] | None = None,
    cancel_on_disconnect: bool = False,
) -> PushResponse:
    """Newline heartbeats while the run works, then its final output as one JSON document."""
    return PushResponse(
        WaitBody(manager, run),
        media_type="application/json",
        heartbeat=JSON_HEARTBEAT,
        heartbeat_s=manager.settings.sse_heartbeat_s,
        headers=headers,
        on_disconnect=(lambda: _cancel_later(manager, run)) if cancel_on_disconnect else None,
    )
