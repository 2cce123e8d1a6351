"""Checkpointer throughput: LangGraph's AsyncPostgresSaver vs Sight's FastPostgresSaver.

All in this one process, on a throwaway database created on the server and dropped at the
end: ``--runs`` concurrent runs of a 4-node graph (6 supersteps: input, __start__, 4 nodes),
default durability ("async"), each saver on its own connection pool of ``--pool``. The
stock saver is used as LangGraph ships it (``AsyncPostgresSaver(pool)``). An in-memory
row (``InMemorySaver``, no database) shows what the graph itself costs on this machine.

Throughput: one warm-up round, then ``--rounds`` timed rounds on the warm pool; the table
shows the median and every round.

Commits: a separate pass per saver, read from ``pg_stat_database.xact_commit`` of the
benchmark database (queried from the admin database, so the reads don't count). A backend
reports its counters when it exits, so the pass opens a fresh pool, runs one round, closes
the pool and waits for the backends to go; the count of opening and closing an idle pool
is subtracted. Statements are not prepared in this pass (a server-side PREPARE is a
transaction of its own; the savers send the same statements either way). The total holds
read-only transactions too (one ``aget_tuple`` per run, counted by a wrapper);
"commits/run" are the rest, the transactions that write and cost an fsync.

Usage: python -m evals.benchmarks.checkpointer_throughput [--admin-url URL] [--runs 50]
       [--pool 10] [--rounds 5]   (the admin URL may also come from SIGHT_BENCH_ADMIN_URL)
"""

from __future__ import annotations

import argparse
import asyncio
import operator
import os
import statistics
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict

import psycopg
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.graph import END, START, StateGraph

from evals.benchmarks.throwaway_db import DEFAULT_ADMIN_URL, throwaway_database
from store.checkpoint import FastPostgresSaver
from store.checkpoint.factory import open_pg_pool

NODES = ("plan", "draft", "review", "publish")
SUPERSTEPS_PER_RUN = len(NODES) + 2  # the input checkpoint and __start__


class State(TypedDict):
    topic: str
    log: Annotated[list[str], operator.add]


def _node(name: str) -> Callable[[State], Any]:
    async def node(state: State) -> dict[str, list[str]]:
        return {"log": [f"{name}:{state['topic']}"]}

    node.__name__ = name
    return node


def build_graph() -> StateGraph:
    builder = StateGraph(State)
    previous = START
    for name in NODES:
        builder.add_node(name, _node(name))
        builder.add_edge(previous, name)
        previous = name
    builder.add_edge(previous, END)
    return builder


class CountingStockSaver(AsyncPostgresSaver):
    """The stock saver, unchanged, counting its reads."""

    reads = 0

    async def aget_tuple(self, config: Any) -> Any:
        self.reads += 1
        return await super().aget_tuple(config)


class CountingFastSaver(FastPostgresSaver):
    reads = 0

    async def aget_tuple(self, config: Any) -> Any:
        self.reads += 1
        return await super().aget_tuple(config)


SAVERS: dict[str, type] = {"stock": CountingStockSaver, "fast": CountingFastSaver}


@asynccontextmanager
async def open_saver(kind: str, url: str, pool_size: int, **conn_kwargs: Any) -> AsyncIterator:
    if kind == "memory":
        yield InMemorySaver()
        return
    async with open_pg_pool(url, pool_size, **conn_kwargs) as pool:
        await pool.wait()
        saver = SAVERS[kind](pool)
        try:
            yield saver
        finally:
            if isinstance(saver, FastPostgresSaver):
                await saver.aclose()


# Durability of the benchmark's runs ("async" is LangGraph's default; set by --durability).
DURABILITY = "async"


async def run_batch(graph: Any, runs: int, tag: str) -> float:
    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            graph.ainvoke(
                {"topic": f"t{i}", "log": []},
                {"configurable": {"thread_id": f"{tag}-{i}"}},
                durability=DURABILITY,
            )
            for i in range(runs)
        )
    )
    elapsed = time.perf_counter() - started
    assert all(len(r["log"]) == len(NODES) for r in results), "a run lost a step"
    return elapsed


async def throughput(kind: str, url: str, runs: int, pool_size: int, rounds: int) -> list[float]:
    async with open_saver(kind, url, pool_size) as saver:
        graph = build_graph().compile(checkpointer=saver)
        await run_batch(graph, runs, f"{kind}-warm")
        return [runs / await run_batch(graph, runs, f"{kind}-{r}") for r in range(rounds)]


class Stats:
    """xact_commit of one database, read from the admin database."""

    def __init__(self, admin_url: str, dbname: str) -> None:
        self.admin_url, self.dbname = admin_url, dbname

    def xact_commit(self) -> int:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (self.dbname,)
            ).fetchone()
        return int(row[0])

    async def backends_gone(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
            while conn.execute(sql, (self.dbname,)).fetchone()[0]:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # an exiting backend reports its counters on the way out

    async def commits_of(self, kind: str, url: str, pool_size: int, runs: int) -> tuple[int, int]:
        before = self.xact_commit()
        async with open_saver(kind, url, pool_size, prepare_threshold=None) as saver:
            reads = 0
            if runs:
                graph = build_graph().compile(checkpointer=saver)
                await run_batch(graph, runs, f"{kind}-count")
                reads = saver.reads
        await self.backends_gone()
        return self.xact_commit() - before, reads


async def commits(stats: Stats, kind: str, url: str, runs: int, pool_size: int) -> dict:
    idle, _ = await stats.commits_of(kind, url, pool_size, 0)
    total, reads = await stats.commits_of(kind, url, pool_size, runs)
    total -= idle
    return {"total": total / runs, "reads": reads / runs, "writes": (total - reads) / runs}


async def main(admin_url: str, runs: int, pool_size: int, rounds: int) -> None:
    with throwaway_database(admin_url) as (name, url):
        stats = Stats(admin_url, name)
        async with open_saver("stock", url, 1) as saver:
            await saver.setup()  # the fast saver uses the stock tables
        rates = {k: await throughput(k, url, runs, pool_size, rounds) for k in ("memory", *SAVERS)}
        counts = {k: await commits(stats, k, url, runs, pool_size) for k in SAVERS}

    print(
        f"\n{runs} concurrent runs x {SUPERSTEPS_PER_RUN} supersteps, pool {pool_size}, "
        f"median of {rounds} rounds after a warm-up round"
    )
    print(
        f"{'saver':<8}{'runs/s':>9}  {'rounds (runs/s)':<28}{'xacts/run':>10}"
        f"{'reads/run':>10}{'commits/run':>12}{'commits/step':>13}"
    )
    for kind, rs in rates.items():
        line = f"{kind:<8}{statistics.median(rs):>9.1f}  {' '.join(f'{r:.0f}' for r in rs):<28}"
        if kind in counts:
            c = counts[kind]
            line += (
                f"{c['total']:>10.2f}{c['reads']:>10.2f}{c['writes']:>12.2f}"
                f"{c['writes'] / SUPERSTEPS_PER_RUN:>13.2f}"
            )
        else:
            line += f"{'(no database: the ceiling)':>45}"
        print(line)
    ratio = statistics.median(rates["fast"]) / statistics.median(rates["stock"])
    print(f"ratio fast/stock: {ratio:.2f}x (goal >= 5x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--admin-url", default=os.environ.get("SIGHT_BENCH_ADMIN_URL", DEFAULT_ADMIN_URL)
    )
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--pool", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--loop",
        choices=("asyncio", "uvloop"),
        default="asyncio",
        help="event loop (uvloop is what uvicorn uses when it is installed)",
    )
    parser.add_argument(
        "--durability",
        choices=("async", "sync", "exit"),
        default="async",
        help="LangGraph durability of the runs (default: LangGraph's own default, async)",
    )
    args = parser.parse_args()
    DURABILITY = args.durability
    print(f"event loop: {args.loop}, durability: {args.durability}")
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(main(args.admin_url, args.runs, args.pool, args.rounds))
    else:
        asyncio.run(main(args.admin_url, args.runs, args.pool, args.rounds))
