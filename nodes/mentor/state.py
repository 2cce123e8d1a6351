"""State, input/output schemas and run context of the mentor (one run per question)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict  # pydantic needs it for JSON schemas on Python < 3.12

from sight.clock import utc_now


class MentorInput(TypedDict, total=False):
    """The user's question in LangChain's message format (agent-chat-ui sends it so) and,
    optionally, the results the thread is about: {persona_ids, focus_group_ids, kpi_keys,
    session_ids}."""

    messages: Annotated[list[AnyMessage], add_messages]
    context: dict[str, list[str]]


class MentorOutput(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    refs: list[dict[str, str]]  # [{kind, id}] the results the last answer was given
    answer_meta: dict[str, Any]  # how the last answer was made and checked (see answer.py)


class MentorState(MentorInput, MentorOutput, total=False):
    summary: str  # the conversation before the prompt's window, summarised
    summarized: int  # how many messages the summary covers
    turn: dict[str, Any]  # this question's results text, facts answer and what was left out


@dataclass
class MentorContext:
    """Run-scoped dependencies. Without ``reader`` the mentor sees no results."""

    models: Any = None  # tools.models.RunModels
    reader: Any = None  # tools.mentor.results.ResultsReader of the run's tenant
    thread_metadata: Callable[[], Awaitable[dict[str, Any]]] | None = None
    use_model: bool = False  # the deep model explains (else the results' facts are the answer)
    count: Callable[[str], int] = field(default=lambda text: max(1, len(text) // 3))
    context_tokens: int = 1500
    history_turns: int = 4
    summary_tokens: int = 1200
    max_output_tokens: int = 500
    run_id: str = "local"
    tenant: str = "default"
    clock: Callable[[], datetime] = field(default=utc_now)
