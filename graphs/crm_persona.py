"""CRM-history persona: a persona of one real contact from what actually happened (seed 004).

START -> gather_history -> write_persona -> save_persona -> END

gather_history loads the tenant's contact, its behavioural metrics and industry benchmarks and,
for `rag`, its latest interactions, look-alikes and knowledge; `rag` falls back to `basic` when
the history is thin or of low quality, or retrieval fails, and says why (`fallback_reason`).
write_persona has the `deep` model write structured Polish claims citing evidence ids (checked;
rules fill what it left empty, or everything offline); save_persona stores the next version.
See docs/crm_persona.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.graph import END, START, StateGraph

from graphs.context import GraphResources, RunInfo
from nodes.crm_persona.gather import gather_history
from nodes.crm_persona.save import save_persona
from nodes.crm_persona.state import (
    CrmPersonaContext,
    CrmPersonaInput,
    CrmPersonaOutput,
    CrmPersonaState,
)
from nodes.crm_persona.write import write_persona
from sight.errors import InputValidationError
from sight.settings import Settings
from tools.models.capabilities import is_capable

MODES = ("basic", "rag")
NORMALISES_INPUT = True


def build_graph() -> StateGraph:
    """Return the uncompiled crm_persona graph; the caller compiles it."""
    builder = StateGraph(
        CrmPersonaState,
        context_schema=CrmPersonaContext,
        input_schema=CrmPersonaInput,
        output_schema=CrmPersonaOutput,
    )
    builder.add_node(gather_history)
    builder.add_node(write_persona)
    builder.add_node(save_persona)
    builder.add_edge(START, "gather_history")
    builder.add_edge("gather_history", "write_persona")
    builder.add_edge("write_persona", "save_persona")
    builder.add_edge("save_persona", END)
    return builder


def uses_model(settings: Settings) -> bool:
    """SIGHT_CRM_PERSONA_MODEL, or for `auto` a hosted deep model (Gemini, Ollama) or the
    scripted fake: an embedded model on a CPU takes about two minutes a persona (docs)."""
    if settings.crm_persona_model != "auto":
        return settings.crm_persona_model == "on"
    chain = settings.model_chain("deep")
    return is_capable(chain) or bool(chain) and chain[0].startswith("fake/")


def make_context(resources: GraphResources, run: RunInfo | None = None) -> CrmPersonaContext:
    """Build the run context: the tenant's contacts and personas, the run's models, the
    knowledge base and the notes embedder."""
    from store.crm import CrmContactRepository, CrmPersonaRepository
    from tools.models import get_embedder

    settings = resources.settings
    run = run or RunInfo(str(uuid.uuid4()), "local")
    chain = settings.model_chain("deep")
    embedder = get_embedder(settings)
    return CrmPersonaContext(
        contacts=CrmContactRepository(resources.sessions),
        personas=CrmPersonaRepository(resources.sessions),
        models=resources.models.for_run(run.run_id),
        use_model=uses_model(settings),
        model_name=chain[0] if chain else None,
        knowledge=resources.knowledge_base,
        embed=embedder.embed_documents,
        min_interactions=settings.crm_persona_min_interactions,
        min_quality=settings.crm_persona_min_quality,
        history_items=settings.crm_persona_history_items,
        max_output_tokens=settings.crm_persona_max_output_tokens,
        run_id=run.run_id,
        tenant=run.tenant,
    )


def validate_input_payload(payload: Any) -> dict[str, Any]:
    """Check a run's input before it starts: ``{"contact_id": str, "mode"?: basic | rag}``."""
    if not isinstance(payload, dict):
        raise InputValidationError([{"field": "input", "message": "must be an object"}])
    problems = []
    unknown = sorted(set(payload) - {"contact_id", "mode"})
    if unknown:
        problems.append(
            {"field": f"input.{unknown[0]}", "message": "unknown field; allowed: contact_id, mode"}
        )
    contact_id = payload.get("contact_id")
    if not isinstance(contact_id, str) or not 1 <= len(contact_id.strip()) <= 100:
        problems.append(
            {"field": "input.contact_id", "message": "must be the contact's id (1-100 characters)"}
        )
    mode = payload.get("mode", "rag")
    if mode not in MODES:
        problems.append({"field": "input.mode", "message": "must be 'basic' or 'rag'"})
    if problems:
        raise InputValidationError(problems)
    return {"contact_id": contact_id.strip(), "mode": mode}


async def check_input_payload(payload: Any, resources: GraphResources, tenant: str) -> None:
    """Refuse (422 naming input.contact_id) a contact the tenant does not have; nothing is
    stored."""
    from store.crm import CrmContactRepository

    found = await CrmContactRepository(resources.sessions).get(tenant, payload["contact_id"])
    if found is None:
        message = "no contact with this id; import it first (POST /crm/import)"
        raise InputValidationError([{"field": "input.contact_id", "message": message}])


# The langgraph.json target only; Sight's own runners compile with the checkpointer they own.
graph = build_graph().compile()
