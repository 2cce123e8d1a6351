"""Validate the request, retrieve each segment's context, sample every persona's profile."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from langgraph.runtime import Runtime
from langgraph.types import Overwrite, Send

from nodes.persona_generation.state import PersonaContext, PersonaState, WriteBatch, WriteTask
from nodes.persona_generation.validate import validate_request
from prompts import persona_generation as prompts
from sight.errors import SightError
from tools import population
from tools.persona.identity import choose_identity
from tools.persona.psychographics import sample_psychographics
from tools.persona.sampling import sample_demographics

log = logging.getLogger(__name__)
# Personas per write_personas task: few graph tasks for 1,000 personas, and a crash loses
# at most one batch's calls.
BATCH_SIZE = 25
CONTEXT_CHARS = 350  # per retrieved chunk, in the prompt (small local models: 2k context)
TEXT_SEED_STRIDE = 100_003  # > personas per run, so slots of different seeds do not collide


def validate_input(state: PersonaState, runtime: Runtime[PersonaContext]) -> dict[str, Any]:
    """Check the request (every problem at once) and fix the run's sampling seed."""
    request = validate_request({k: state[k] for k in ("segments", "seed") if k in state})
    request["year"] = (runtime.context or PersonaContext()).clock().year
    total = sum(s["count"] for s in request["segments"])
    runtime.stream_writer({"event": "validated_input", "total": total, "seed": request["seed"]})
    # A thread may run this graph again: nothing of an earlier run carries over (its drafts,
    # verdicts, or the seed of an input that names none now).
    return {
        "request": request,
        "round": 0,
        "drafts": Overwrite({}),
        "duplicates": {},
        "duplicate_log": Overwrite([]),
        "seed": None,
        "segments": None,
    }


def _pln(low: float, high: float | None) -> str:
    if high is None:
        return f"powyżej {low:.0f} PLN"
    return f"do {high:.0f} PLN" if low == 0 else f"{low:.0f}-{high:.0f} PLN"


def describe_segment(segment: dict[str, Any]) -> str:
    """Say in Polish who is in the segment (for the knowledge base query and the prompt)."""
    parts = [f"wiek {segment['age_min']}-{segment['age_max']}"]
    for label, key in (("płeć", "genders"), ("wykształcenie", "education_levels")):
        if segment[key]:
            parts.append(f"{label}: {', '.join(segment[key])}")
    # Segments stored before income ranges existed lack the key.
    ranges = segment.get("income_ranges") or ()
    income = [_pln(low, high) for low, high in ranges] or segment["income_brackets"]
    if income:
        parts.append(f"dochód netto: {', '.join(income)}")
    parts.append(f"miejsce: {population.location_label(population.Segment(**segment))}")
    return "; ".join(parts)


async def _search(ctx: PersonaContext, query: str) -> dict[str, Any]:
    """Search segment context; a failing embedder degrades to keyword search, said so."""
    assert ctx.knowledge is not None
    kb = await ctx.knowledge()
    notes = []
    try:
        result = await kb.search(
            query, filters={"kind": "segment"}, limit=ctx.context_hits, tenant=ctx.tenant
        )
    except SightError as exc:
        log.warning("segment context: hybrid search failed (%s); using keyword search", exc)
        notes.append(f"hybrid search failed ({exc.code}); keyword search used")
        result = await kb.search(
            query,
            filters={"kind": "segment"},
            limit=ctx.context_hits,
            search_type="sparse",
            tenant=ctx.tenant,
        )
    hits = [
        {
            "id": h.id,
            "title": h.entry.get("title"),
            "kind": h.entry.get("kind"),
            "score": round(h.score, 4),
            "text": h.entry.get("text", "")[:CONTEXT_CHARS],
        }
        for h in result.hits
    ]
    return {
        "search_type": result.search_type,
        "num_results": result.num_results,
        "query": query,
        "reranker": result.reranker,
        "filters": result.filters,
        "took_ms": round(sum(result.timings_ms.values()), 1),
        "hits": hits,
        "notes": notes,
    }


async def retrieve_context(state: PersonaState, runtime: Runtime[PersonaContext]) -> dict[str, Any]:
    """Retrieve each segment's context from the knowledge base (hybrid RAG) once per segment."""
    ctx = runtime.context or PersonaContext()
    contexts = {}
    for seg in state["request"]["segments"]:
        query = prompts.CONTEXT_QUERY.format(
            segment_name=seg["segment_name"], description=describe_segment(seg["segment"])
        )
        if ctx.knowledge is None:
            meta = {
                "search_type": None,
                "num_results": 0,
                "query": query,
                "hits": [],
                "notes": ["no knowledge base configured for this run"],
            }
        else:
            try:
                meta = await _search(ctx, query)
            except SightError as exc:
                log.warning("segment %s: no context (%s)", seg["segment_id"], exc)
                meta = {
                    "search_type": None,
                    "num_results": 0,
                    "query": query,
                    "hits": [],
                    "notes": [f"knowledge base unavailable ({exc.code})"],
                }
        contexts[seg["segment_id"]] = meta
        runtime.stream_writer(
            {
                "event": "retrieved_context",
                "segment_id": seg["segment_id"],
                "num_results": meta["num_results"],
            }
        )
    return {"contexts": contexts}


def _slot(
    index: int, seg: dict[str, Any], person: Any, rng: np.random.Generator, seed: int
) -> dict:
    demo = person.as_dict()
    psycho = sample_psychographics(demo["age"], demo["gender"], rng)
    return {
        "index": index,
        "segment_id": seg["segment_id"],
        "segment_name": seg["segment_name"],
        "demographics": demo,
        **psycho,
        "identity": choose_identity(demo, rng),
        # The template writer's own stream: the same slot always reads the same.
        "text_seed": seed * TEXT_SEED_STRIDE + index,
    }


def sample_profiles(state: PersonaState, runtime: Runtime[PersonaContext]) -> dict[str, Any]:
    """Sample every persona's demographics (from the population tables) and psychographics."""
    request = state["request"]
    rng = np.random.default_rng(request["seed"])
    slots: list[dict[str, Any]] = []
    for seg in request["segments"]:
        segment = population.Segment(**seg["segment"])
        for person in sample_demographics(segment, seg["count"], rng, year=request["year"]):
            slots.append(_slot(len(slots), seg, person, rng, request["seed"]))
    (runtime.context or PersonaContext()).size_run(len(slots))
    runtime.stream_writer({"event": "sampled", "total": len(slots)})
    return {"slots": slots}


def context_text(meta: dict[str, Any]) -> str:
    """The retrieved chunks as prompt text."""
    if not meta["hits"]:
        return prompts.NO_CONTEXT
    return "\n".join(f"- {h['title']}: {h['text']}" for h in meta["hits"])


def batches(tasks: list[WriteTask]) -> list[Send]:
    """Send ``tasks`` to ``write_personas`` in batches of ``BATCH_SIZE``."""
    return [
        Send("write_personas", WriteBatch(tasks=tasks[i : i + BATCH_SIZE]))
        for i in range(0, len(tasks), BATCH_SIZE)
    ]


def dispatch_writers(state: PersonaState) -> list[Send]:
    """Fan out: every slot's first attempt, in batches."""
    contexts = {sid: context_text(meta) for sid, meta in state["contexts"].items()}
    return batches(
        [
            WriteTask(
                slot=slot,
                context=contexts[slot["segment_id"]],
                attempt=1,
                feedback=[],
                previous=None,
                total=len(state["slots"]),
            )
            for slot in state["slots"]
        ]
    )
