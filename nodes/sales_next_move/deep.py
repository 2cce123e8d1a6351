"""The slow path, run in the background after an observation: memory, psychometrics, strategy.

update_memory -> analyse_deep -> save_deep

The rule tables carry the numbers; the deep model (when it writes Polish) writes the summary
and key facts, quotes the notes to nudge psychometric dimensions and writes a short portrait of
the client. Whatever the model could not do is listed in ``degraded``.
"""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from nodes.sales_next_move.state import SalesContext, SalesState
from prompts.sales_next_move import (
    CLIENT_SUMMARY_SYSTEM,
    READING_HUMAN,
    READING_SYSTEM,
)
from sight.errors import SightError
from tools.models.tokens import CharCounter
from tools.sales_next_move.advisor import advisor_context
from tools.sales_next_move.analysis import build_analysis
from tools.sales_next_move.memory import (
    MemoryUpdate,
    facts_from_signals,
    memory_messages,
    prompt_context,
    turns_to_fold,
)
from tools.sales_next_move.vocabulary import load_vocabulary


async def update_memory(state: SalesState, runtime: Runtime[SalesContext]) -> dict[str, Any]:
    """Summarise the notes older than the last N once they pass the token threshold."""
    ctx = runtime.context
    history = state.get("history") or []
    memory = dict(state.get("memory") or {})
    degraded: list[dict[str, Any]] = []
    count = ctx.count_tokens or CharCounter(3.0).count_text
    fold = (
        turns_to_fold(history, memory, count, ctx.memory_tokens, ctx.memory_turns)
        if history
        else []
    )
    if not fold:
        return {"memory": memory, "degraded": degraded, "started": time.monotonic()}
    upto = fold[-1]["turn"]
    if ctx.writer_model and ctx.models is not None:
        try:
            update = await ctx.models.ainvoke(
                "deep",
                memory_messages(fold, memory.get("summary"), memory.get("key_facts") or []),
                schema=MemoryUpdate,
            )
            facts = list(dict.fromkeys(f.strip() for f in update.key_facts if f.strip()))
            memory = {
                "summary": update.summary.strip(),
                "key_facts": facts,
                "memory_turn": upto,
                "written_by": "model",
            }
            return {"memory": memory, "degraded": degraded, "started": time.monotonic()}
        except SightError as exc:
            degraded.append(_note("memory", exc.code, "Model nie napisał streszczenia."))
    else:
        degraded.append(
            _note("memory", "no_writer_model", "Bez modelu piszącego po polsku: bez streszczenia.")
        )
    labels = {s.id: s.label for s in load_vocabulary().signals}
    seen = [s for s in state.get("signals_seen") or [] if s["turn"] <= upto]
    memory = {
        "summary": memory.get("summary"),
        "key_facts": facts_from_signals(seen, labels),
        "memory_turn": upto,
        "written_by": "rules",
    }
    return {"memory": memory, "degraded": degraded, "started": time.monotonic()}


async def analyse_deep(state: SalesState, runtime: Runtime[SalesContext]) -> dict[str, Any]:
    """Psychometrics (rule priors, model nudges with quotes) and the five-tab strategy."""
    from tools.sales_next_move.psychometrics import PsychometricReading, profile
    from tools.sales_next_move.strategy import strategy_panel

    ctx = runtime.context
    history = state.get("history") or []
    degraded = list(state.get("degraded") or [])
    archetype = state.get("archetype") or {}
    notes = "\n".join(h["text"] for h in history)
    session = prompt_context(state.get("memory"), history, ctx.memory_turns)
    reading = portrait = None
    if ctx.writer_model and ctx.models is not None and history:
        human = READING_HUMAN.format(archetype=archetype.get("primary"), context=session)
        try:
            reading = await ctx.models.ainvoke(
                "deep", [("system", READING_SYSTEM), ("human", human)], schema=PsychometricReading
            )
        except SightError as exc:
            degraded.append(_note("psychometrics", exc.code, "Profil tylko z reguł."))
        try:
            about = advisor_context(state, [], ctx.memory_turns)
            answer = await ctx.models.ainvoke(
                "deep", [("system", CLIENT_SUMMARY_SYSTEM), ("human", about)]
            )
            portrait = answer.text.strip() or None
        except SightError as exc:
            degraded.append(_note("strategy", exc.code, "Portret klienta tylko z reguł."))
    elif history:
        degraded.append(
            _note("psychometrics", "no_writer_model", "Bez modelu: profil i strategia z reguł.")
        )
    turns = len(history)
    psychometrics = profile(
        archetype.get("scores") or {}, state.get("signals_seen") or [], turns, reading, notes
    )
    memory = state.get("memory") or {}
    analysis = build_analysis(state) if state.get("turn") else {}
    strategy = strategy_panel(analysis, history=history, key_facts=memory.get("key_facts") or [])
    if portrait:
        strategy["tabs"][0]["items"].insert(0, {"text": portrait, "source": "model"})
        strategy["written_by"] = "rules+model"
    return {
        "deep_analysis": {
            "turn": state.get("turn", 0),
            "psychometrics": psychometrics,
            "strategy": strategy,
            "degraded": degraded,
        },
        "degraded": degraded,
    }


async def save_deep(state: SalesState, runtime: Runtime[SalesContext]) -> dict[str, Any]:
    """Store the result unless one for a later turn is stored already; clear the trigger."""
    ctx = runtime.context
    deep = dict(state.get("deep_analysis") or {})
    deep["seconds"] = round(time.monotonic() - state.get("started", time.monotonic()), 2)
    deep["computed_at"] = ctx.clock().isoformat()
    memory = state.get("memory") or {}
    if ctx.sessions is not None and ctx.thread_id is not None:
        deep["stored"] = await ctx.sessions.set_deep(ctx.thread_id, ctx.tenant, deep["turn"], deep)
        if memory.get("memory_turn"):
            await ctx.sessions.set_memory(
                ctx.thread_id,
                ctx.tenant,
                memory.get("summary") or "",
                memory.get("key_facts") or [],
                memory["memory_turn"],
            )
    return {"deep_analysis": deep, "memory": memory, "deep": False}


def _note(part: str, reason: str, message: str) -> dict[str, Any]:
    return {"part": part, "reason": reason, "message": message}
