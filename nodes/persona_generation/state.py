"""State, input/output schemas and run context of the persona generation workflow."""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, NotRequired

from typing_extensions import TypedDict  # pydantic needs it for JSON schemas on Python < 3.12

from sight.clock import utc_now
from tools.segment import SegmentFields

Embed = Callable[[list[str]], Awaitable[list[list[float]]]]


def keep_latest(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any]:
    """Merge drafts by slot index; a slot's newer draft replaces the older one."""
    return {**(old or {}), **(new or {})}


class SegmentRequest(SegmentFields, total=False):
    """A segment (the fields KPI estimation takes, without industry) and how many personas."""

    count: int


class PersonaInput(TypedDict, total=False):
    segments: list[SegmentRequest]
    seed: int


class PersonaOutput(TypedDict, total=False):
    personas: list[dict[str, Any]]
    report: dict[str, Any]


class PersonaState(PersonaInput, total=False):
    request: dict[str, Any]
    contexts: dict[str, dict[str, Any]]
    slots: list[dict[str, Any]]
    drafts: Annotated[dict[str, dict[str, Any]], keep_latest]
    # Slot index -> the earlier slot it nearly repeats, as of the latest review.
    duplicates: dict[str, dict[str, Any]]
    duplicate_log: Annotated[list[dict[str, Any]], operator.add]
    round: int
    personas: list[dict[str, Any]]
    report: dict[str, Any]


class WriteTask(TypedDict):
    """What one ``write_persona`` task gets through ``Send``."""

    slot: dict[str, Any]
    context: str
    attempt: int
    feedback: list[str]
    previous: dict[str, Any] | None
    total: int
    # The review's last resort for a slot: the template writer, no model call.
    template_only: NotRequired[bool]


class WriteBatch(TypedDict):
    """What one ``write_personas`` task gets through ``Send``."""

    tasks: list[WriteTask]


@dataclass
class Progress:
    """Counts of one run, for the ``custom`` stream's "n of N" events (in-process only)."""

    total: int = 0
    written: int = 0
    regenerated: int = 0


@dataclass
class PersonaContext:
    """Run-scoped dependencies. Without ``personas`` nothing is stored; without ``knowledge``
    no segment context is retrieved; without ``embed`` near-duplicates are not checked."""

    models: Any = None  # tools.models.RunModels
    knowledge: Callable[[], Awaitable[Any]] | None = None
    embed: Embed | None = None
    personas: Any = None  # store.personas.PersonaRepository
    run_id: str = "local"
    tenant: str = "default"
    clock: Callable[[], datetime] = field(default=utc_now)
    min_score: int = 70
    max_attempts: int = 3
    duplicate_threshold: float = 0.97
    context_hits: int = 3
    tokens_per_persona: int | None = None
    # "model": the fast model writes, the template writer is the floor; "template": no model.
    writer: str = "model"
    writer_note: str | None = None  # why the run uses the template writer alone
    refine_occupation: bool = False  # a capable model may pick among the occupation options
    progress: Progress = field(default_factory=Progress)

    def size_run(self, total: int) -> None:
        """Scale the token budget to the run's persona count (once; resumed runs too)."""
        if self.progress.total == total:
            return
        self.progress.total = total
        if self.models is not None and self.tokens_per_persona is not None:
            from tools.models.usage import TokenBudget

            self.models.budget = TokenBudget(
                "persona_tokens_per_persona", self.tokens_per_persona * total
            )
