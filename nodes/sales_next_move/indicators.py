"""score_indicators: readiness, churn risk and test-drive value from the versioned rule table."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from nodes.sales_next_move.state import SalesContext, SalesState
from tools.sales_next_move.indicators import score_indicators as score


async def score_indicators(state: SalesState, runtime: Runtime[SalesContext]) -> dict[str, Any]:
    """Each indicator 0-100 with its band and the rules that fired (with their evidence)."""
    modules = [m["module"] for m in (state.get("knowledge") or {}).get("modules", [])]
    primary = (state.get("archetype") or {}).get("primary")
    return {"indicators": score(state.get("signals_seen") or [], primary, modules, state["turn"])}
