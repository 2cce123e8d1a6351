"""Sales co-pilot slow path: how long `{"deep": true}` takes after a session's notes.

Each labelled session of evals/sales_next_move/sessions.json runs its notes through the fast
path (no model, no store), then the slow path is timed: memory, psychometrics and the five-tab
strategy. First with rules only (no model that writes Polish), then, with ``--embedded N``, on N
sessions with the embedded model as the `deep` model (its psychometric reading and portrait;
minutes on 2 cores). Prints each run and the median; no pass or fail.

Usage: python -m evals.benchmarks.sales_next_move_slow [--sessions 10] [--embedded N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from dataclasses import replace
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from evals.sales_next_move.suite import _context, load_sessions
from graphs import sales_next_move
from sight.settings import get_settings
from tools.models import ModelRouter


async def _time_sessions(graph: Any, ctx: Any, sessions: list[dict[str, Any]], label: str):
    seconds = []
    for session in sessions:
        config = {"configurable": {"thread_id": str(uuid.uuid4())}}
        for turn in session["turns"]:
            await graph.ainvoke({"text": turn["text"], "deep": False}, config, context=ctx)
        started = time.perf_counter()
        out = await graph.ainvoke({"deep": True, "text": None}, config, context=ctx)
        seconds.append(time.perf_counter() - started)
        deep = out["deep_analysis"]
        print(
            f"{label} {session['id']}: {len(session['turns'])} notes, {seconds[-1]:.2f} s, "
            f"psychometrics by {deep['psychometrics']['by']}, strategy by "
            f"{deep['strategy']['written_by']}, degraded {[d['reason'] for d in deep['degraded']]}",
            flush=True,
        )
    if seconds:
        print(f"{label}: median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s")


async def main(n_sessions: int, embedded: int) -> None:
    settings = get_settings()
    base = await _context(settings, None)
    graph = sales_next_move.build_graph().compile(checkpointer=InMemorySaver())
    regular = [s for s in load_sessions() if s.get("kind", "regular") == "regular"]
    await _time_sessions(graph, base, regular[:1], "warm-up")
    await _time_sessions(graph, base, regular[:n_sessions], "rules only")
    if embedded:
        router = ModelRouter(settings.model_copy(update={"provider": "local"}))
        ctx = replace(base, models=router.for_run("bench-slow"), writer_model=True)
        await _time_sessions(graph, ctx, regular[:embedded], "embedded model")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--embedded", type=int, default=0, help="sessions with the local model")
    args = parser.parse_args()
    asyncio.run(main(args.sessions, args.embedded))
