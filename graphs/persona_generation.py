"""Persona generation: synthetic personas of Polish market segments, grounded and validated.

validate_input -> retrieve_context -> sample_profiles -(Send per batch)-> write_personas
    -> review_personas -(Send failed drafts in batches, bounded attempts)-> write_personas
                       -(none left)-> validate_set -> save_personas -> END

Demographics are sampled from the population tables KPI estimation uses; psychographics
(Big Five, Hofstede, Schwartz) from published correlations; the ``fast`` model writes the
narrative; every draft is checked, scored 0-100 and near-duplicates are rejected.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.graph import END, START, StateGraph

from graphs.context import GraphResources, RunInfo
from nodes.persona_generation import (
    dispatch_writers,
    retrieve_context,
    review_personas,
    sample_profiles,
    save_personas,
    validate_input,
    validate_set,
    write_personas,
)
from nodes.persona_generation.state import (
    PersonaContext,
    PersonaInput,
    PersonaOutput,
    PersonaState,
)
from nodes.persona_generation.validate import validate_request
from sight.settings import Settings
from tools.models.capabilities import is_capable, writes_polish


def build_graph() -> StateGraph:
    """Return the uncompiled persona generation graph; the caller compiles it."""
    builder = StateGraph(
        PersonaState,
        context_schema=PersonaContext,
        input_schema=PersonaInput,
        output_schema=PersonaOutput,
    )
    builder.add_node(validate_input)
    builder.add_node(retrieve_context)
    builder.add_node(sample_profiles)
    builder.add_node(write_personas)
    builder.add_node(review_personas, destinations=("write_personas", "validate_set"))
    builder.add_node(validate_set)
    builder.add_node(save_personas)
    builder.add_edge(START, "validate_input")
    builder.add_edge("validate_input", "retrieve_context")
    builder.add_edge("retrieve_context", "sample_profiles")
    builder.add_conditional_edges("sample_profiles", dispatch_writers, ["write_personas"])
    builder.add_edge("write_personas", "review_personas")
    builder.add_edge("validate_set", "save_personas")
    builder.add_edge("save_personas", END)
    return builder


def make_context(resources: GraphResources, run: RunInfo | None = None) -> PersonaContext:
    """Build the run context: the run's model policy, knowledge base, embedder, repository."""
    from store.personas import PersonaRepository
    from tools.models import get_embedder

    settings = resources.settings
    run_id = run.run_id if run else "local"
    embedder = get_embedder(settings)

    async def embed(texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(embedder.embed_documents, texts)

    return PersonaContext(
        models=resources.models.for_run(run_id),
        knowledge=resources.knowledge_base,
        embed=embed,
        personas=PersonaRepository(resources.sessions),
        run_id=run_id,
        tenant=run.tenant if run else "default",
        min_score=settings.persona_min_score,
        duplicate_threshold=settings.persona_duplicate_threshold,
        context_hits=settings.persona_context_hits,
        tokens_per_persona=settings.persona_tokens_per_persona,
        **persona_writer(settings),
    )


LOCAL_MAX_ATTEMPTS = 2


def persona_writer(settings: Settings) -> dict[str, Any]:
    """The run's writer settings: model or template, whether the model picks occupations, and
    the model's attempts per persona (on a local model, one retry unless set explicitly)."""
    chain = settings.model_chain("fast")
    writer, note = settings.persona_writer, None
    if writer == "auto":
        writer = "model" if writes_polish(chain) else "template"
    if writer == "template":
        note = (
            f"{chain[0]} does not write Polish: stories come from the template writer "
            "(SIGHT_PERSONA_WRITER=model calls it anyway)"
            if settings.persona_writer == "auto"
            else "SIGHT_PERSONA_WRITER=template: stories come from the template writer"
        )
    attempts = settings.persona_max_attempts
    if chain[0].startswith("local/") and "persona_max_attempts" not in settings.model_fields_set:
        attempts = min(attempts, LOCAL_MAX_ATTEMPTS)  # one retry: a local call takes ~30 s
    return {
        "writer": writer,
        "writer_note": note,
        "refine_occupation": is_capable(chain),
        "max_attempts": attempts,
    }


def validate_input_payload(payload: Any) -> dict[str, Any]:
    """Check a run's input before it starts; raise InputValidationError listing every problem."""
    return validate_request(payload)


# The langgraph.json target only; Sight's own runners compile with the checkpointer they own.
graph = build_graph().compile()
