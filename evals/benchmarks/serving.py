"""Serving-layer benchmark: SSE streams per worker, run overhead, KPI latency and first byte.

Every Sight figure is measured against a baseline taken in the same run, on this machine:

1. SSE streams held by ONE uvicorn worker (``serving_server.py``, its own process, fresh per
   level, SQLite defaults in a temporary SIGHT_DATA_DIR): ``--ticker-runs`` ticker runs emit a
   ``{"ts": ...}`` custom event every ``--interval`` s (phases spread over the interval), N
   clients join their streams (``GET /threads/{tid}/runs/{rid}/stream``) from this process on
   raw asyncio sockets. The ticks start only when every client is connected. Delay = receive
   time - ts (one clock). Memory per stream = (peak server RSS while the N streams tick - RSS
   before they connect) / N. Baseline: plain sse-starlette streams fed from memory, in a server
   process of the same kind (``/bench/bare/...``). ``--rounds`` alternate baseline and Sight;
   the round with the lowest P99 of each counts (other work on the machine shows in the notes
   as "other processes ... cores"). This process does not collect garbage while events
   arrive. Goals: P99 <= 50 ms, <= 40 KB per stream.
2. A 10-step graph (5 ms awaited per step): ``graph.ainvoke`` in-process on the same kind of
   checkpointer (SQLite via ``open_checkpointer``) vs ``POST /threads/{tid}/runs/wait`` over
   HTTP, interleaved run by run. Goal: overhead <= 10 %.
3. KPI estimation: in-process ``graph.ainvoke`` (SQLite resources) vs ``POST
   /threads/{tid}/runs/wait`` (and stateless ``/runs/wait``), cache miss (every input new) and
   repeated input (fresh snapshot reused). Goal: P95 <= 30 ms through HTTP.
4. Time to the first SSE byte of ``POST /threads/{tid}/runs/stream`` (the ``metadata`` event)
   for a graph whose first node sleeps 0.2 s; baseline: a bare sse-starlette POST stream that
   yields one event at once. Goal: P95 <= 100 ms.

Threads are created before the timer starts; each timed request carries one run. After the
timed series of 2 and 3, a separate counted pass reports the server's work per run (run-manager
steps, repository calls, SQL statements, checkpointer calls). Everything talks to 127.0.0.1;
every wait is bounded; each server process is stopped at the end of its block (and gets SIGTERM
if this process dies).

With ``--postgres-admin-url``, sections 2-4 (server and in-process baselines alike) run on
PostgreSQL in a throwaway database instead of SQLite.

Usage: python -m evals.benchmarks.serving [--streams 1000,5000] [--runs 200] [--rounds 2]
       [--quick] [--sections 1,2,3,4] [--postgres-admin-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from evals.benchmarks.kpi_latency import payload as kpi_payload
from evals.benchmarks.serving_server import (
    Server,
    build_ten_steps,
    raise_fd_limit,
    server_process,
)
from evals.benchmarks.sse_clients import (
    Level,
    level_notes,
    pct,
    stream_level,
    time_to_first_event,
)
from evals.benchmarks.throwaway_db import DEFAULT_ADMIN_URL, throwaway_database

KPI_DISTINCT_INPUTS = 1640  # kpi_latency.payload(i) has distinct age ranges for i < 1640
# section, measure, Sight, baseline, ratio, goal, met
Row = tuple[str, str, str, str, str, str, str]


# --- 2-4. request latency -----------------------------------------------------------------------
async def interleaved(
    runs: int, warmup: int, fns: dict[str, Callable[[int], Awaitable[Any]]]
) -> dict[str, list[float]]:
    """Time each fn once per round, in turn, so machine load hits every series alike (ms)."""
    out: dict[str, list[float]] = {name: [] for name in fns}
    for i in range(warmup + runs):
        for name, fn in fns.items():
            started = time.perf_counter()
            await asyncio.wait_for(fn(i), 60)
            if i >= warmup:
                out[name].append((time.perf_counter() - started) * 1000)
    return out


async def new_threads(http: httpx.AsyncClient, count: int) -> list[str]:
    return [(await http.post("/threads", json={})).json()["thread_id"] for _ in range(count)]


async def wait_run(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
    response = await http.post(path, json=body)
    response.raise_for_status()
    result = orjson.loads(response.content)
    if isinstance(result, dict) and "__error__" in result:
        raise RuntimeError(f"run failed: {result['__error__']}")
    return result


async def server_work(
    http: httpx.AsyncClient, runs: int, make_body: Callable[[int], dict[str, Any]]
) -> str:
    """Run `runs` more runs with the server counting its work; describe the work per run.

    A separate pass after the timed one: the counting wrappers cost a little.
    """
    tids = await new_threads(http, runs)
    (await http.post("/bench/go", json={"lag": False})).raise_for_status()
    for i, tid in enumerate(tids):
        await wait_run(http, f"/threads/{tid}/runs/wait", make_body(i))
    stats = (await http.get("/bench/stats")).json()
    sql = ", ".join(f"{k} {v / runs:.1f}" for k, v in sorted(stats["sql"].items()))
    # name -> (calls per run, mean ms per call); a run's tail (event flush, driver's next look)
    # may end after its response, so counts are per run and times per call.
    calls = {k: (n / runs, total / n) for k, (n, total) in stats["calls"].items()}

    def ms(name: str) -> float:
        return calls.get(name, (0, 0.0))[1]

    repos = sorted(
        (
            (k, v)
            for k, v in calls.items()
            if k.startswith(("runs.", "queue.", "threads.", "run_events."))
        ),
        key=lambda kv: -kv[1][0] * kv[1][1],
    )
    listed = ", ".join(f"{k} {n:.1f}x {t:.1f} ms" for k, (n, t) in repos)
    saver = ", ".join(
        f"{k} {n:.1f}x {t:.1f} ms" for k, (n, t) in sorted(calls.items()) if k.startswith("saver.")
    )
    return (
        f"manager._execute {ms('manager._execute'):.1f} ms: graph (_stream_graph) "
        f"{ms('manager._stream_graph'):.1f} ms, then _finish {ms('manager._finish'):.1f} ms "
        f"(refresh_thread {ms('manager.refresh_thread'):.1f}), streams.finish "
        f"{ms('streams.finish'):.1f} ms; app-DB repository calls per run (calls x mean): "
        f"{listed} = {sum(n * t for _, (n, t) in repos):.1f} ms; SQL statements per run: "
        f"{sql}; checkpointer calls per run: {saver}"
    )


async def steps_overhead(
    http: httpx.AsyncClient, runs: int, database_url: str | None
) -> dict[str, Any]:
    from sight.settings import load_settings
    from store.checkpoint.factory import open_checkpointer

    warmup = 10
    tids = await new_threads(http, warmup + runs)
    body = {"assistant_id": "ten_steps", "input": {"topic": "t"}}
    with tempfile.TemporaryDirectory(prefix="sight-serving-local-") as tmp:
        settings = load_settings(
            data_dir=Path(tmp), provider="fake", database_url=database_url, _env_file=None
        )
        async with open_checkpointer(settings) as saver:
            graph = build_ten_steps().compile(checkpointer=saver)

            async def local(_: int) -> None:
                config = {"configurable": {"thread_id": str(uuid.uuid4())}}
                result = await graph.ainvoke({"topic": "t"}, config)
                assert result["done"] == 10, result

            async def served(i: int) -> None:
                result = await wait_run(http, f"/threads/{tids[i]}/runs/wait", body)
                assert result["done"] == 10, result

            times = await interleaved(runs, warmup, {"local": local, "served": served})
    return {**times, "work": await server_work(http, 20, lambda _: body)}


async def kpi_latency(
    http: httpx.AsyncClient, runs: int, database_url: str | None
) -> dict[str, Any]:
    from graphs.kpi_estimation import DURABILITY, build_graph, make_context
    from runtime.resources import open_resources
    from sight.settings import load_settings

    warmup, counted = 10, 20
    if 3 * (warmup + runs) + counted > KPI_DISTINCT_INPUTS:
        raise SystemExit(
            f"--runs too large for distinct KPI inputs (max {KPI_DISTINCT_INPUTS // 3 - 20})"
        )
    fresh = itertools.count()  # one payload index per miss run, never reused in this process
    tids = await new_threads(http, 2 * (warmup + runs))
    repeated = {**kpi_payload(0), "age_max": 59}  # miss inputs all have age_max >= 60
    with tempfile.TemporaryDirectory(prefix="sight-serving-local-") as tmp:
        settings = load_settings(
            data_dir=Path(tmp), provider="fake", database_url=database_url, _env_file=None
        )
        async with open_resources(settings) as resources:
            graph = build_graph().compile(checkpointer=resources.checkpointer)
            ctx = make_context(resources)

            async def local(inputs: dict[str, Any]) -> None:
                # With the durability the server gives KPI runs (checkpoint at exit).
                config = {"configurable": {"thread_id": str(uuid.uuid4())}}
                await graph.ainvoke(inputs, config, context=ctx, durability=DURABILITY)

            def served(offset: int, repeat: bool) -> Callable[[int], Awaitable[Any]]:
                async def run(i: int) -> Any:
                    inputs = repeated if repeat else kpi_payload(next(fresh))
                    body = {"assistant_id": "kpi_estimation", "input": inputs}
                    return await wait_run(http, f"/threads/{tids[offset + i]}/runs/wait", body)

                return run

            async def stateless(_: int) -> Any:
                body = {"assistant_id": "kpi_estimation", "input": kpi_payload(next(fresh))}
                return await wait_run(http, "/runs/wait", body)

            async def local_miss(_: int) -> None:
                await local(kpi_payload(next(fresh)))

            async def local_hit(_: int) -> None:
                await local(repeated)

            out = await interleaved(
                runs,
                warmup,
                {"local miss": local_miss, "miss": served(0, False), "stateless": stateless},
            )
            out |= await interleaved(
                runs, warmup, {"local hit": local_hit, "hit": served(warmup + runs, True)}
            )
    work = await server_work(
        http,
        counted,
        lambda _: {"assistant_id": "kpi_estimation", "input": kpi_payload(next(fresh))},
    )
    return {**out, "work": work}


async def first_byte(srv: Server, http: httpx.AsyncClient, runs: int) -> dict[str, list[float]]:
    warmup = 5
    tids = await new_threads(http, warmup + runs)
    out: dict[str, list[float]] = {"headers": [], "first": [], "bare": []}
    body = orjson.dumps({"assistant_id": "slow_start", "input": {"topic": "t"}})
    for i in range(warmup + runs):
        headers_ms, first_ms, event = await time_to_first_event(
            srv.port, f"/threads/{tids[i]}/runs/stream", body
        )
        if event != "metadata":
            raise RuntimeError(f"first event was {event!r}, not metadata")
        _, bare_ms, _ = await time_to_first_event(srv.port, "/bench/bare/first", b"{}")
        if i >= warmup:
            out["headers"].append(headers_ms)
            out["first"].append(first_ms)
            out["bare"].append(bare_ms)
    return out


# --- the table --------------------------------------------------------------------------------
def row(section: str, measure: str, value: float, base: float, goal: float | None = None) -> Row:
    """One table row: figure, baseline, their ratio, and the goal with whether it is met."""
    met = "" if goal is None else ("yes" if value <= goal else "NO")
    goal_text = "" if goal is None else f"<= {goal:g}"
    return section, measure, f"{value:.1f}", f"{base:.1f}", f"{value / base:.2f}x", goal_text, met


def overhead_row(stat: str, served: float, local: float, goal_pct: float = 10) -> Row:
    over = (served - local) / local * 100
    met = "yes" if over <= goal_pct else "NO"
    measure = f"10-step graph, {stat} ms per run"
    return "2", measure, f"{served:.1f}", f"{local:.1f}", f"{over:+.1f}%", f"<= +{goal_pct:g}%", met


def stream_rows(sight: Level, bare: Level) -> list[Row]:
    n = f"{sight.n:,} streams"
    return [
        row("1", f"{n}: delivery delay P50 ms", pct(sight.delays, 50), pct(bare.delays, 50)),
        row("1", f"{n}: delivery delay P99 ms", pct(sight.delays, 99), pct(bare.delays, 99), 50),
        row("1", f"{n}: server RSS KB per stream", sight.kb_per_stream, bare.kb_per_stream, 40),
    ]


def latency_rows(steps: dict | None, kpi: dict | None, ttfb: dict | None) -> list[Row]:
    rows = []
    if steps:
        served, local = steps["served"], steps["local"]
        rows.append(overhead_row("mean", statistics.mean(served), statistics.mean(local)))
        rows.append(overhead_row("P50", statistics.median(served), statistics.median(local)))
        rows.append(row("2", "10-step graph, P95 ms per run", pct(served, 95), pct(local, 95)))
    if kpi:
        for name, local, label in (
            ("miss", "local miss", "cache miss, /threads/{tid}/runs/wait"),
            ("stateless", "local miss", "cache miss, stateless /runs/wait"),
            ("hit", "local hit", "repeated input, /threads/{tid}/runs/wait"),
        ):
            rows.append(row("3", f"KPI {label} P50 ms", pct(kpi[name], 50), pct(kpi[local], 50)))
            rows.append(
                row("3", f"KPI {label} P95 ms", pct(kpi[name], 95), pct(kpi[local], 95), 30)
            )
    if ttfb:
        for p in (50, 95):
            first, bare = pct(ttfb["first"], p), pct(ttfb["bare"], p)
            rows.append(row("4", f"first SSE byte (metadata) P{p} ms", first, bare, 100))
    return rows


def print_report(
    rows: list[Row], notes: list[str], args: argparse.Namespace, load_before: tuple[float, ...]
) -> None:
    load = os.getloadavg()
    print(
        f"\nSight serving benchmark: {os.cpu_count()} CPUs, load average (1/5/15 min) "
        f"{'/'.join(f'{x:.2f}' for x in load_before)} before, "
        f"{'/'.join(f'{x:.2f}' for x in load)} after; {args.runs} runs per latency series; "
        f"{args.ticker_runs} ticker runs x {args.ticks} ticks every {args.interval} s\n"
    )
    header = ("#", "measure", "Sight", "baseline (same run)", "ratio", "goal", "met")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
    print(
        "\nBaselines: 1 = plain sse-starlette streams fed from memory (same server kind); "
        "2, 3 = graph.ainvoke in-process on the same database; 4 = a bare sse-starlette POST "
        "stream."
    )
    print("\n".join(notes))


async def main(args: argparse.Namespace) -> None:
    load_before = os.getloadavg()
    soft = raise_fd_limit()
    needed = max(args.streams, default=0) + 1000
    if soft < needed:
        raise SystemExit(f"open-files limit {soft} < {needed}: raise the hard limit (ulimit -Hn)")
    rows: list[Row] = []
    notes = [f"\nNotes (open-files soft limit {soft}):"]
    if 1 in args.sections:
        for n in args.streams:
            # Rounds alternate the kinds; the least disturbed round (lowest P99) of each counts.
            rounds = [
                (await stream_level("bare", n, args), await stream_level("sight", n, args))
                for _ in range(args.rounds)
            ]
            bare = min((r[0] for r in rounds), key=lambda level: level.p99)
            sight = min((r[1] for r in rounds), key=lambda level: level.p99)
            rows += stream_rows(sight, bare)
            notes += [line for pair in rounds for level in pair for line in level_notes(level)]
    steps = kpi = ttfb = None
    if args.sections & {2, 3, 4}:
        with contextlib.ExitStack() as stack:
            url = None
            if args.postgres_admin_url:
                _, url = stack.enter_context(throwaway_database(args.postgres_admin_url))
                notes.append("- sections 2-4 on PostgreSQL (a throwaway database), not SQLite")
            srv = stack.enter_context(server_process(url))
            async with httpx.AsyncClient(base_url=srv.url, timeout=60) as http:
                if 2 in args.sections:
                    steps = await steps_overhead(http, args.runs, url)
                    notes.append(f"- served 10-step run, server side: {steps['work']}")
                if 3 in args.sections:
                    kpi = await kpi_latency(http, args.runs, url)
                    notes.append(f"- served KPI cache miss, server side: {kpi['work']}")
                if 4 in args.sections:
                    ttfb = await first_byte(srv, http, args.runs)
                    notes.append(
                        f"- first byte: response headers P50 {pct(ttfb['headers'], 50):.1f} ms, "
                        f"P95 {pct(ttfb['headers'], 95):.1f} ms"
                    )
        notes += [f"- server log (sections 2-4): {line}" for line in srv.problems]
    rows += latency_rows(steps, kpi, ttfb)
    print_report(rows, notes, args, load_before)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--streams", default=None, help="streams per level, comma separated (1000,5000)")
    add("--runs", type=int, default=None, help="runs per latency series (200)")
    add("--quick", action="store_true", help="small numbers: a smoke run")
    add("--ticker-runs", type=int, default=None, help="runs the streams join (50)")
    add("--ticks", type=int, default=None, help="events per ticker run (20)")
    add("--interval", type=float, default=0.5, help="seconds between ticks")
    add("--in-flight", type=int, default=200, help="stream handshakes at a time")
    add("--rounds", type=int, default=None, help="rounds per stream level, best counts (2)")
    add("--sections", default="1,2,3,4", help="which measurements to run")
    add(
        "--postgres-admin-url",
        default=None,
        help=f"run sections 2-4 on PostgreSQL, in a throwaway database (e.g. {DEFAULT_ADMIN_URL})",
    )
    args = parser.parse_args(argv)
    quick = {"streams": "100,300", "runs": 20, "ticker_runs": 10, "ticks": 6, "rounds": 1}
    full = {"streams": "1000,5000", "runs": 200, "ticker_runs": 50, "ticks": 20, "rounds": 2}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.streams = [int(s) for s in str(args.streams).split(",") if s.strip()]
    args.sections = {int(s) for s in args.sections.split(",") if s.strip()}
    return args


if __name__ == "__main__":
    arguments = parse_args()
    try:
        import uvloop  # what uvicorn runs the server on; the in-process baselines use it too
    except ImportError:
        asyncio.run(main(arguments))
    else:
        uvloop.run(main(arguments))
