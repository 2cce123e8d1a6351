"""What a graph runner owns: database engine, sessions, checkpointer, model router.

The CLI, the API lifespan and tests open one of these and hand it to graphs' make_context.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sight.settings import Settings
from store.checkpoint.factory import open_checkpointer
from store.db import create_engine, session_factory
from store.migrate import upgrade_async


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    checkpointer: BaseCheckpointSaver
    _router: Any = field(default=None, repr=False)
    _qdrant: Any = field(default=None, repr=False)
    _knowledge: Any = field(default=None, repr=False)
    _knowledge_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def models(self) -> Any:
        """The process-wide model router (built on first use: loading models is lazy)."""
        if self._router is None:
            from tools.models import ModelRouter

            self._router = ModelRouter(self.settings)
        return self._router

    def qdrant(self) -> Any:
        """The process's Qdrant client (opened on first use, closed by ``aclose``).

        Embedded Qdrant admits one client per folder, so everything in the process (the
        knowledge base, the health check) shares this one. VectorStoreBusyError when
        another process holds the folder.
        """
        if self._qdrant is None:
            from store.vectors import open_qdrant

            self._qdrant = open_qdrant(self.settings)
        return self._qdrant

    async def knowledge_base(self) -> Any:
        """The configured knowledge base (Qdrant opened, mirror loaded, on first use)."""
        async with self._knowledge_lock:
            if self._knowledge is None:
                from tools.knowledge import open_knowledge_base

                self._knowledge = await open_knowledge_base(self.settings, self.qdrant())
            return self._knowledge

    async def aclose(self) -> None:
        """Close what was opened on first use."""
        if self._qdrant is not None:
            await self._qdrant.close()
            self._qdrant = self._knowledge = None


@asynccontextmanager
async def open_resources(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Resources]:
    """Migrate the database, open engine and checkpointer; close them on exit."""
    if migrate:
        await upgrade_async(settings)
    engine = create_engine(settings)
    try:
        async with open_checkpointer(settings) as checkpointer:
            resources = Resources(settings, engine, session_factory(engine), checkpointer)
            try:
                yield resources
            finally:
                await resources.aclose()
    finally:
        await engine.dispose()
