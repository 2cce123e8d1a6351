"""Sales co-pilot: one observation in, who the client is and the four best next moves out.

read_observation -> detect_signals -> score_archetype -> retrieve_knowledge
                 -> score_indicators -> compose_moves -> save_interaction

A session is a thread: every run adds one turn, and the thread's state carries the notes, the
signals seen and the archetype's smoothing between turns. Every number comes from a versioned
rule table in tools/data/sales_next_move/ and cites its evidence; the fast model (when
configured) only adds quoted signals and rephrases the moves, within a deadline. See
docs/sales_next_move.md.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from langgraph.graph import END, START, StateGraph

from graphs.context import GraphResources, RunInfo
from nodes.sales_next_move import (
    compose_moves,
    detect_signals,
    read_observation,
    retrieve_knowledge,
    save_interaction,
    score_archetype,
    score_indicators,
)
from nodes.sales_next_move.state import SalesContext, SalesInput, SalesOutput, SalesState
from sight.settings import Settings
from tools.models.capabilities import is_capable
from tools.sales_next_move.request import check_observation

# A fast path has nothing worth resuming mid-way: one checkpoint when the run ends.
DURABILITY = "exit"

_profiles: dict[str, Any] = {}  # embedder spec -> ArchetypeProfiles (derived from the pack)


def build_graph() -> StateGraph:
    """Return the uncompiled co-pilot graph; the caller compiles it."""
    builder = StateGraph(
        SalesState,
        context_schema=SalesContext,
        input_schema=SalesInput,
        output_schema=SalesOutput,
    )
    steps = [
        read_observation,
        detect_signals,
        score_archetype,
        retrieve_knowledge,
        score_indicators,
        compose_moves,
        save_interaction,
    ]
    previous = START
    for step in steps:
        builder.add_node(step)
        builder.add_edge(previous, step.__name__)
        previous = step.__name__
    builder.add_edge(previous, END)
    return builder


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
        return await asyncio.to_thread(embedder.embed_query, text)

    async def profiles() -> Any:
        if embedder.spec not in _profiles:
            from tools.knowledge.pack import load_pack
            from tools.sales_next_move.archetypes import ArchetypeProfiles

            built = await asyncio.to_thread(
                ArchetypeProfiles.from_entries, load_pack().entries, embedder
            )
            _profiles.setdefault(embedder.spec, built)
        return _profiles[embedder.spec]

    return SalesContext(
        models=resources.models.for_run(run.run_id),
        knowledge=resources.knowledge_base,
        profiles=profiles,
        embed_query=embed_query,
        sessions=SessionRepository(resources.sessions),
        interactions=InteractionRepository(resources.sessions),
        model_signals=uses_model(settings),
        deadline_s=settings.sales_deadline_s,
        signal_timeout_s=settings.sales_signal_timeout_s,
        run_id=run.run_id,
        thread_id=run.thread_id,
        tenant=run.tenant,
    )


def validate_input_payload(payload: Any) -> dict[str, Any]:
    """Check a run's input before it starts: ``{"text": "<observation>"}``."""
    return {"text": check_observation(payload)}


# The langgraph.json target only; Sight's own runners compile with the checkpointer they own.
graph = build_graph().compile()
