"""Store the persona as the contact's next version, with how it was generated."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from nodes.crm_persona.state import CrmPersonaContext, CrmPersonaState
from tools.crm_persona.public import persona_out


async def save_persona(
    state: CrmPersonaState, runtime: Runtime[CrmPersonaContext]
) -> dict[str, Any]:
    """Add the persona as a new version (earlier versions stay) and return it."""
    ctx = runtime.context
    metrics = state["metrics"]
    generation = {
        "requested_mode": state.get("mode", "rag"),
        "mode": state["mode_used"],
        "fallback_reason": state["fallback_reason"],
        "data_quality": metrics["data_quality"],
        "interactions": metrics["interactions"],
        "benchmark": state["comparison"]["benchmark"],
        "lookalikes": state["lookalikes"],
        "evidence": state["evidence"],
        "run_id": ctx.run_id,
        **state["generation"],
    }
    record = await ctx.personas.add(
        ctx.tenant, state["contact_id"], state["draft"], generation, now=ctx.clock()
    )
    return {"persona": persona_out(record)}
