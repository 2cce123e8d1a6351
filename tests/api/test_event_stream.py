"""The lean SSE response and its handoff middleware, on a real uvicorn (SSE needs one)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.event_stream import SSE_HEARTBEAT as HEARTBEAT
from api.event_stream import PushResponse, StreamHandoff
from tests.api.live import live_server

HEARTBEAT_S = 0.2


class QueueSource:
    """Frames pushed from the test (thread-safe); None ends the stream."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: asyncio.Queue[bytes | None] | None = None
        self.reads = 0

    def push(self, item: bytes | None) -> None:
        assert self.loop is not None and self.queue is not None
        self.loop.call_soon_threadsafe(self.queue.put_nowait, item)

    async def read(self, timeout: float) -> bytes | None:
        if self.queue is None:
            self.loop, self.queue = asyncio.get_running_loop(), asyncio.Queue()
        self.reads += 1
        try:
            async with asyncio.timeout(timeout):
                return await self.queue.get()
        except TimeoutError:
            return b""


class Probe:
    """What the test app saw: dependency exits, disconnects, stream ends (thread-safe)."""

    def __init__(self) -> None:
        self.source = QueueSource()
        self.dependency_closed = threading.Event()
        self.closed_before_body: bool | None = None
        self.disconnected = threading.Event()
        self.ended = threading.Event()


def make_app(probe: Probe, *, handoff: bool, watch: bool) -> FastAPI:
    app = FastAPI()

    async def resource() -> AsyncIterator[str]:
        yield "held"
        probe.dependency_closed.set()

    class Recording:
        async def read(self, timeout: float) -> bytes | None:
            if probe.closed_before_body is None:
                probe.closed_before_body = probe.dependency_closed.is_set()
            try:
                frames = await probe.source.read(timeout)
            except BaseException:
                probe.ended.set()
                raise
            if frames is None:
                probe.ended.set()
            return frames

    @app.get("/stream")
    async def stream(_held: str = Depends(resource)) -> PushResponse:
        return PushResponse(
            Recording(),
            heartbeat_s=HEARTBEAT_S,
            headers={"X-Test": "1"},
            on_disconnect=probe.disconnected.set if watch else None,
        )

    app.add_middleware(CORSMiddleware, allow_origins=["https://ui.example"])
    if handoff:
        app.add_middleware(StreamHandoff)
    return app


@pytest.fixture(params=[True, False], ids=["handoff", "inline"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, Probe]]:
    probe = Probe()
    with live_server(make_app(probe, handoff=request.param, watch=True)) as url:
        yield url, probe


async def read_until(response: httpx.Response, marker: bytes, timeout_s: float = 5.0) -> bytes:
    got = b""
    async with asyncio.timeout(timeout_s):
        async for chunk in response.aiter_raw():
            got += chunk
            if marker in got:
                return got
    raise AssertionError(f"stream ended before {marker!r}: {got!r}")


async def test_stream_when_frames_pushed_then_sent_in_order_with_headers(served) -> None:
    url, probe = served
    async with (
        httpx.AsyncClient() as client,
        client.stream("GET", f"{url}/stream", headers={"Origin": "https://ui.example"}) as resp,
    ):
        assert resp.headers["content-type"].startswith("text/event-stream")
        assert resp.headers["x-test"] == "1"
        assert "content-length" not in resp.headers
        # CORS saw the headers although the body may be sent from outside its middleware.
        assert resp.headers["access-control-allow-origin"] == "https://ui.example"
        probe.source.push(b"event: a\r\ndata: 1\r\n\r\n")
        probe.source.push(b"event: b\r\ndata: 2\r\n\r\n")
        probe.source.push(None)
        body = b"".join([chunk async for chunk in resp.aiter_raw()])
    assert body.replace(HEARTBEAT, b"") == b"event: a\r\ndata: 1\r\n\r\nevent: b\r\ndata: 2\r\n\r\n"
    assert not probe.disconnected.is_set()


async def test_stream_when_nothing_to_send_then_heartbeat_comments(served) -> None:
    url, probe = served
    async with httpx.AsyncClient() as client, client.stream("GET", f"{url}/stream") as resp:
        started = time.monotonic()
        got = await read_until(resp, HEARTBEAT + HEARTBEAT)
        assert time.monotonic() - started >= HEARTBEAT_S  # not before the first interval
        probe.source.push(None)
    assert got == HEARTBEAT * 2


@pytest.mark.parametrize(("handoff", "closed"), [(True, True), (False, False)])
async def test_body_when_streaming_then_route_dependencies_closed_only_with_handoff(
    handoff: bool, closed: bool
) -> None:
    probe = Probe()
    with live_server(make_app(probe, handoff=handoff, watch=False)) as url:
        async with httpx.AsyncClient() as client, client.stream("GET", f"{url}/stream") as resp:
            probe.source.push(b"data: x\r\n\r\n")
            await read_until(resp, b"data: x")
            probe.source.push(None)
    assert probe.closed_before_body is closed


async def test_stream_when_client_leaves_with_watcher_then_on_disconnect_at_once(served) -> None:
    url, probe = served
    async with httpx.AsyncClient() as client, client.stream("GET", f"{url}/stream") as resp:
        probe.source.push(b"data: x\r\n\r\n")
        await read_until(resp, b"data: x")
    # Well before a heartbeat would have noticed (the watcher waits for the disconnect).
    assert await asyncio.to_thread(probe.disconnected.wait, HEARTBEAT_S * 0.75)
    assert await asyncio.to_thread(probe.ended.wait, 5)


async def test_stream_when_client_leaves_without_watcher_then_ends_at_next_heartbeat() -> None:
    probe = Probe()
    with live_server(make_app(probe, handoff=True, watch=False)) as url:
        async with httpx.AsyncClient() as client, client.stream("GET", f"{url}/stream") as resp:
            probe.source.push(b"data: x\r\n\r\n")
            await read_until(resp, b"data: x")
        reads = probe.source.reads
        # Ended (the source not read again forever), within about one heartbeat.
        await asyncio.sleep(HEARTBEAT_S * 3)
        assert probe.source.reads <= reads + 1
        assert not probe.disconnected.is_set()  # no watcher, no callback
