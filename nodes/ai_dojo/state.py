"""State, input/output schemas and run context of the AI Dojo (one run per mentor message)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict  # pydantic needs it for JSON schemas on Python < 3.12

from sight.clock import utc_now


class DojoInput(TypedDict, total=False):
    """The mentor's message, in LangChain's message format (agent-chat-ui sends it so)."""

    messages: Annotated[list[AnyMessage], add_messages]


class DojoOutput(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    intent: dict[str, Any]  # {intent, score, margin, confident, method, scores}
    proposal: dict[str, Any] | None  # {action, args, description, ...} awaiting the mentor
    outcome: dict[str, Any] | None  # what the last decision did: {decision, action, id, version}


class DojoState(DojoInput, DojoOutput, total=False):
    degraded: list[dict[str, Any]]  # what a model could not do this run, and what was used


@dataclass
class DojoContext:
    """Run-scoped dependencies. Without ``editor`` nothing is stored (the graph still asks)."""

    models: Any = None  # tools.models.RunModels
    embedder: Any = None  # tools.models.embedders.Embedder (the router and duplicate check)
    knowledge: Callable[[], Awaitable[Any]] | None = None  # -> KnowledgeBase
    editor: Callable[[], Awaitable[Any]] | None = None  # -> tools.knowledge.editor.KnowledgeEditor
    learning: Any = None  # nodes.ai_dojo.review.Learning: sessions and feedback to mine
    rulebook: Callable[[], Awaitable[Any]] | None = None  # -> tools.ai_dojo.rulebook.RuleBook
    tie_breaker: bool = False  # ask the fast model when the embedding router is unsure
    writer_model: bool = False  # the deep model writes usable Polish (drafts, answers)
    run_id: str = "local"
    thread_id: str | None = None
    tenant: str = "default"
    actor: str = "dojo"  # the API key that sent (or resumed) the run
    clock: Callable[[], datetime] = field(default=utc_now)
