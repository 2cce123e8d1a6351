"""Sales co-pilot: one observation in, who the client is and the four best next moves out.

START -(text)-> read_observation -> detect_signals -> score_archetype -> retrieve_knowledge
                -> score_indicators -> compose_moves -> save_interaction -> END
      -(deep)-> update_memory -> analyse_deep -> save_deep -> END      (the slow path)
      -(messages)-> advise -> END                                       (the strategic advisor)

A session is a thread: every run adds one turn, and the thread's state carries the notes, the
signals seen and the archetype's smoothing between turns. Every number comes from a versioned
rule table in tools/data/sales_next_move/ and cites its evidence; the fast model (when
configured) only adds quoted signals and rephrases the moves, within a deadline. See
docs/sales_next_move.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph

from graphs.context import GraphResources, RunInfo
from nodes.sales_next_move import (
    advise,
    analyse_deep,
    compose_moves,
    detect_signals,
    read_observation,
    retrieve_knowledge,
    save_deep,
    save_interaction,
    score_archetype,
    score_indicators,
    update_memory,
)
from nodes.sales_next_move.state import SalesContext, SalesInput, SalesOutput, SalesState
from sight.errors import SightError
from sight.settings import Settings
from tools.models.capabilities import is_capable, writes_polish
from tools.sales_next_move.request import check_input

log = logging.getLogger(__name__)
# validate_input_payload returns the input every run starts from: it sets all three triggers
# (text, deep, messages' path), so a trigger a failed or cancelled run left in the thread's state
# never routes a later run.
NORMALISES_INPUT = True
# A fast path has nothing worth resuming mid-way: one checkpoint when the run ends.
DURABILITY = "exit"


def build_graph() -> StateGraph:
    """Return the uncompiled co-pilot graph; the caller compiles it."""
    builder = StateGraph(
        SalesState,
        context_schema=SalesContext,
        input_schema=SalesInput,
        output_schema=SalesOutput,
    )
    fast = [
        read_observation,
        detect_signals,
        score_archetype,
        retrieve_knowledge,
        score_indicators,
        compose_moves,
        save_interaction,
    ]
    _chain(builder, fast)
    _chain(builder, [update_memory, analyse_deep, save_deep])
    _chain(builder, [advise])
    builder.add_conditional_edges(START, route_input)
    return builder


def _chain(builder: StateGraph, steps: list[Any]) -> None:
    for step in steps:
        builder.add_node(step)
    for before, after in zip(steps, steps[1:], strict=False):
        builder.add_edge(before.__name__, after.__name__)
    builder.add_edge(steps[-1].__name__, END)


def route_input(state: SalesState) -> Literal["read_observation", "update_memory", "advise"]:
    """An observation takes the fast path, ``deep`` the slow path, anything else (messages) goes
    to the advisor. Each path clears its trigger when it ends, so a thread's old input does not
    route a later run."""
    if state.get("text"):
        return "read_observation"
    if state.get("deep"):
        return "update_memory"
    return "advise"


def uses_model(settings: Settings) -> bool:
    """Whether the fast path asks the fast model (``sales_model``; auto: hosted or fake)."""
    if settings.sales_model != "auto":
        return settings.sales_model == "on"
    chain = settings.model_chain("fast")
    return is_capable(chain) or chain[0].startswith("fake/")


def make_context(resources: GraphResources, run: RunInfo | None = None) -> SalesContext:
    """Build the run context: the run's models, knowledge base, archetype profiles, stores."""
    from store.sales_next_move import InteractionRepository, SessionRepository
    from tools.models import get_embedder

    settings = resources.settings
    run = run or RunInfo(str(uuid.uuid4()), "local")
    embedder = get_embedder(settings)

    async def embed_query(text: str) -> list[float]:
        # Through the knowledge base's cache of query vectors: the turn's searches reuse it.
        try:
            kb = await resources.knowledge_base()
        except SightError:
            return await asyncio.to_thread(embedder.embed_query, text)
        return await kb.query_vector(text)

    async def profiles() -> Any:
        from tools.sales_next_move.archetypes import pack_profiles

        return await asyncio.to_thread(pack_profiles, embedder)

    return SalesContext(
        models=resources.models.for_run(run.run_id),
        knowledge=resources.knowledge_base,
        profiles=profiles,
        embed_query=embed_query,
        sessions=SessionRepository(resources.sessions),
        interactions=InteractionRepository(resources.sessions),
        model_signals=uses_model(settings),
        writer_model=writes_polish(settings.model_chain("deep")),
        memory_tokens=settings.sales_memory_tokens,
        memory_turns=settings.sales_memory_turns,
        deadline_s=settings.sales_deadline_s,
        signal_timeout_s=settings.sales_signal_timeout_s,
        run_id=run.run_id,
        thread_id=run.thread_id,
        tenant=run.tenant,
    )


async def warm_up(resources: GraphResources) -> None:
    """Load the embedder, the archetype profiles, the knowledge base and the rule tables, so
    the first observation is as fast as the next (a cold start took ~15 s)."""
    from tools.sales_next_move.analysis import rules_version
    from tools.sales_next_move.detector import bundled_detector

    started = time.perf_counter()
    try:
        ctx = make_context(resources, RunInfo("warm-up", "warm-up"))
        bundled_detector()
        rules_version()
        await ctx.profiles()
        await ctx.embed_query("rozgrzewka")
        await resources.knowledge_base()
    except (SightError, OSError) as exc:  # the first run reports it properly
        log.warning("sales_next_move warm-up failed: %s", exc)
        return
    log.info("sales_next_move warmed up in %.1f s", time.perf_counter() - started)


def validate_input_payload(payload: Any) -> dict[str, Any]:
    """Check a run's input before it starts: ``{"text": "<observation>"}``, ``{"deep": true}``
    or ``{"messages": [...]}`` (the advisor)."""
    return check_input(payload)


# The langgraph.json target only; Sight's own runners compile with the checkpointer they own.
graph = build_graph().compile()
