"""Mentor: a Polish chat that explains the user's own results (seed 003's AI Mentor).

START -> prepare_turn -> answer_question -> END

prepare_turn gathers the results the question is about (the thread's, the ones it names, the
user's newest), tenant-scoped, fitted to the prompt's token limit, and summarises a long
conversation; answer_question has the `deep` model explain them in Polish, guarded: not
Polish or a number not in the results is asked once more, then marked; a model failure ends the
run with a Polish catalogue message. Offline (the embedded models) the answer is the results'
facts, saying so. See docs/mentor.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.graph import END, START, StateGraph

from graphs.context import GraphResources, RunInfo
from nodes.mentor.answer import answer_question
from nodes.mentor.prepare import prepare_turn
from nodes.mentor.state import MentorContext, MentorInput, MentorOutput, MentorState
from sight.settings import Settings
from tools.mentor.request import check_input, check_owned
from tools.models.capabilities import is_capable


def build_graph() -> StateGraph:
    """Return the uncompiled mentor graph; the caller compiles it."""
    builder = StateGraph(
        MentorState,
        context_schema=MentorContext,
        input_schema=MentorInput,
        output_schema=MentorOutput,
    )
    builder.add_node(prepare_turn)
    builder.add_node(answer_question)
    builder.add_edge(START, "prepare_turn")
    builder.add_edge("prepare_turn", "answer_question")
    builder.add_edge("answer_question", END)
    return builder


def uses_model(settings: Settings) -> bool:
    """Whether the deep model explains: SIGHT_MENTOR_MODEL, or for `auto` a hosted model
    (Gemini, Ollama) or the scripted fake; the embedded models write Polish poorly."""
    if settings.mentor_model != "auto":
        return settings.mentor_model == "on"
    chain = settings.model_chain("deep")
    return is_capable(chain) or bool(chain) and chain[0].startswith("fake/")


CONTEXT_TOKENS = 1500
LOCAL_CONTEXT_TOKENS = 600


def context_tokens(settings: Settings, chain: list[str]) -> int:
    """The results' share of a prompt: SIGHT_MENTOR_CONTEXT_TOKENS, else less for the embedded
    models, whose prompt reading dominates the wait for the first token."""
    if settings.mentor_context_tokens is not None:
        return settings.mentor_context_tokens
    local = bool(chain) and chain[0].startswith("local/")
    return LOCAL_CONTEXT_TOKENS if local else CONTEXT_TOKENS


def make_context(resources: GraphResources, run: RunInfo | None = None) -> MentorContext:
    """Build the run context: the run's models, the tenant's results, the thread's metadata."""
    from store.threads import ThreadRepository
    from tools.mentor.results import ResultsReader
    from tools.models.tokens import token_counter

    settings = resources.settings
    run = run or RunInfo(str(uuid.uuid4()), "local")
    threads = ThreadRepository(resources.sessions)
    chain = settings.model_chain("deep")
    counter = token_counter(chain[0], settings) if chain else None

    async def thread_metadata() -> dict[str, Any]:
        record = await threads.get(run.thread_id, run.tenant)
        return dict(record.metadata) if record else {}

    context = MentorContext(
        models=resources.models.for_run(run.run_id),
        reader=ResultsReader(resources.sessions, run.tenant),
        thread_metadata=thread_metadata,
        use_model=uses_model(settings),
        context_tokens=context_tokens(settings, chain),
        history_turns=settings.mentor_history_turns,
        summary_tokens=settings.mentor_summary_tokens,
        max_output_tokens=settings.mentor_max_output_tokens,
        run_id=run.run_id,
        tenant=run.tenant,
    )
    if counter is not None:
        context.count = counter.count_text
    return context


def validate_input_payload(payload: Any) -> dict[str, Any]:
    """Check a run's input before it starts: ``{"messages": [...], "context"?: {persona_ids,
    focus_group_ids, kpi_keys, session_ids}}`` ending with the user's question."""
    return check_input(payload)


async def check_input_payload(payload: Any, resources: GraphResources, tenant: str) -> None:
    """Refuse (422) results the input names that are not the tenant's; nothing is stored."""
    from tools.mentor.refs import ResultRef
    from tools.mentor.results import ResultsReader

    await check_owned(payload, ResultsReader(resources.sessions, tenant), ResultRef)


# The langgraph.json target only; Sight's own runners compile with the checkpointer they own.
graph = build_graph().compile()
