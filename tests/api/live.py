"""A real uvicorn on 127.0.0.1 in a background thread (SSE needs a real server to test), and
helpers to drive it with the official SDK: bounded polling, stream collection, a cutting proxy."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI

T = TypeVar("T")
REQUEST_LINE = re.compile(rb"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve `app` until the block ends; yield its base URL."""
    # Bound here and handed over, so no other process can take the port in between. With
    # protocol 0 asyncio would not set TCP_NODELAY on accepted connections, and every
    # keep-alive response would wait ~40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-test", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


# --- Driving the live server with the official SDK ---------------------------------------------


async def until(check: Callable[[], Awaitable[T | None]], what: str, timeout_s: float = 15.0) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def run_status(client: Any, thread_id: str, run_id: str, statuses: set[str]) -> dict:
    """Wait until the run's status is one of `statuses`; return the run."""

    async def check() -> dict | None:
        run = await client.runs.get(thread_id, run_id)
        return run if run["status"] in statuses else None

    return await until(check, f"run {run_id} to be {sorted(statuses)}")


async def logged(client: Any, thread_id: str, entry: str) -> dict:
    """Wait until the thread's state log holds `entry` (a step has been checkpointed)."""

    async def check() -> dict | None:
        state = await client.threads.get_state(thread_id)
        return state if entry in (state["values"] or {}).get("log", []) else None

    return await until(check, f"{entry!r} in the state log of thread {thread_id}")


async def collect(parts: AsyncIterator[Any], limit: int = 10_000) -> list[Any]:
    """Read a whole SDK stream (StreamPart items) into a list."""
    out = []
    async for part in parts:
        out.append(part)
        if len(out) >= limit:
            raise AssertionError(f"stream did not end after {limit} events")
    return out


class CuttingProxy:
    """A TCP proxy in front of the live server whose open connections a test can cut.

    Cutting closes both sides mid-response, as a restarting load balancer would; later
    connections pass through. `requests` holds the head of every request seen.
    """

    def __init__(self, target_url: str) -> None:
        host, port = target_url.removeprefix("http://").split(":")
        self._target = (host, int(port))
        self._server: asyncio.base_events.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._serving: set[asyncio.Task[Any]] = set()
        self.requests: list[str] = []
        self.url = ""

    async def __aenter__(self) -> CuttingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        self.cut()
        await asyncio.gather(*self._serving, return_exceptions=True)
        await self._server.wait_closed()

    def cut(self) -> None:
        """Drop every open connection at once."""
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._serving.add(task)
        task.add_done_callback(self._serving.discard)
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._open.update({writer, up_writer})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, sniff: bool) -> None:
            try:
                while data := await src.read(65536):
                    if sniff and REQUEST_LINE.match(data):
                        self.requests.append(data.split(b"\r\n\r\n")[0].decode("latin-1"))
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))
        self._open.difference_update({writer, up_writer})


def sse_events(body: str) -> list[tuple[str, Any]]:
    """(event, data) of every frame of an SSE body; heartbeat comments left out."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        fields = dict(line.split(": ", 1) for line in lines if ": " in line)
        if "event" in fields:
            events.append((fields["event"], json.loads(fields.get("data", "null"))))
    return events
