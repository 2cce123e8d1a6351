"""What a graph's ``make_context`` receives from whoever runs it (the runtime, tests, evals).

Defined here, below the runtime, so that graphs name these types without importing the layer
that runs them; ``runtime.resources.Resources`` satisfies ``GraphResources``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.settings import Settings


@dataclass(frozen=True)
class RunInfo:
    """Who a run is for: graphs that persist or account per run read it in make_context."""

    run_id: str
    thread_id: str
    tenant: str = "default"
    actor: str = ""  # the API key's name that created the run (who a change is recorded for)


class GraphResources(Protocol):
    """The process-wide parts a graph's run context is built from."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]

    @property
    def models(self) -> Any:
        """The model router (tools.models.ModelRouter)."""

    def knowledge_base(self) -> Awaitable[Any]:
        """The knowledge base, opened on first use."""
