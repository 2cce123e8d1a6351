"""AI Dojo: a senior salesperson teaches Sight in a chat; nothing is stored unconfirmed.

START -> route_message -(teach)-> draft_entry ------\\
                       -(correct)-> draft_correction -> confirm_proposal <-> apply_decision -> END
                       -(review_sessions)-> review_sessions -/   (when a pattern is found)
                       -(review_feedback)-> review_feedback -/   (when a candidate is found)
                       -(ask)-> answer_question -> END
                       -(other)-> reply_help -> END

confirm_proposal interrupts in the human-in-the-loop format of LangChain's
HumanInTheLoopMiddleware (agent-chat-ui renders it); the run resumes with the mentor's
decision. Entries go to the mentor's tenant, with an event in the knowledge history naming the
message they came from. See docs/ai_dojo.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph

from graphs.context import GraphResources, RunInfo
from nodes.ai_dojo.ask import answer_question
from nodes.ai_dojo.confirm import apply_decision, confirm_proposal
from nodes.ai_dojo.correct import draft_correction
from nodes.ai_dojo.help import reply_help
from nodes.ai_dojo.review import Learning, review_feedback, review_sessions
from nodes.ai_dojo.route import next_step, route_message
from nodes.ai_dojo.state import DojoContext, DojoInput, DojoOutput, DojoState
from nodes.ai_dojo.teach import draft_entry
from sight.errors import SightError
from tools.ai_dojo.request import check_input, check_resume_payload
from tools.models.capabilities import is_capable

log = logging.getLogger(__name__)


def build_graph() -> StateGraph:
    """Return the uncompiled Dojo graph; the caller compiles it."""
    builder = StateGraph(
        DojoState, context_schema=DojoContext, input_schema=DojoInput, output_schema=DojoOutput
    )
    for node in (
        route_message,
        draft_entry,
        draft_correction,
        review_sessions,
        review_feedback,
        confirm_proposal,
        apply_decision,
        answer_question,
        reply_help,
    ):
        builder.add_node(node)
    builder.add_edge(START, "route_message")
    builder.add_conditional_edges("route_message", next_step)
    for proposing in ("draft_entry", "draft_correction", "review_sessions", "review_feedback"):
        builder.add_conditional_edges(proposing, has_proposal)
    builder.add_edge("confirm_proposal", "apply_decision")
    builder.add_conditional_edges("apply_decision", has_proposal)  # asks again when unreadable
    for last in ("answer_question", "reply_help"):
        builder.add_edge(last, END)
    return builder


def has_proposal(state: DojoState) -> Literal["confirm_proposal", "__end__"]:
    """Ask the mentor while a proposal is open: a draft, a review that found something, a
    decision that could not be read. Otherwise the run has replied and ends."""
    return "confirm_proposal" if state.get("proposal") else END


def make_context(resources: GraphResources, run: RunInfo | None = None) -> DojoContext:
    """Build the run context: the run's models, the embedder, the knowledge base and its
    editor (writes recorded in the knowledge history), and the sales data to learn from."""
    from tools.ai_dojo.gate import gate
    from tools.ai_dojo.rulebook import RuleBook
    from tools.knowledge.editor import KnowledgeEditor
    from tools.models import get_embedder

    settings = resources.settings
    run = run or RunInfo(str(uuid.uuid4()), "local")

    learning = Learning(resources.sessions)
    embedder = get_embedder(settings)

    async def editor() -> KnowledgeEditor:
        kb = await resources.knowledge_base()
        return KnowledgeEditor(kb, resources.sessions, admin_tenant=settings.knowledge_admin_tenant)

    async def rulebook() -> RuleBook:
        return RuleBook(learning.rules, await editor(), gate)

    return DojoContext(
        models=resources.models.for_run(run.run_id),
        embedder=embedder,
        knowledge=resources.knowledge_base,
        editor=editor,
        learning=learning,
        rulebook=rulebook,
        tie_breaker=trusted(settings.model_chain("fast")),
        writer_model=trusted(settings.model_chain("deep")),
        run_id=run.run_id,
        thread_id=run.thread_id,
        tenant=run.tenant,
        actor=run.actor or "dojo",
    )


def trusted(chain: list[str]) -> bool:
    """Whether the Dojo asks a role's model: hosted ones (Gemini, Ollama) and the scripted fake.
    The embedded models draft Polish poorly and slowly, so offline the rules draft and the
    embedding router decides alone (docs/ai_dojo.md)."""
    return is_capable(chain) or bool(chain) and chain[0].startswith("fake/")


async def warm_up(resources: GraphResources) -> None:
    """Embed the router's examples and open the knowledge base, so the mentor's first message
    is as quick as the next (it took ~7 s cold)."""
    from tools.ai_dojo.router import router_for
    from tools.models import get_embedder

    started = time.perf_counter()
    try:
        await asyncio.to_thread(router_for, get_embedder(resources.settings))
        await resources.knowledge_base()
    except (SightError, OSError) as exc:  # the first run reports it properly
        log.warning("ai_dojo warm-up failed: %s", exc)
        return
    log.info("ai_dojo warmed up in %.1f s", time.perf_counter() - started)


def validate_input_payload(payload: Any) -> dict[str, Any]:
    """Check a run's input before it starts: ``{"messages": [...]}`` ending with the
    mentor's message (text, at most 4000 characters)."""
    return check_input(payload)


def validate_resume_payload(resume: Any) -> None:
    """Check the mentor's decision before the run resumes: ``{"decisions": [{"type":
    "approve"}]}``, an ``edit`` with ``edited_action: {name, args}``, or a ``reject``."""
    check_resume_payload(resume)


# The langgraph.json target only; Sight's own runners compile with the checkpointer they own.
graph = build_graph().compile()
