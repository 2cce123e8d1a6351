"""State, input/output schemas and run context of the CRM-history persona (one run per persona)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import (
    Any,
    Literal,
    NotRequired,  # pydantic needs them on Python < 3.12
)

from typing_extensions import TypedDict

from sight.clock import utc_now
from tools.crm_persona.similar import LOOKALIKE_POOL

Mode = Literal["basic", "rag"]


class CrmPersonaInput(TypedDict):
    """Which contact, and how: ``basic`` (its fields only) or ``rag`` (its history too)."""

    contact_id: str
    mode: NotRequired[Mode]


class CrmPersonaOutput(TypedDict, total=False):
    persona: dict[str, Any]  # the stored version: {id, contact_id, version, mode, ...}


class CrmPersonaState(CrmPersonaInput, CrmPersonaOutput, total=False):
    contact: dict[str, Any]  # the contact in the import's JSON form
    metrics: dict[str, Any]  # tools.crm_persona.metrics.behaviour
    comparison: dict[str, Any]  # tools.crm_persona.benchmarks.compared
    mode_used: Mode
    fallback_reason: str | None
    evidence: list[dict[str, Any]]  # [{id, kind, text}] what the persona may cite
    lookalikes: list[dict[str, Any]]
    draft: dict[str, Any]  # the written persona before it is stored
    generation: dict[str, Any]  # how it was made: writer, model, usage, what was dropped


@dataclass
class CrmPersonaContext:
    """Run-scoped dependencies: the tenant's contacts and personas, the models, the knowledge
    base. Without ``models`` (or ``use_model`` False) the rules write what they can."""

    contacts: Any = None  # store.crm.CrmContactRepository
    personas: Any = None  # store.crm.CrmPersonaRepository
    models: Any = None  # tools.models.RunModels
    use_model: bool = False
    model_name: str | None = None  # the deep role's first model, recorded with the persona
    knowledge: Callable[[], Awaitable[Any]] | None = None
    embed: Callable[[list[str]], list[list[float]]] | None = None  # notes -> vectors
    min_interactions: int = 5
    min_quality: float = 30
    history_items: int = 30
    lookalike_pool: int = LOOKALIKE_POOL
    max_output_tokens: int = 1200
    run_id: str = "local"
    tenant: str = "default"
    clock: Callable[[], datetime] = field(default=utc_now)
