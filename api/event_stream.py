"""Lean pushed responses (SSE streams, waits with heartbeats): one task per response, and
nothing of the request's middleware and dependency chain kept while it streams.

sse-starlette runs four more tasks per stream (body, pings, disconnect and exit listeners) in a
task group, Starlette's StreamingResponse two; and any response streamed from a route keeps the
whole chain above it alive (some 25 coroutines of middleware, routing and FastAPI's dependency
exit stacks). Here:

- the request task alone waits for the next frames with a timeout, sends a heartbeat when none
  came, and at each heartbeat looks whether the client has gone (uvicorn's ``send``
  silently does nothing once it has); a stream that must act on a disconnect at once
  (``on_disconnect``) gets one more task, which waits for the disconnect message;
- with ``StreamHandoff`` installed as the outermost middleware, the response sends its headers
  through the chain (CORS and the rest see them), then hands its body to the middleware and
  returns: the route, its dependencies and the inner middleware finish, and the middleware
  streams the body with the ``send`` it was given (outside every middleware added to the app;
  only Starlette's outermost error middleware wraps it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Protocol

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

SSE_HEARTBEAT = b": heartbeat\r\n\r\n"  # an SSE comment
JSON_HEARTBEAT = b"\n"  # whitespace before a JSON document
HANDOFF = "sight.event_stream_handoff"  # scope key: where a response leaves its body
SEP = b"\r\n"


def frame(event: str, data: bytes, event_id: str | None = None) -> bytes:
    """Encode one SSE frame as the official server writes it.

    ``event: <name>\\r\\ndata: <one-line JSON>\\r\\nid: <seq>\\r\\n\\r\\n`` (CRLF, id after data).
    """
    parts = [b"event: ", event.replace("\n", "").encode(), SEP, b"data: ", data, SEP]
    if event_id is not None:
        parts += [b"id: ", event_id.encode(), SEP]
    parts.append(SEP)
    return b"".join(parts)


class FrameSource(Protocol):
    async def read(self, timeout: float) -> bytes | None:
        """The next encoded frames; b"" when none came within `timeout`; None at the end."""


async def client_gone(receive: Receive) -> bool:
    """Whether the client has disconnected, without waiting for it to.

    After the request body, uvicorn's ``receive`` returns ``http.disconnect`` at once when the
    client has gone, else waits; the zero timeout ends that wait on the next loop turn.
    """
    try:
        async with asyncio.timeout(0):
            return (await receive())["type"] == "http.disconnect"
    except TimeoutError:
        return False


class PushResponse(Response):
    """Push a FrameSource's bytes with `heartbeat` bytes whenever `heartbeat_s` pass without.

    `on_disconnect` is called (synchronously) when the stream stops because the client left.
    """

    def __init__(
        self,
        source: FrameSource,
        *,
        media_type: str = "text/event-stream",
        heartbeat: bytes = SSE_HEARTBEAT,
        heartbeat_s: float,
        headers: dict[str, str] | None = None,
        on_disconnect: Callable[[], None] | None = None,
    ) -> None:
        # As StreamingResponse: no body attribute, so no Content-Length header.
        self.status_code = 200
        self.background = None
        self.media_type = media_type
        self.init_headers(headers)
        self._source = source
        self._heartbeat = heartbeat
        self._heartbeat_s = heartbeat_s
        self._on_disconnect = on_disconnect
        self._gone = False
        self._complete = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if (slot := scope.get(HANDOFF)) is not None:
            slot.append(self)  # StreamHandoff streams the body once the chain has returned
            return
        await self.stream_body(receive, send)

    async def stream_body(self, receive: Receive, send: Send) -> None:
        """Send the frames, heartbeats in between, until the source ends or the client left."""
        watcher = None
        if self._on_disconnect is not None:
            watcher = asyncio.create_task(self._watch(receive, asyncio.current_task()))
        try:
            await self._pump(receive, send)
        except asyncio.CancelledError:
            if not self._gone:
                raise
            asyncio.current_task().uncancel()  # the watcher's cancel: the client left
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
        if self._gone and self._on_disconnect is not None:
            self._on_disconnect()

    async def _pump(self, receive: Receive, send: Send) -> None:
        while (frames := await self._source.read(self._heartbeat_s)) is not None:
            if not frames:
                if await client_gone(receive):
                    self._gone = True
                    return
                frames = self._heartbeat
            await send({"type": "http.response.body", "body": frames, "more_body": True})
        self._complete = True  # the server reports a completed response as a disconnect
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _watch(self, receive: Receive, streaming: asyncio.Task | None) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        if self._complete:
            return
        self._gone = True
        if streaming is not None:
            streaming.cancel()


class StreamHandoff:
    """Outermost middleware: streams the body of a PushResponse after the app returned.

    The response has sent its headers through the app's chain; its body goes out with the
    ``send`` this middleware was given (no middleware inside it touches a body). An error while
    streaming propagates as it would from inside the route: the headers are out, so the
    server logs it and closes the connection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        slot: list[PushResponse] = []
        # The app gets its own copy of the scope: what it leaves there (the request's
        # dependency exit stacks, route objects) is freed before the body streams.
        await self.app({**scope, HANDOFF: slot}, receive, send)
        if slot:
            await slot.pop().stream_body(receive, send)
