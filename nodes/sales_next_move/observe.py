"""read_observation: take the turn's note, check the session may take it, reset the run's work."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from nodes.sales_next_move.state import SalesContext, SalesState
from sight.errors import ConflictError
from tools.sales_next_move.request import check_observation


async def read_observation(state: SalesState, runtime: Runtime[SalesContext]) -> dict[str, Any]:
    """Validate the note and number the turn; a closed session refuses it (409)."""
    ctx = runtime.context
    text = check_observation({"text": state.get("text")})
    history = list(state.get("history") or [])
    turn = len(history) + 1
    seen = list(state.get("signals_seen") or [])
    if ctx.sessions is not None and ctx.thread_id is not None:
        session = await ctx.sessions.ensure(ctx.tenant, ctx.thread_id, ctx.clock())
        if session.status == "closed":
            raise ConflictError(
                f"Session {ctx.thread_id} is closed: reopen it (POST /sessions/{ctx.thread_id}"
                "/reopen) before adding observations",
                details={"status": "closed"},
            )
        # The store numbers the turns: a run that failed after this node still left its note
        # in the thread's checkpoint, but no interaction; forget what it added.
        turn = session.turns + 1
        history = [h for h in history if h["turn"] < turn]
        seen = [s for s in seen if s["turn"] < turn]
    return {
        "text": text,
        "turn": turn,
        "history": [*history, {"turn": turn, "text": text}],
        "signals_seen": seen,
        "started": ctx.monotonic(),
        "signals": [],
        "signals_dropped": [],
        "degraded": [],
        "next_moves": [],
    }
