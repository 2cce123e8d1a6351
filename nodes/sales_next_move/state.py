"""State, input/output schemas and run context of the sales co-pilot (one run per observation)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict  # pydantic needs it for JSON schemas on Python < 3.12

from sight.clock import utc_now


class SalesInput(TypedDict, total=False):
    """One of: ``text`` (an observation: the fast path), ``deep`` (the slow path for the
    latest turn) or ``messages`` (a question to the strategic advisor)."""

    text: str | None  # the salesperson's observation; cleared when its turn is stored
    deep: bool  # run the slow path; cleared when it is stored
    messages: Annotated[list[AnyMessage], add_messages]


class SalesOutput(TypedDict, total=False):
    interaction_id: str
    session_id: str
    turn: int
    analysis: dict[str, Any]
    deep_analysis: dict[str, Any]  # the slow path's latest result (its ``turn`` says for which)
    memory: dict[str, Any]  # {summary, key_facts, memory_turn, written_by}
    messages: Annotated[list[AnyMessage], add_messages]


class SalesState(SalesInput, SalesOutput, total=False):
    # Carried over between runs of the session's thread (its checkpoints):
    history: list[dict[str, Any]]  # [{turn, text}] every observation so far
    signals_seen: list[dict[str, Any]]  # [{id, evidence, source, turn}] every turn's signals
    archetype_state: dict[str, Any]  # tools.sales_next_move.archetypes.ArchetypeState
    archetype_before: dict[str, Any]  # the state before the latest turn (a redone turn's start)
    note_vectors: list[dict[str, Any]]  # [{turn, vector}] the last notes' embeddings
    # This run's work, reset by read_observation:
    signals: list[dict[str, Any]]
    signals_dropped: list[dict[str, Any]]  # the model's signals whose quote was not in the note
    archetype: dict[str, Any]
    knowledge: dict[str, Any]
    indicators: dict[str, Any]
    next_moves: list[dict[str, Any]]
    degraded: list[dict[str, Any]]
    started: float  # time.monotonic() when the run began: the fast path's deadline counts from it


@dataclass
class SalesContext:
    """Run-scoped dependencies. Without ``interactions`` nothing is stored (tests, evals);
    without ``knowledge`` no chunk is retrieved (moves still come from the move library)."""

    models: Any = None  # tools.models.RunModels
    knowledge: Callable[[], Awaitable[Any]] | None = None  # -> KnowledgeBase
    profiles: Callable[[], Awaitable[Any]] | None = None  # -> ArchetypeProfiles
    embed_query: Callable[[str], Awaitable[list[float]]] | None = None
    sessions: Any = None  # store.sales_next_move.SessionRepository
    interactions: Any = None  # store.sales_next_move.InteractionRepository
    model_signals: bool = False  # ask the fast model for signals (and to phrase moves)
    deadline_s: float = 3.5  # the fast path's budget, from the run's start
    writer_model: bool = False  # the deep model writes usable Polish (memory, advisor, summary)
    memory_tokens: int = 1200  # notes older than the last ``memory_turns`` beyond this: summarise
    memory_turns: int = 6  # notes every prompt carries verbatim
    count_tokens: Callable[[str], int] | None = None
    signal_timeout_s: float = 2.0  # the model's signal call, at most
    per_module: int = 2  # chunks per triggered module
    run_id: str = "local"
    thread_id: str | None = None
    tenant: str = "default"
    clock: Callable[[], datetime] = field(default=utc_now)
    monotonic: Callable[[], float] = field(default=time.monotonic)

    def left(self, started: float) -> float:
        """Seconds left of the fast path's deadline."""
        return self.deadline_s - (self.monotonic() - started)
