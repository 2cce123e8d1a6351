"""How a run reaches a client: an SSE stream of its events, or its final output as JSON."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent

from api.serialize import dumps
from api.sse import frame
from api.streams import RunStream
from api.worker import RunManager
from store.runs import RunRecord

ALWAYS_SENT = {"metadata", "error"}
NOTHING_BEFORE = 2**62


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


def sse_response(
    manager: RunManager,
    run: RunRecord,
    *,
    after: int | None,
    headers: dict[str, str],
    cancel_on_disconnect: bool = False,
    modes: list[str] | None = None,
) -> EventSourceResponse:
    """Stream the run's events after `after` (None: only new ones), then close."""

    async def events() -> AsyncIterator[bytes]:
        finished = False
        try:
            stream = await _stream_of(manager, run)
            start = after
            if start is None:
                start = stream.next_seq - 1 if stream is not None else NOTHING_BEFORE
            async for seq, event, data in manager.streams.replay(run.run_id, start):
                if wanted(event, modes):
                    yield frame(event, data, str(seq))
            finished = True
        finally:
            if not finished and cancel_on_disconnect:
                _cancel_later(manager, run)

    return EventSourceResponse(
        events(),
        headers={**headers, "Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        ping=manager.settings.sse_heartbeat_s,
        ping_message_factory=lambda: ServerSentEvent(comment="heartbeat"),
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


async def wait_body(
    manager: RunManager, run: RunRecord, *, cancel_on_disconnect: bool = False
) -> AsyncIterator[bytes]:
    """Newline heartbeats while the run works, then its final output as one JSON document."""
    stream = await _stream_of(manager, run)
    if stream is None:
        yield dumps(await _thread_fallback(manager, run))
        return
    heartbeat = manager.settings.sse_heartbeat_s
    try:
        while not stream.done:
            try:
                await asyncio.wait_for(asyncio.shield(stream.wait_done()), heartbeat)
            except TimeoutError:
                yield b"\n"
    except asyncio.CancelledError:
        if cancel_on_disconnect:
            _cancel_later(manager, run)
        raise
    yield dumps(result_of(stream))
