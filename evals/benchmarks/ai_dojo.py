"""AI Dojo latency on the embedded defaults: a mentor's teaching until the proposal waits for
them, and the approval until the entry is stored.

The Dojo runs on a private SQLite database and an in-memory knowledge base holding the bundled
pack (200 entries), with no model (the offline path: the embedding router, the rules' draft,
the two-stage duplicate check). The teachings are the held-out `teach` messages of
evals/ai_dojo/intents.json (those the router sends elsewhere are timed too). The baseline is
one hybrid search of the same knowledge base for the same text, measured in the same run;
ratios are against its median. Prints a table; no pass or fail.

Usage: python -m evals.benchmarks.ai_dojo [--messages 19]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from evals.ai_dojo.harness import TENANT, open_dojo
from evals.ai_dojo.suite import load_intents
from sight.settings import get_settings
from tools.knowledge.pack import load_pack


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def main(n_messages: int) -> None:
    settings = get_settings()
    started = time.perf_counter()
    dojo = await open_dojo(settings, load_pack().entries)
    print(
        f"knowledge base with the pack: {await dojo.kb.count()} entries, "
        f"{time.perf_counter() - started:.1f} s to embed",
        flush=True,
    )
    teachings = [e["text"] for e in load_intents() if e["intent"] == "teach"][:n_messages]
    await dojo.say("Dzień dobry")  # loads the router's examples
    search, teach, approve, kinds = [], [], [], []
    try:
        for text in teachings:
            t = time.perf_counter()
            await dojo.kb.search(text, search_type="hybrid", tenant=TENANT, limit=8)
            search.append(time.perf_counter() - t)
            t = time.perf_counter()
            thread, out = await dojo.say(text)
            teach.append(time.perf_counter() - t)
            pending = await dojo.pending(thread)
            if not pending:
                kinds.append(f"no proposal ({out['intent']['intent']})")
                continue
            action = pending[0].value["action_requests"][0]
            kinds.append(f"{action['name']} {action['args']['kind']}")
            t = time.perf_counter()
            await dojo.decide(thread, {"type": "approve"})
            approve.append(time.perf_counter() - t)
    finally:
        await dojo.close()
    base = statistics.median(search)
    print("\n| step | n | median s | P95 s | median / search |")
    print("|---|---|---|---|---|")
    for name, values in (
        ("hybrid search (baseline)", search),
        ("teaching -> proposal waiting", teach),
        ("approval -> stored", approve),
    ):
        median = statistics.median(values)
        print(
            f"| {name} | {len(values)} | {median:.3f} | {_p95(values):.3f} | {median / base:.1f} |"
        )
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    print("\nproposals:", ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=19)
    asyncio.run(main(parser.parse_args().messages))
