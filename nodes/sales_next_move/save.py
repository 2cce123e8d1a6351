"""save_interaction: store the turn's note and its analysis (with the rule tables' versions)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from nodes.sales_next_move.state import SalesContext, SalesState
from tools.sales_next_move.analysis import build_analysis


async def save_interaction(state: SalesState, runtime: Runtime[SalesContext]) -> dict[str, Any]:
    """Store the interaction (when a repository is given) and return the run's output."""
    ctx = runtime.context
    analysis = build_analysis(state)
    turn, interaction_id = state["turn"], None
    if ctx.interactions is not None and ctx.thread_id is not None:
        record = await ctx.interactions.add(
            ctx.tenant,
            ctx.thread_id,
            state["text"],
            analysis,
            analysis["rules_version"],
            [m["id"] for m in analysis["next_moves"]],
            ctx.clock(),
        )
        interaction_id, turn = record.id, record.turn
    return {
        "text": None,  # consumed: a later run on the thread is routed by its own input
        "deep": False,
        "interaction_id": interaction_id,
        "session_id": ctx.thread_id,
        "turn": turn,
        "analysis": analysis,
    }
