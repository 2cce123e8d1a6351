"""Run KPI estimations from a separate process (for the cross-process race test).

Usage: python -m tests.graphs.kpi_race_worker DATABASE_URL START_AT_EPOCH RUNS
Prints one line: how many runs of this process computed (saved) a snapshot.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid

from langgraph.checkpoint.memory import InMemorySaver

from graphs.kpi_estimation import build_graph
from nodes.kpi_estimation.state import KpiContext
from sight.settings import load_settings
from store.db import create_engine, session_factory
from store.kpi_snapshots import KpiSnapshotRepository

PAYLOAD = {"age_min": 30, "age_max": 44, "gender": "mężczyzna", "location": "Gdańsk"}


async def main(url: str, start_at: float, runs: int) -> None:
    settings = load_settings(database_url=url, provider="fake", _env_file=None)
    engine = create_engine(settings)
    ctx = KpiContext(snapshots=KpiSnapshotRepository(session_factory(engine)), poll_s=0.005)
    graph = build_graph().compile(checkpointer=InMemorySaver())

    async def one() -> bool:
        config = {"configurable": {"thread_id": str(uuid.uuid4())}}
        nodes = [n async for chunk in graph.astream(PAYLOAD, config, context=ctx) for n in chunk]
        return "save_snapshot" in nodes

    await asyncio.sleep(max(0.0, start_at - time.time()))
    computed = await asyncio.gather(*(one() for _ in range(runs)))
    print(sum(computed))
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3])))
