"""The analysis of one observation, as the API returns and the store keeps it."""

from __future__ import annotations

from typing import Any


def rules_version() -> str:
    """The versions of the three rule tables an analysis was computed with."""
    from tools.sales_next_move.indicators import default_indicator_table
    from tools.sales_next_move.moves import default_move_library
    from tools.sales_next_move.vocabulary import load_vocabulary

    return (
        f"signals {load_vocabulary().version}; indicators {default_indicator_table().version}; "
        f"moves {default_move_library().version}"
    )


def build_analysis(state: dict[str, Any]) -> dict[str, Any]:
    """Gather the run's parts: what the client shows, who they are, what to do next."""
    knowledge = state.get("knowledge") or {}
    archetype = dict(state.get("archetype") or {})
    return {
        "turn": state["turn"],
        "signals": [
            {"id": s["id"], "evidence": s["evidence"], "source": s["source"]}
            for s in state.get("signals") or []
        ],
        "signals_dropped": state.get("signals_dropped") or [],
        "session_signals": [
            {"id": s["id"], "evidence": s["evidence"], "turn": s["turn"]}
            for s in state.get("signals_seen") or []
        ],
        "archetype": archetype,
        "modules": knowledge.get("modules", []),
        "objections": knowledge.get("objections", []),
        "meta_rules": knowledge.get("meta_rules", []),
        "indicators": state.get("indicators") or {},
        "next_moves": state.get("next_moves") or [],
        "degraded": state.get("degraded") or [],
        "rules_version": rules_version(),
    }
