"""The mentor on the embedded model (reported, not gated): how often its answers are Polish,
how many numbers it invents, and how long the first token takes, over the eval's questions."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from evals.mentor.fixtures import store_fixtures
from evals.mentor.scripted import expects_met
from graphs.context import RunInfo
from graphs.mentor import build_graph, make_context
from runtime.resources import open_resources
from sight.clock import utc_now
from sight.settings import Settings


async def _ask(graph: Any, resources: Any, question: str) -> dict[str, Any]:
    thread = str(uuid.uuid4())
    ctx = make_context(resources, RunInfo(str(uuid.uuid4()), thread, "acme"))
    started = time.perf_counter()
    first: float | None = None
    output: dict[str, Any] = {}
    payload = {"messages": [{"type": "human", "content": question}]}
    async for mode, chunk in graph.astream(
        payload,
        {"configurable": {"thread_id": thread}},
        context=ctx,
        stream_mode=["messages", "values"],
    ):
        if mode == "messages" and first is None and chunk[0].content:
            first = time.perf_counter() - started
        elif mode == "values":
            output = chunk
    return {"output": output, "first_s": first, "total_s": time.perf_counter() - started}


async def embedded_metrics(
    settings: Settings, tmp: Path, questions: Sequence[dict[str, Any]], n: int
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Ask the first ``n`` acme questions with the mentor on the settings' own models."""
    own = settings.model_copy(
        update={"data_dir": tmp / "embedded", "database_url": None, "mentor_model": "on"}
    )
    asked = [q for q in questions if q.get("tenant", "acme") == "acme"][:n]
    cases: list[dict[str, Any]] = []
    async with open_resources(own) as resources:
        await store_fixtures(resources.sessions, now=utc_now())
        graph = build_graph().compile(checkpointer=InMemorySaver())
        for q in asked:
            run = await _ask(graph, resources, q["question"])
            meta = run["output"].get("answer_meta", {})
            checks = meta.get("checks", [])
            text = run["output"]["messages"][-1].text if run["output"] else ""
            met = expects_met(text, q["expects"])
            cases.append(
                {
                    "id": f"embedded.{q['id']}",
                    "kind": "embedded",
                    "passed": meta.get("mode") == "model" and "warning" not in meta,
                    "mode": meta.get("mode"),
                    "attempts": meta.get("attempts"),
                    "invented_first": len(checks[0]["invented"]) if checks else None,
                    "polish_first": checks[0]["polish"] if checks else None,
                    "warning": meta.get("warning"),
                    "first_token_s": round(run["first_s"] or -1, 2),
                    "total_s": round(run["total_s"], 2),
                    "expects_met": f"{sum(met)}/{len(met)}",
                    "expects": (sum(met), len(met)),
                    "answer": text,
                }
            )
    firsts = [c["first_token_s"] for c in cases if c["first_token_s"] >= 0]
    first_tries = [c for c in cases if c["polish_first"] is not None]
    return {
        "embedded_n": len(cases),
        "embedded_polish_first_try": _share(c["polish_first"] for c in first_tries),
        "embedded_model_answer_kept": _share(c["mode"] == "model" for c in cases),
        "embedded_invented_per_first_try": statistics.fmean(
            c["invented_first"] for c in first_tries
        )
        if first_tries
        else -1.0,
        "embedded_warned": _share(c["warning"] is not None for c in cases),
        # What a good answer mentions, found in the model's (the offline facts: offline_expects_met)
        "embedded_expects_met": sum(c["expects"][0] for c in cases)
        / max(1, sum(c["expects"][1] for c in cases)),
        "embedded_first_token_s_median": statistics.median(firsts) if firsts else -1.0,
        "embedded_total_s_median": statistics.median(c["total_s"] for c in cases),
    }, cases


def _share(values: Any) -> float:
    values = list(values)
    return sum(bool(v) for v in values) / len(values) if values else -1.0
