"""The Sight server the serving benchmark measures, in its own process.

    python -m evals.benchmarks.serving_server PORT

Reads SIGHT_* settings from the environment (never a .env file) and serves, on 127.0.0.1 only,
the registered graphs plus three benchmark graphs:

- ``ticker``: one node that waits for the benchmark's gate (so every client is connected
  before the first tick), then emits ``{"ts": time.time(), "k": k}`` as a custom stream event
  every ``interval`` seconds, ``ticks`` times, starting ``phase`` seconds after the gate;
- ``ten_steps``: 10 nodes in a row, each awaiting ``asyncio.sleep(0.005)``;
- ``slow_start``: a first node that sleeps ``SLOW_START_S`` (model time), then one more.

Routes under ``/bench`` exist only here. ``POST /bench/go`` opens the gate, starts the bare
tickers when asked, and (from its first call on) times the run manager, its repositories, the
checkpointer and the run-event write-behind, counts SQL statements, event-loop lag and garbage
collection pauses. ``GET /bench/stats`` reports those since the last go, with the asyncio task
and gc object counts; ``GET /bench/types`` counts live objects by type (coroutines by name), which
the benchmark diffs before and after the streams open. ``/bench/bare/...`` serve the baselines: plain sse-starlette streams fed
from memory, no Sight code in their path.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import inspect
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import httpx
import orjson
import uvicorn
from fastapi import FastAPI, Request
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from sqlalchemy import event
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.app import create_app
from runtime.registry import GraphSpec, graph_specs
from sight.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
STEPS = 10
STEP_SLEEP_S = 0.005
SLOW_START_S = 0.2
GATE_TIMEOUT_S = 600.0  # a ticker never waits longer than this for the gate
LAG_PERIOD_S = 0.01
LAG_MAX_SAMPLES = 60_000  # 10 minutes of samples; the monitor stops after that


class Feed:
    """An in-memory event list followed by any number of readers (the bare baseline)."""

    def __init__(self) -> None:
        self.events: list[bytes] = []
        self.done = False
        self._changed = asyncio.Event()

    def publish(self, data: bytes | None) -> None:
        if data is None:
            self.done = True
        else:
            self.events.append(data)
        self._changed.set()
        self._changed = asyncio.Event()

    async def follow(self) -> AsyncIterator[bytes]:
        index = len(self.events)
        while True:
            while index < len(self.events):
                yield self.events[index]
                index += 1
            if self.done:
                return
            await self._changed.wait()


@dataclass
class Bench:
    """What the benchmark routes share with the ticker graph (its run context)."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0
    feeds: dict[int, Feed] = field(default_factory=dict)
    lag_ms: list[float] = field(default_factory=list)
    gc_ms: dict[int, list[float]] = field(default_factory=lambda: {0: [], 1: [], 2: []})
    _gc_started: float = 0.0
    flush_calls: list[float] = field(default_factory=list)  # ms per run-event INSERT transaction
    flush_rows: int = 0
    flush_ticks: list[float] = field(default_factory=list)  # ms per write-behind pass
    sql: dict[str, int] = field(default_factory=dict)  # statements by first keyword
    calls: dict[str, list[float]] = field(default_factory=dict)  # name -> [calls, total ms]
    opened_at: float = 0.0
    background: set[asyncio.Task[Any]] = field(default_factory=set)

    async def wait_gate(self) -> None:
        self.waiting += 1
        try:
            await asyncio.wait_for(self.gate.wait(), GATE_TIMEOUT_S)
        except TimeoutError:
            pass  # never hang a run: tick anyway
        finally:
            self.waiting -= 1

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        """gc.callbacks hook: how long each collection, by generation, stops the loop."""
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif len(self.gc_ms[info["generation"]]) < LAG_MAX_SAMPLES:
            self.gc_ms[info["generation"]].append((time.perf_counter() - self._gc_started) * 1000)

    async def monitor_lag(self) -> None:
        """Event-loop lag: how late a 10 ms sleep wakes up."""
        while len(self.lag_ms) < LAG_MAX_SAMPLES:
            started = time.perf_counter()
            await asyncio.sleep(LAG_PERIOD_S)
            self.lag_ms.append((time.perf_counter() - started - LAG_PERIOD_S) * 1000)


# --- graphs ---------------------------------------------------------------------------------
class TickerState(TypedDict, total=False):
    ticks: int
    interval: float
    phase: float
    sent: int


async def tick(state: TickerState, runtime: Runtime[Bench]) -> dict[str, Any]:
    """Wait for the gate, then emit a timestamped custom event every `interval` seconds."""
    await runtime.context.wait_gate()
    interval = float(state.get("interval", 0.5))
    start = time.monotonic() + float(state.get("phase", 0.0))
    ticks = int(state.get("ticks", 20))
    for k in range(ticks):
        await asyncio.sleep(max(0.0, start + k * interval - time.monotonic()))
        runtime.stream_writer({"ts": time.time(), "k": k})
    return {"sent": ticks}


def build_ticker() -> StateGraph:
    builder = StateGraph(TickerState, context_schema=Bench)
    builder.add_node(tick)
    builder.add_edge(START, "tick")
    builder.add_edge("tick", END)
    return builder


class StepsState(TypedDict, total=False):
    topic: str
    done: int


def _step(index: int, delay_s: float):  # noqa: ANN202
    async def step(state: StepsState) -> dict[str, Any]:
        await asyncio.sleep(delay_s)
        return {"done": index + 1}

    step.__name__ = f"step_{index}"
    return step


def build_ten_steps() -> StateGraph:
    """10 nodes in a row, ~5 ms of awaited work each (shared with the in-process baseline)."""
    builder = StateGraph(StepsState)
    previous = START
    for i in range(STEPS):
        builder.add_node(f"step_{i}", _step(i, STEP_SLEEP_S))
        builder.add_edge(previous, f"step_{i}")
        previous = f"step_{i}"
    builder.add_edge(previous, END)
    return builder


def build_slow_start() -> StateGraph:
    builder = StateGraph(StepsState)
    builder.add_node("think", _step(0, SLOW_START_S))
    builder.add_node("answer", _step(1, 0.0))
    builder.add_edge(START, "think")
    builder.add_edge("think", "answer")
    builder.add_edge("answer", END)
    return builder


# --- benchmark routes -------------------------------------------------------------------------
def _instrument(app: FastAPI, bench: Bench) -> None:
    """Time the run-event write-behind (each INSERT transaction, each flush pass), count SQL
    statements, and time every coroutine method of the repositories and the checkpointer."""
    streams = app.state.runs.streams
    if getattr(streams, "_bench_instrumented", False):
        return
    repo = streams._repo  # noqa: SLF001 - measurement only
    append_many, flush_all = repo.append_many, streams.flush_all

    async def timed_append_many(rows: list, now: Any) -> None:
        started = time.perf_counter()
        try:
            await append_many(rows, now)
        finally:
            bench.flush_calls.append((time.perf_counter() - started) * 1000)
            bench.flush_rows += len(rows)

    async def timed_flush_all() -> None:
        started = time.perf_counter()
        try:
            await flush_all()
        finally:
            bench.flush_ticks.append((time.perf_counter() - started) * 1000)

    repo.append_many, streams.flush_all = timed_append_many, timed_flush_all
    streams._bench_instrumented = True

    def count_sql(_conn, _cursor, statement: str, *_args: Any) -> None:  # noqa: ANN001
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
        bench.sql[verb] = bench.sql.get(verb, 0) + 1

    def count_commit(_conn: Any) -> None:
        bench.sql["(commit)"] = bench.sql.get("(commit)", 0) + 1

    resources, manager = app.state.resources, app.state.runs
    event.listen(resources.engine.sync_engine, "before_cursor_execute", count_sql)
    event.listen(resources.engine.sync_engine, "commit", count_commit)
    targets = {
        "runs": manager.runs,
        "queue": manager.queue,
        "threads": manager.threads,
        "run_events": repo,
        "saver": resources.checkpointer,
    }
    skip = {("run_events", "append_many"), ("saver", "setup")}  # timed above / nested in every call
    wrap = [
        (target, prefix, name)
        for prefix, target in targets.items()
        for name, _ in inspect.getmembers(type(target), inspect.iscoroutinefunction)
        if not name.startswith("_") and (prefix, name) not in skip
    ]
    # The run's path through the manager: whole execution, the graph alone, the bookkeeping.
    path = ("_execute", "_stream_graph", "_finish", "refresh_thread")
    wrap += [(manager, "manager", name) for name in path]
    wrap += [(streams, "streams", name) for name in ("open", "finish")]
    for target, prefix, name in wrap:
        setattr(target, name, _timed(getattr(target, name), f"{prefix}.{name}", bench.calls))


def _timed(method: Any, name: str, calls: dict[str, list[float]]) -> Any:
    """Count a coroutine method's calls and add up their wall time (ms)."""

    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await method(*args, **kwargs)
        finally:
            entry = calls.setdefault(name, [0, 0.0])
            entry[0] += 1
            entry[1] += (time.perf_counter() - started) * 1000

    return timed


async def _bare_ticker(feed: Feed, ticks: int, interval: float, phase: float) -> None:
    start = time.monotonic() + phase
    for k in range(ticks):
        await asyncio.sleep(max(0.0, start + k * interval - time.monotonic()))
        feed.publish(orjson.dumps({"ts": time.time(), "k": k}))
    feed.publish(None)


def add_bench_routes(app: FastAPI, bench: Bench, heartbeat_s: float) -> None:
    @app.post("/bench/go")
    async def go(request: Request) -> dict[str, Any]:
        body = await request.json() if await request.body() else {}
        bare = body.get("bare")
        _instrument(app, bench)
        for series in (bench.lag_ms, bench.flush_calls, bench.flush_ticks, *bench.gc_ms.values()):
            series.clear()
        bench.sql.clear()
        bench.calls.clear()
        bench.flush_rows = 0
        bench.opened_at = time.monotonic()
        if body.get("lag", True):
            bench.spawn(bench.monitor_lag())
            if bench.on_gc not in gc.callbacks:
                gc.callbacks.append(bench.on_gc)
        if bare:
            channels, interval = int(bare["channels"]), float(bare["interval"])
            for ch in range(channels):
                phase = ch * interval / channels
                feed = bench.feeds.setdefault(ch, Feed())
                bench.spawn(_bare_ticker(feed, int(bare["ticks"]), interval, phase))
        bench.gate.set()
        return {"ok": True}

    @app.get("/bench/stats")
    async def stats() -> dict[str, Any]:
        times = os.times()
        return {
            "tasks": len(asyncio.all_tasks()),
            "waiting": bench.waiting,
            "gc_objects": len(gc.get_objects()),
            "cpu_s": times.user + times.system,
            "since_go_s": time.monotonic() - bench.opened_at if bench.opened_at else 0.0,
            "lag_ms": bench.lag_ms,
            "gc_ms": bench.gc_ms,
            "flush_calls_ms": bench.flush_calls,
            "flush_rows": bench.flush_rows,
            "flush_ticks_ms": bench.flush_ticks,
            "sql": bench.sql,
            "calls": bench.calls,
        }

    @app.get("/bench/types")
    async def types(collect: bool = False) -> dict[str, int]:
        """Live gc-tracked objects by type name (diff two calls to see what a stream holds)."""
        if collect:
            gc.collect()
        counts: dict[str, int] = {}
        for obj in gc.get_objects():
            name = type(obj).__qualname__
            if name == "coroutine":
                name += " " + obj.cr_code.co_qualname + (" done" if obj.cr_frame is None else "")
            counts[name] = counts.get(name, 0) + 1
        return counts

    @app.get("/bench/bare/{channel}/stream")
    async def bare_stream(channel: int) -> EventSourceResponse:
        feed = bench.feeds.setdefault(channel, Feed())

        async def events() -> AsyncIterator[ServerSentEvent]:
            seq = 0
            async for data in feed.follow():
                yield ServerSentEvent(data=data.decode(), event="custom", id=str(seq))
                seq += 1

        return EventSourceResponse(events(), ping=heartbeat_s)

    @app.post("/bench/bare/first")
    async def bare_first() -> EventSourceResponse:
        async def events() -> AsyncIterator[ServerSentEvent]:
            yield ServerSentEvent(data='{"run_id":"bare"}', event="metadata", id="0")

        return EventSourceResponse(events(), ping=heartbeat_s)


# --- starting it (from the benchmark's process) -------------------------------------------
@dataclass
class Server:
    port: int
    pid: int
    problems: list[str] = field(default_factory=list)  # its log's messages, set when it stops

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the benchmark dies, so no server outlives it (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def server_process(database_url: str | None = None) -> Iterator[Server]:
    """Start serving_server.py on a free loopback port with a fresh data dir (and, if given,
    that database instead of SQLite); stop it after."""
    with tempfile.TemporaryDirectory(prefix="sight-serving-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGHT_")}
        env.update(
            SIGHT_DATA_DIR=str(Path(tmp) / "data"),
            SIGHT_PROVIDER="fake",
            SIGHT_LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        if database_url:
            env["SIGHT_DATABASE_URL"] = database_url
        port, log_path = _free_port(), Path(tmp) / "server.log"
        log = log_path.open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "evals.benchmarks.serving_server", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads exist yet in this process
        )
        server = Server(port, proc.pid)
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited with {proc.returncode}")
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/ok", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start in 60 s")
                time.sleep(0.1)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
            log.close()
            server.problems = log_messages(log_path.read_text(errors="replace"))


def log_messages(text: str, limit: int = 8) -> list[str]:
    """The distinct messages of a server log with their counts (traceback bodies left out)."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        if (
            not line.strip()
            or line[0].isspace()
            or line.startswith(("Traceback", "The above", "["))
        ):
            continue
        if line.startswith("(Background on this error"):
            continue
        key = line[:160]
        counts[key] = counts.get(key, 0) + 1
    return [f"{n}x {msg}" for msg, n in list(counts.items())[:limit]]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raise_fd_limit(wanted: int = 65_536) -> int:
    """Raise the soft open-files limit towards the hard one; return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main(port: int) -> None:
    raise_fd_limit()
    settings = load_settings(_env_file=None)
    if settings.api_keys:
        raise SystemExit("the serving benchmark runs without API keys (loopback only)")
    bench = Bench()
    extra = {
        "ticker": GraphSpec("ticker", build_ticker, lambda _resources, _run=None: bench, None),
        "ten_steps": GraphSpec(
            "ten_steps", build_ten_steps, lambda _resources, _run=None: None, None
        ),
        "slow_start": GraphSpec(
            "slow_start", build_slow_start, lambda _resources, _run=None: None, None
        ),
    }
    app = create_app(settings, graphs={**graph_specs(), **extra}, freeze_gc=True)
    add_bench_routes(app, bench, settings.sse_heartbeat_s)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(int(sys.argv[1]))
