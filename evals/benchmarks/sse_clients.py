"""The client side of the SSE measurements: light clients on plain asyncio sockets, and one
level of the streams benchmark (N streams against a fresh server).

A stream is an ``asyncio.Protocol`` (no task, no StreamReader per connection): it sends a
minimal HTTP/1.1 request, decodes a chunked (or close-delimited) body and parses SSE frames,
stamping each frame with the wall-clock time of the ``data_received`` call that completed it.
Thousands of them fit in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import os
import re
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from evals.benchmarks.serving_server import cpu_s, rss_kb, server_process

FRAME_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
LINE_END = re.compile(rb"\r\n|\n|\r")


def http_request(
    method: str, path: str, port: int, body: bytes = b"", *, keep_alive: bool = True
) -> bytes:
    head = [
        f"{method} {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Accept: text/event-stream",
        "Cache-Control: no-cache",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
    ]
    if body:
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def parse_frame(raw: bytes) -> tuple[str, bytes] | None:
    """(event name, data) of one SSE frame; None for a comment-only frame (heartbeat)."""
    event, data = "message", []
    for line in LINE_END.split(raw):
        if line.startswith(b"data:"):
            data.append(line[5:].removeprefix(b" "))
        elif line.startswith(b"event:"):
            event = line[6:].strip().decode()
    if not data:
        return None
    return event, b"\n".join(data)


@dataclass
class SseStream(asyncio.Protocol):
    """One SSE connection; `on_event(event, data, received_at)` is called per frame."""

    request: bytes
    on_event: Callable[[str, bytes, float], None]
    status: int | None = None
    headers_at: asyncio.Future[int] | None = None
    closed: asyncio.Future[None] | None = None
    frames: int = 0
    _head: bytes = b""
    _chunked: bool = False
    _raw: bytearray = field(default_factory=bytearray)  # undecoded body bytes
    _sse: bytearray = field(default_factory=bytearray)  # decoded body bytes
    _transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if self.status is None:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self._head[:end], self._head[end + 4 :]
            lines = head.split(b"\r\n")
            self.status = int(lines[0].split()[1])
            self._chunked = any(
                line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower()
                for line in lines[1:]
            )
            if self.headers_at is not None and not self.headers_at.done():
                self.headers_at.set_result(self.status)
        if self._chunked:
            self._raw += data
            self._dechunk()
        else:
            self._sse += data
        self._parse(now)

    def _dechunk(self) -> None:
        while True:
            end = self._raw.find(b"\r\n")
            if end < 0:
                return
            size = int(bytes(self._raw[:end]).split(b";")[0] or b"0", 16)
            if size == 0:
                self._raw.clear()
                self.close()
                return
            if len(self._raw) < end + 2 + size + 2:
                return
            self._sse += self._raw[end + 2 : end + 2 + size]
            del self._raw[: end + 2 + size + 2]

    def _parse(self, now: float) -> None:
        while True:
            match = FRAME_END.search(self._sse)
            if match is None:
                return
            raw = bytes(self._sse[: match.start()])
            del self._sse[: match.end()]
            parsed = parse_frame(raw)
            if parsed is not None:
                self.frames += 1
                self.on_event(parsed[0], parsed[1], now)

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.headers_at is not None and not self.headers_at.done():
            self.headers_at.set_exception(exc or ConnectionError("closed before the headers"))
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(None)


@dataclass
class Delays:
    """Delivery delays (ms) of events carrying ``ts``, per stream counts, stray frames."""

    kinds: tuple[str, ...] = ("custom",)
    ms: list[float] = field(default_factory=list)
    other_frames: int = 0

    def record(self, event: str, data: bytes, received_at: float) -> None:
        if event in self.kinds:
            self.ms.append((received_at - orjson.loads(data)["ts"]) * 1000)
        else:
            self.other_frames += 1


async def open_streams(
    port: int,
    paths: Sequence[str],
    on_event: Callable[[str, bytes, float], None],
    *,
    in_flight: int = 200,
    timeout_s: float = 120.0,
) -> tuple[list[SseStream], list[str]]:
    """Open one GET stream per path, `in_flight` handshakes at a time; wait for each one's headers.

    Returns the streams that got 200 and the errors of the others. Stops at `timeout_s`.
    """
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(in_flight)
    opened: list[SseStream] = []
    errors: list[str] = []

    async def one(path: str) -> None:
        async with gate:
            stream = SseStream(http_request("GET", path, port), on_event)
            stream.headers_at = loop.create_future()
            stream.closed = loop.create_future()
            try:
                await loop.create_connection(lambda: stream, "127.0.0.1", port)
                status = await asyncio.wait_for(stream.headers_at, 30)
            except (OSError, TimeoutError) as exc:
                stream.close()
                errors.append(f"{type(exc).__name__}: {exc}")
                return
            if status != 200:
                stream.close()
                errors.append(f"HTTP {status}")
                return
            opened.append(stream)

    tasks = [asyncio.create_task(one(p)) for p in paths]
    done, pending = await asyncio.wait(tasks, timeout=timeout_s)
    for task in pending:
        task.cancel()
        errors.append("timeout opening")
    for task in done:
        with contextlib.suppress(asyncio.CancelledError):
            if task.exception() is not None:
                errors.append(repr(task.exception()))
    return opened, errors


async def close_streams(streams: Sequence[SseStream], timeout_s: float = 10.0) -> None:
    for stream in streams:
        stream.close()
    waits = [s.closed for s in streams if s.closed is not None]
    if waits:
        await asyncio.wait(waits, timeout=timeout_s)


async def time_to_first_event(
    port: int, path: str, body: bytes, *, timeout_s: float = 30.0
) -> tuple[float, float, str]:
    """POST an SSE request on a new connection; return (ms to headers, ms to first frame, its
    event name), reading the stream to its end so the run finishes before the next one."""
    loop = asyncio.get_running_loop()
    first: asyncio.Future[tuple[float, str]] = loop.create_future()

    def on_event(event: str, _data: bytes, _at: float) -> None:
        if not first.done():
            first.set_result((time.perf_counter(), event))

    stream = SseStream(http_request("POST", path, port, body, keep_alive=False), on_event)
    stream.headers_at, stream.closed = loop.create_future(), loop.create_future()
    started = time.perf_counter()
    await asyncio.wait_for(loop.create_connection(lambda: stream, "127.0.0.1", port), timeout_s)
    try:
        status = await asyncio.wait_for(stream.headers_at, timeout_s)
        headers_ms = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"HTTP {status} from {path}")
        first_at, event = await asyncio.wait_for(first, timeout_s)
        await asyncio.wait_for(stream.closed, timeout_s)
    finally:
        stream.close()
    return headers_ms, (first_at - started) * 1000, event


def pct(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# --- 1. SSE streams -----------------------------------------------------------------------------
@dataclass
class Level:
    kind: str
    n: int
    opened: int
    errors: list[str]
    connect_s: float
    delays: list[float]
    expected: int
    kb_per_stream: float
    kb_idle: float
    tasks_per_stream: float
    objects_per_stream: float
    objects_total: int  # gc-tracked objects in the server with the streams open
    top_types: list[tuple[str, float]]  # the object types a stream adds most of, per stream
    server_cpu: float
    client_cpu: float
    other_cpu: float  # cores busy with anything but this server and this client
    stats: dict[str, Any]
    server_log: list[str]

    @property
    def p99(self) -> float:
        return pct(self.delays, 99)


def top_type_deltas(
    before: dict[str, int], after: dict[str, int], streams: int, top: int = 6
) -> list[tuple[str, float]]:
    """The live object types (coroutines by name) that grew most, per stream."""
    grown = ((name, (after.get(name, 0) - before.get(name, 0)) / streams) for name in after)
    return sorted((g for g in grown if g[1] > 0), key=lambda g: -g[1])[:top]


def machine_busy_s() -> float:
    """CPU seconds all CPUs spent busy since boot (/proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


async def _wait_for(check: Callable[[], Awaitable[bool]], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@contextlib.contextmanager
def client_gc_paused() -> Iterator[None]:
    """No collection in this (measuring) process while events arrive: a full collection over
    thousands of streams would stop the loop and count as delivery delay."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


async def _follow_peak_rss(pid: int, streams: Sequence[SseStream], timeout_s: float) -> int:
    """Wait until every stream has ended (or the timeout); return the server's peak RSS (KB)."""
    peak, deadline = rss_kb(pid), time.monotonic() + timeout_s
    pending = [s.closed for s in streams if s.closed is not None]
    while pending and time.monotonic() < deadline:
        _, still = await asyncio.wait(pending, timeout=0.25)
        pending = list(still)
        peak = max(peak, rss_kb(pid))
    return peak


async def stream_level(kind: str, n: int, args: argparse.Namespace) -> Level:
    runs, ticks, interval = args.ticker_runs, args.ticks, args.interval
    with server_process() as srv:
        async with httpx.AsyncClient(base_url=srv.url, timeout=30) as http:
            if kind == "sight":
                joined = []
                for i in range(runs):
                    tid = (await http.post("/threads", json={})).json()["thread_id"]
                    body = {
                        "assistant_id": "ticker",
                        "input": {
                            "ticks": ticks,
                            "interval": interval,
                            "phase": i * interval / runs,
                        },
                        "stream_mode": ["custom"],
                    }
                    run = (await http.post(f"/threads/{tid}/runs", json=body)).raise_for_status()
                    joined.append(
                        f"/threads/{tid}/runs/{run.json()['run_id']}/stream?stream_mode=custom"
                    )

                async def all_waiting() -> bool:
                    return (await http.get("/bench/stats")).json()["waiting"] == runs

                await _wait_for(all_waiting, 60, "the ticker runs to start")
                paths, go = [joined[i % runs] for i in range(n)], {}
            else:
                paths = [f"/bench/bare/{i % runs}/stream" for i in range(n)]
                go = {"bare": {"channels": runs, "ticks": ticks, "interval": interval}}
            await asyncio.sleep(1.0)
            before = (await http.get("/bench/stats")).json()
            types0 = (await http.get("/bench/types")).json()
            rss0 = rss_kb(srv.pid)
            delays = Delays()
            started = time.perf_counter()
            streams, errors = await open_streams(
                srv.port, paths, delays.record, in_flight=args.in_flight, timeout_s=60 + n / 20
            )
            connect_s = time.perf_counter() - started
            await asyncio.sleep(1.0)
            idle = (await http.get("/bench/stats")).json()
            rss_open = rss_kb(srv.pid)
            types1 = (await http.get("/bench/types")).json()
            # The collection before the gate opens: one while events arrive would count as delay.
            with client_gc_paused():
                cpu0, client0, wall0 = cpu_s(srv.pid), time.process_time(), time.perf_counter()
                busy0 = machine_busy_s()
                (await http.post("/bench/go", json=go)).raise_for_status()
                peak = await _follow_peak_rss(srv.pid, streams, ticks * interval + interval + 30)
                wall = time.perf_counter() - wall0
                server_cpu = (cpu_s(srv.pid) - cpu0) / wall
                client_cpu = (time.process_time() - client0) / wall
                other_cpu = (machine_busy_s() - busy0) / wall - server_cpu - client_cpu
            stats = (await http.get("/bench/stats")).json()
            still_open = sum(1 for st in streams if st.closed is not None and not st.closed.done())
            await close_streams(streams)
    opened = max(len(streams), 1)
    return Level(
        kind=kind,
        n=n,
        opened=len(streams),
        errors=errors + [f"{still_open} streams still open at the deadline"] * bool(still_open),
        connect_s=connect_s,
        delays=delays.ms,
        expected=len(streams) * ticks,
        kb_per_stream=(peak - rss0) / opened,
        kb_idle=(rss_open - rss0) / opened,
        tasks_per_stream=(idle["tasks"] - before["tasks"]) / opened,
        objects_per_stream=(idle["gc_objects"] - before["gc_objects"]) / opened,
        objects_total=idle["gc_objects"],
        top_types=top_type_deltas(types0, types1, max(len(streams), 1)),
        server_cpu=server_cpu,
        client_cpu=client_cpu,
        other_cpu=other_cpu,
        stats=stats,
        server_log=srv.problems,
    )


def level_notes(level: Level) -> list[str]:
    """What else one level showed: connects, losses, CPU, memory, tasks, loop lag, GC, writes."""
    s = level.stats
    lag, calls, ticks = s["lag_ms"], s["flush_calls_ms"], s["flush_ticks_ms"]
    gen1, gen2 = s["gc_ms"]["1"], s["gc_ms"]["2"]
    errors = f"{len(level.errors)}{' e.g. ' + level.errors[0] if level.errors else ''}"
    out = [
        f"- {level.kind} {level.n:,}: opened {level.opened:,} in {level.connect_s:.1f} s "
        f"({level.opened / level.connect_s:,.0f}/s), {len(level.delays):,}/{level.expected:,} "
        f"events, errors {errors}; delay P50 {pct(level.delays, 50):.1f} ms, P99 "
        f"{level.p99:.1f} ms, max {max(level.delays, default=math.nan):.1f} ms; "
        f"while ticking: server CPU {level.server_cpu:.0%}, client CPU {level.client_cpu:.0%}, "
        f"other processes {level.other_cpu:.2f} cores; RSS idle {level.kb_idle:.1f} KB/stream, "
        f"peak {level.kb_per_stream:.1f}; {level.tasks_per_stream:.2f} asyncio tasks and "
        f"{level.objects_per_stream:,.0f} gc objects per stream; loop lag P99 "
        f"{pct(lag, 99):.1f} ms, max {max(lag, default=0):.1f} ms; gen-2 GC over "
        f"{level.objects_total:,} objects {len(gen2)}x, max {max(gen2, default=0):.0f} ms "
        f"(gen 1 max {max(gen1, default=0):.0f} ms); most per stream: "
        + ", ".join(f"{per:.1f} {name}" for name, per in level.top_types)
    ]
    if calls:
        span = max(s["since_go_s"], 1e-9)
        out.append(
            f"  run-event write-behind: {len(calls)} INSERT transactions "
            f"({len(calls) / span:.1f}/s, {s['flush_rows'] / len(calls):.1f} events each), "
            f"mean {statistics.mean(calls):.2f} ms, P99 {pct(calls, 99):.1f} ms; flush pass "
            f"P99 {pct(ticks, 99):.1f} ms, max {max(ticks, default=0):.1f} ms"
        )
    out += [f"  server log: {line}" for line in level.server_log]
    return out
