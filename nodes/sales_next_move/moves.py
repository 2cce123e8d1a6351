"""compose_moves: four moves from the move library and the retrieved knowledge, no model needed;
the fast model rephrases them when it answers within the fast path's deadline."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from nodes.sales_next_move.state import SalesContext, SalesState
from sight.errors import SightError
from tools.sales_next_move.memory import prompt_context
from tools.sales_next_move.moves import compose_moves as compose
from tools.sales_next_move.moves_context import move_context
from tools.sales_next_move.phrasing import PhrasedMoves, apply_phrasing, phrase_messages

MIN_PHRASE_WINDOW_S = 0.5  # below this the model is not asked: the composed moves stand
SAVE_RESERVE_S = 0.15  # kept for storing the interaction after the phrasing


async def compose_moves(state: SalesState, runtime: Runtime[SalesContext]) -> dict[str, Any]:
    """The four next moves; ``phrased`` says whether the model rephrased each one."""
    ctx = runtime.context
    moves = compose(move_context(state))
    degraded = list(state.get("degraded") or [])
    if ctx.model_signals and ctx.models is not None and moves:
        window = ctx.left(state["started"]) - SAVE_RESERVE_S
        if window < MIN_PHRASE_WINDOW_S:
            degraded.append(_skip("deadline", "Za mało czasu na redakcję: ruchy złożone z reguł."))
        else:
            session = prompt_context(
                state.get("memory"), state.get("history") or [], ctx.memory_turns
            )
            primary = (state.get("archetype") or {}).get("primary")
            messages = phrase_messages(moves, session, primary)
            try:
                async with asyncio.timeout(window):
                    answer = await ctx.models.ainvoke("fast", messages, schema=PhrasedMoves)
                return {"next_moves": apply_phrasing(moves, answer), "degraded": degraded}
            except TimeoutError:
                degraded.append(
                    _skip(
                        "timeout", f"Model nie zredagował ruchów w {window:.1f} s: ruchy z reguł."
                    )
                )
            except SightError as exc:
                degraded.append(_skip(exc.code, "Model niedostępny: ruchy złożone z reguł."))
    return {"next_moves": [{**m, "phrased": False} for m in moves], "degraded": degraded}


def _skip(reason: str, message: str) -> dict[str, Any]:
    return {"part": "phrasing", "reason": reason, "message": message}
