"""Which of the six things the mentor's message asks for (teach, correct, ask, review...)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from nodes.ai_dojo.state import DojoContext, DojoState
from prompts.ai_dojo import ROUTER_CONTEXT, ROUTER_SYSTEM, ROUTER_USER
from sight.errors import SightError
from tools.ai_dojo.router import route
from tools.ai_dojo.schemas import IntentChoice

log = logging.getLogger(__name__)
NOSTREAM = {"tags": ["nostream"]}  # structured output is not chat: keep it off the stream

Step = Literal[
    "draft_entry",
    "draft_correction",
    "answer_question",
    "review_feedback",
    "review_sessions",
    "reply_help",
]
_STEPS: dict[str, Step] = {
    "teach": "draft_entry",
    "correct": "draft_correction",
    "ask": "answer_question",
    "review_feedback": "review_feedback",
    "review_sessions": "review_sessions",
    "other": "reply_help",
}


def last_human(state: DojoState) -> HumanMessage | None:
    """The mentor's latest message."""
    for message in reversed(state.get("messages") or []):
        if isinstance(message, HumanMessage):
            return message
    return None


def text_of(message: HumanMessage | None) -> str:
    """A message's text (content blocks joined)."""
    if message is None:
        return ""
    content = message.content
    if isinstance(content, str):
        return content.strip()
    parts = [b.get("text", "") if isinstance(b, dict) else str(b) for b in content]
    return " ".join(p for p in parts if p).strip()


async def route_message(state: DojoState, runtime: Runtime[DojoContext]) -> dict[str, Any]:
    """Classify the message by its embedding against labelled examples; when the router is
    unsure and a capable model is configured, the model breaks the tie."""
    ctx = runtime.context
    text = text_of(last_human(state))
    score = await asyncio.to_thread(route, ctx.embedder, text)
    intent, method, degraded = score.intent, "embedding", []
    if not score.confident:
        intent = score.fallback_intent
        if ctx.tie_breaker and ctx.models is not None:
            try:
                choice = await ctx.models.ainvoke(
                    "fast",
                    [
                        SystemMessage(ROUTER_SYSTEM),
                        HumanMessage(ROUTER_USER.format(context=_context(state), message=text)),
                    ],
                    schema=IntentChoice,
                    config=NOSTREAM,
                )
                intent, method = choice.intent, "model"
            except SightError as exc:
                log.warning("dojo router: the tie-breaker failed (%s)", exc.code)
                degraded.append(
                    {"part": "intent", "reason": exc.code, "used": "the embedding router"}
                )
    return {
        "intent": {
            "intent": intent,
            "score": score.score,
            "margin": score.margin,
            "confident": score.confident,
            "method": method,
            "scores": score.scores,
        },
        "proposal": None,
        "outcome": None,
        "degraded": degraded,
    }


def _context(state: DojoState, turns: int = 4, chars: int = 300) -> str:
    """The conversation before the mentor's message, for the tie-breaker ("tak, popraw to"
    means something only after a proposal)."""
    earlier = (state.get("messages") or [])[:-1][-turns:]
    lines = []
    for message in earlier:
        who = "Mentor" if isinstance(message, HumanMessage) else "Sight"
        body = text_of(message) if isinstance(message, HumanMessage) else str(message.content)
        lines.append(f"{who}: {body[:chars]}")
    return ROUTER_CONTEXT.format(context="\n".join(lines)) if lines else ""


def next_step(state: DojoState) -> Step:
    """Go where the message's intent leads."""
    return _STEPS[(state.get("intent") or {}).get("intent", "other")]
