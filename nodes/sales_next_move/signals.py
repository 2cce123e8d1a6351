"""detect_signals: the lemma detector always, the fast model when configured, merged and named."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from nodes.sales_next_move.state import SalesContext, SalesState
from sight.errors import SightError
from tools.sales_next_move.detector import bundled_detector
from tools.sales_next_move.memory import prompt_context
from tools.sales_next_move.model_signals import ModelSignals, check_quotes, signal_messages
from tools.sales_next_move.vocabulary import load_vocabulary

MIN_MODEL_WINDOW_S = 0.3  # below this, the model is not even asked


async def detect_signals(state: SalesState, runtime: Runtime[SalesContext]) -> dict[str, Any]:
    """The turn's signals, each with its verbatim evidence and its source: ``rules`` (the
    detector), ``model`` (the fast model, quote checked) or ``both``."""
    ctx = runtime.context
    text, turn = state["text"], state["turn"]
    found = {
        s.id: {"id": s.id, "evidence": s.evidence, "source": "rules", "turn": turn}
        for s in bundled_detector().detect(text, turn=turn)
    }
    degraded = list(state.get("degraded") or [])
    model_part: dict[str, Any] = {}
    if ctx.model_signals and ctx.models is not None:
        answer, problem = await _ask_model(state, ctx)
        if problem is not None:
            degraded.append(problem)
        if answer is not None:
            vocabulary = load_vocabulary()
            checked = check_quotes(answer, text, {s.id for s in vocabulary.signals}, turn)
            for item in checked.kept:
                if item["id"] in found:
                    found[item["id"]]["source"] = "both"
                else:
                    found[item["id"]] = {
                        "id": item["id"],
                        "evidence": item["evidence"],
                        "source": "model",
                        "turn": turn,
                    }
            model_part = {"kept": len(checked.kept), "dropped": checked.dropped}
    signals = sorted(found.values(), key=lambda s: text.find(s["evidence"]))
    seen = [s for s in state.get("signals_seen") or [] if s.get("turn") != turn]
    out: dict[str, Any] = {
        "signals": signals,
        "signals_seen": [*seen, *signals],
        "degraded": degraded,
    }
    if model_part:
        out["signals_dropped"] = model_part["dropped"]
    return out


async def _ask_model(
    state: SalesState, ctx: SalesContext
) -> tuple[ModelSignals | None, dict[str, Any] | None]:
    """The model's signals, or None with why it gave none (a timeout, an outage)."""
    window = min(ctx.signal_timeout_s, ctx.left(state["started"]) - MIN_MODEL_WINDOW_S)
    if window < MIN_MODEL_WINDOW_S:
        return None, _skip("deadline", "Za mało czasu na odczyt modelu: sygnały z reguł.")
    history = [h for h in state.get("history") or [] if h["turn"] < state["turn"]]
    session = prompt_context(state.get("memory"), history, ctx.memory_turns)
    messages = signal_messages(load_vocabulary(), state["text"], state["turn"], session)
    try:
        async with asyncio.timeout(window):
            return await ctx.models.ainvoke("fast", messages, schema=ModelSignals), None
    except TimeoutError:
        return None, _skip(
            "timeout", f"Model nie odpowiedział w {window:.1f} s: sygnały tylko z reguł."
        )
    except SightError as exc:
        return None, _skip(exc.code, "Model niedostępny: sygnały tylko z reguł.")


def _skip(reason: str, message: str) -> dict[str, Any]:
    return {"part": "model_signals", "reason": reason, "message": message}
