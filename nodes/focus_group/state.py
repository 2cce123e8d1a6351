"""State, input/output schemas and run context of the focus-group workflow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from typing_extensions import TypedDict  # pydantic needs it for JSON schemas on Python < 3.12

from sight.clock import utc_now


class Question(TypedDict, total=False):
    id: str
    text: str
    type: str
    scale: int
    labels: list[str]
    options: list[Any]
    max_choices: int
    min: float
    max: float
    unit: str


class Budget(TypedDict, total=False):
    max_tokens: int
    max_usd: float


class FocusGroupInput(TypedDict, total=False):
    personas: list[str]
    generate: dict[str, Any]
    questions: list[Question]
    mode: str
    memory: str
    rounds: int
    budget: Budget
    estimate_only: bool
    rerun_failed: str


class FocusGroupOutput(TypedDict, total=False):
    focus_group_id: str
    status: str
    estimate: dict[str, Any]
    spend: dict[str, Any]
    report: dict[str, Any] | None


class FocusGroupState(FocusGroupInput, FocusGroupOutput, total=False):
    request: dict[str, Any]
    profiles: dict[str, dict[str, Any]]  # persona id -> what prompts and cuts read
    started_at: str  # ISO time the run began: a rerun re-asks cells last written before it
    spent_before: dict[str, Any]  # what earlier runs of this focus group spent (a rerun)
    generate_spend: dict[str, Any]  # what this run's persona generation spent
    cells: dict[str, int]  # answered / failed / skipped_budget / total, after answering


@dataclass
class FocusGroupContext:
    """Run-scoped dependencies. ``store`` (store.focus_groups.FocusGroupRepository) and
    ``writer`` (store.focus_group_answers.AnswerWriter) are required: every answer is durable;
    ``personas`` looks up the tenant's personas; ``generate`` runs persona generation."""

    models: Any = None  # tools.models.RunModels
    store: Any = None
    writer: Any = None
    personas: Any = None  # store.persona_lookup (owned ids, profiles)
    embedder: Any = None  # langchain Embeddings: the answers' prose, SSR anchors
    # Runs persona generation; returns its output and its usage (tools.models.usage.RunUsage).
    generate: Callable[[dict[str, Any]], Awaitable[tuple[dict[str, Any], Any]]] | None = None
    check_generate: Callable[[Any], dict[str, Any]] | None = None
    generate_priced: bool = True  # whether a model writes generated personas (they cost tokens)
    run_id: str = "local"
    thread_id: str | None = None
    tenant: str = "default"
    clock: Callable[[], datetime] = field(default=utc_now)
    # Analysis: sentiment by the fast model (else the lexicon); theme labels by this model.
    sentiment_by_model: bool = False
    theme_labels_by: str | None = None
    # Said in the report's warnings: the answering model's known limits (the embedded one).
    model_note: str | None = None
