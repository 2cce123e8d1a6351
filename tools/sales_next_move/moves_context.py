"""What the move composer reads, from a run's state or from a stored analysis (the "other
suggestions" of an interaction are composed from what was stored for it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tools.sales_next_move.moves import MoveContext


def move_context(state: Mapping[str, Any]) -> MoveContext:
    """The composer's input from the graph's state after knowledge and indicators."""
    knowledge = state.get("knowledge") or {}
    archetype = state.get("archetype") or {}
    return MoveContext(
        signals=list(state.get("signals_seen") or []),
        turn=state["turn"],
        primary_archetype=archetype.get("primary"),
        archetype_scores=archetype.get("scores") or {},
        modules=[m["module"] for m in knowledge.get("modules", [])],
        objections=[o["id"] for o in knowledge.get("objections", [])],
        meta_rules=knowledge.get("meta_rules", []),
    )


def context_of_analysis(analysis: Mapping[str, Any]) -> MoveContext:
    """The same input rebuilt from an interaction's stored analysis."""
    archetype = analysis.get("archetype") or {}
    return MoveContext(
        signals=list(analysis.get("session_signals") or []),
        turn=int(analysis.get("turn") or 1),
        primary_archetype=archetype.get("primary"),
        archetype_scores=archetype.get("scores") or {},
        modules=[m["module"] for m in analysis.get("modules", [])],
        objections=[o["id"] for o in analysis.get("objections", [])],
        meta_rules=analysis.get("meta_rules", []),
    )
