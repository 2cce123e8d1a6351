"""KPI estimation latency through the graph (goal P95 <= 30 ms; requirements §1.8 allow 300 ms).

Scenarios, each measured in this run:
- baseline: the node functions called in a row, no graph, no database (pure arithmetic);
- graph, in-memory checkpointer, no snapshot store;
- graph + SQLite checkpointer (one checkpoint at exit, as the graph's runs are served) + SQLite
  snapshots: cache miss (new key each run) and hit;
- the same on PostgreSQL in a throwaway database when --postgres-admin-url is given.

Usage: python -m evals.benchmarks.kpi_latency [--runs 300] [--postgres-admin-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.runtime import Runtime

from evals.benchmarks.throwaway_db import DEFAULT_ADMIN_URL, throwaway_database
from graphs.kpi_estimation import DURABILITY, build_graph, make_context
from nodes.kpi_estimation import estimate
from nodes.kpi_estimation.state import KpiContext
from runtime.resources import open_resources
from sight.settings import load_settings


def payload(i: int) -> dict:
    # Distinct age ranges give distinct keys: every run is a cache miss.
    return {
        "age_min": 18 + i % 40,
        "age_max": 60 + i % 41,
        "gender": ["kobieta", "mężczyzna"][i % 2],
        "education_levels": [["wyższe"], ["średnie", "wyższe"]][i % 2],
        "income_brackets": ["<3000 PLN", "3000-5000 PLN"][: 1 + i % 2],
        "location": ["Polska", "Warszawa", "Kraków"][i % 3],
        "industry": ["b2b_saas", "retail", "automotive"][i % 3] + "",
        "segment_id": f"bench-{uuid.uuid4().hex[:6]}-{i}",
    }


async def measure(runs: int, fn: Callable[[int], Awaitable[object]]) -> list[float]:
    for i in range(10):  # warm-up on inputs the measured runs never use (keys repeat every 4,920)
        await fn(runs + i)
    out = []
    for i in range(runs):
        started = time.perf_counter()
        await fn(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def row(name: str, samples: list[float], baseline: float) -> str:
    samples = sorted(samples)
    p50, p95 = statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]
    return f"| {name} | {p50:.2f} | {p95:.2f} | {p95 / baseline:.1f}x |"


async def baseline_chain(i: int) -> None:
    state: dict = dict(payload(i))
    runtime = Runtime(context=KpiContext())
    state.update(estimate.validate_input(state, runtime))
    state.update(estimate.estimate_segment_size(state, runtime))
    for node in (estimate.estimate_kpis, estimate.compare_to_industry, estimate.score_confidence):
        state.update(node(state))


async def bench_backend(label: str, settings, runs: int, baseline: float) -> list[str]:  # type: ignore[no-untyped-def]
    rows = []
    async with open_resources(settings) as resources:
        graph = build_graph().compile(checkpointer=resources.checkpointer)
        ctx = make_context(resources)

        async def miss(i: int) -> None:
            await graph.ainvoke(
                payload(i),
                {"configurable": {"thread_id": str(uuid.uuid4())}},
                context=ctx,
                durability=DURABILITY,
            )

        hit_input = payload(0)

        async def hit(_: int) -> None:
            await graph.ainvoke(
                hit_input,
                {"configurable": {"thread_id": str(uuid.uuid4())}},
                context=ctx,
                durability=DURABILITY,
            )

        rows.append(row(f"graph, {label}: cache miss", await measure(runs, miss), baseline))
        rows.append(
            row(f"graph, {label}: fresh snapshot reused", await measure(runs, hit), baseline)
        )
    return rows


async def main(runs: int, admin_url: str | None) -> None:
    base = await measure(runs, baseline_chain)
    base_p95 = sorted(base)[int(0.95 * (len(base) - 1))]
    graph = build_graph().compile(checkpointer=InMemorySaver())

    async def memory(i: int) -> None:
        await graph.ainvoke(
            payload(i), {"configurable": {"thread_id": str(uuid.uuid4())}}, context=KpiContext()
        )

    rows = [
        row("baseline: node functions, no graph", base, base_p95),
        row("graph, in-memory checkpointer, no store", await measure(runs, memory), base_p95),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = load_settings(data_dir=Path(tmp), provider="fake", _env_file=None)
        rows += await bench_backend("SQLite", sqlite, runs, base_p95)
    if admin_url:
        with tempfile.TemporaryDirectory() as tmp, throwaway_database(admin_url) as (_, url):
            pg = load_settings(
                data_dir=Path(tmp), provider="fake", database_url=url, _env_file=None
            )
            rows += await bench_backend("PostgreSQL", pg, runs, base_p95)
    print(f"KPI estimation latency, {runs} runs per scenario (goal: graph P95 <= 30 ms)\n")
    print("| scenario | P50 ms | P95 ms | P95 vs baseline |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument(
        "--postgres-admin-url",
        default=None,
        help=f"also measure PostgreSQL, in a throwaway database (e.g. {DEFAULT_ADMIN_URL})",
    )
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.postgres_admin_url))
