"""advise: the strategic advisor answers the salesperson's question about the session, in
Polish, from the session's analysis, memory and the knowledge base (tokens stream)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from nodes.sales_next_move.state import SalesContext, SalesState
from prompts.sales_next_move import ADVISOR_SYSTEM
from sight.errors import SightError
from tools.sales_next_move.advisor import advisor_context, fallback_answer, last_question

HITS = 3
HISTORY_MESSAGES = 8  # earlier chat messages the model sees


async def advise(state: SalesState, runtime: Runtime[SalesContext]) -> dict[str, Any]:
    """Answer the last question; without a model that writes Polish (or when it fails) answer
    with what the knowledge base and the session's moves say, and say so."""
    ctx = runtime.context
    messages = state.get("messages") or []
    question = last_question(messages)
    hits: list[Any] = []
    if ctx.knowledge is not None and question:
        try:
            kb = await ctx.knowledge()
            hits = (await kb.search(question, limit=HITS, tenant=ctx.tenant)).hits
        except SightError:
            hits = []
    context = advisor_context(state, hits, ctx.memory_turns)
    if ctx.writer_model and ctx.models is not None:
        prompt = [
            SystemMessage(ADVISOR_SYSTEM.format(context=context)),
            *[m for m in messages if isinstance(m, HumanMessage | AIMessage)][-HISTORY_MESSAGES:],
        ]
        try:
            answer = await ctx.models.ainvoke("deep", prompt)
        except SightError as exc:
            return {"messages": [AIMessage(content=fallback_answer(state, hits, exc.code))]}
        if answer.text.strip():
            return {"messages": [AIMessage(content=answer.text.strip())]}
        return {"messages": [AIMessage(content=fallback_answer(state, hits, "empty_answer"))]}
    return {"messages": [AIMessage(content=fallback_answer(state, hits, "no_writer_model"))]}
