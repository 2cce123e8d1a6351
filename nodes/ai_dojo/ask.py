"""Ask: what Sight knows about a topic, from the entries the mentor's team sees."""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from nodes.ai_dojo.route import last_human, text_of
from nodes.ai_dojo.state import DojoContext, DojoState
from prompts.ai_dojo import ASK_SYSTEM, ASK_USER, REPLY_ASK_NONE
from sight.errors import SightError
from store.knowledge import SHARED

log = logging.getLogger(__name__)
HITS = 4
EXCERPT = 300  # characters of an entry's text quoted in the answer


def _cut(text: str, limit: int = EXCERPT) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def listing(hits: list[Any], tenant: str) -> str:
    """The entries found, numbered, each with its id and whose it is."""
    lines = []
    for n, hit in enumerate(hits, start=1):
        entry = hit.entry
        whose = "wspólna baza" if entry.get("owner", SHARED) == SHARED else "baza twojego zespołu"
        lines.append(f"{n}. „{entry['title']}” ({entry['id']}, {whose}): {_cut(entry['text'])}")
    return "\n".join(lines)


async def answer_question(state: DojoState, runtime: Runtime[DojoContext]) -> dict[str, Any]:
    """List the closest entries; a Polish-writing model first sums them up (from them only)."""
    ctx = runtime.context
    question = text_of(last_human(state))
    hits: list[Any] = []
    degraded: list[dict[str, Any]] = []
    if ctx.knowledge is not None:
        kb = await ctx.knowledge()
        hits = (await kb.search(question, limit=HITS, tenant=ctx.tenant)).hits
    if not hits:
        return {"messages": [AIMessage(REPLY_ASK_NONE.format(topic=_cut(question, 120)))]}
    found = listing(hits, ctx.tenant)
    reply = f"Najbliższe temu wpisy w bazie wiedzy:\n{found}"
    if ctx.writer_model and ctx.models is not None:
        try:
            summary = await ctx.models.ainvoke(
                "deep",
                [SystemMessage(ASK_SYSTEM), HumanMessage(ASK_USER.format(q=question, e=found))],
            )
            reply = f"{str(summary.content).strip()}\n\nŹródła:\n{found}"
        except SightError as exc:
            log.warning("dojo ask: the model failed (%s); listing the entries", exc.code)
            degraded.append({"part": "answer", "reason": exc.code, "used": "the entries listed"})
    return {"messages": [AIMessage(reply)], "degraded": degraded}
