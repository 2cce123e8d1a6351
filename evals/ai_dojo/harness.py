"""A Dojo to evaluate with: the real graph on a private database and knowledge base.

The database is a throwaway SQLite file (migrated), the knowledge base a private in-memory
Qdrant with the given entries, the embedder the configured one (the router needs it); no model
unless the caller sets one, so the offline path is what is measured.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from qdrant_client import AsyncQdrantClient

from graphs import ai_dojo
from nodes.ai_dojo.review import Learning
from nodes.ai_dojo.state import DojoContext
from sight.settings import Settings, load_settings
from store.db import create_engine, session_factory
from store.knowledge_events import KnowledgeEventRepository
from store.migrate import upgrade_async
from tools.ai_dojo.gate import gate
from tools.ai_dojo.rulebook import RuleBook
from tools.knowledge import KnowledgeBase, search_options
from tools.knowledge.editor import KnowledgeEditor
from tools.knowledge.entries import KnowledgeEntry
from tools.knowledge.rerank import make_reranker
from tools.models.embedders import get_embedder

TENANT = "dojo-eval"


@dataclass
class Dojo:
    """The compiled graph with its context, and what it writes to."""

    graph: Any
    context: DojoContext
    kb: KnowledgeBase
    events: KnowledgeEventRepository
    learning: Learning
    engine: Any
    threads: list[str] = field(default_factory=list)

    async def say(self, text: str, thread: str | None = None) -> tuple[str, dict[str, Any]]:
        """Send a mentor message (on a new thread unless given); the thread and the output."""
        thread = thread or str(uuid.uuid4())
        self.threads.append(thread)
        out = await self.graph.ainvoke(
            {"messages": [{"type": "human", "content": text}]},
            _config(thread),
            context=self.context,
        )
        return thread, out

    async def pending(self, thread: str) -> list[Any]:
        """The thread's open interrupts."""
        return list((await self.graph.aget_state(_config(thread))).interrupts)

    async def decide(self, thread: str, decision: dict[str, Any]) -> dict[str, Any]:
        """Resume the thread with the mentor's decision."""
        return await self.graph.ainvoke(
            Command(resume={"decisions": [decision]}), _config(thread), context=self.context
        )

    async def event_count(self, entry_id: str) -> int:
        return len(await self.events.history(entry_id))

    async def close(self) -> None:
        await self.engine.dispose()


def _config(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


async def open_dojo(settings: Settings, entries: Sequence[KnowledgeEntry] = ()) -> Dojo:
    """A Dojo on a private database and knowledge base holding ``entries`` (shared)."""
    private = load_settings(
        data_dir=Path(tempfile.mkdtemp(prefix="sight-dojo-eval-")),
        embedder=settings.embedder,
        provider="fake",
        _env_file=None,
    )
    await upgrade_async(private)
    engine = create_engine(private)
    sessions = session_factory(engine)
    embedder = get_embedder(settings)
    kb = KnowledgeBase(
        AsyncQdrantClient(location=":memory:"),
        "dojo_eval",
        embedder,
        reranker=make_reranker(settings.knowledge_reranker),
        options=search_options(settings),
    )
    await kb.open()
    if entries:
        await kb.load(entries)
    editor = KnowledgeEditor(kb, sessions)
    learning = Learning(sessions)

    async def knowledge() -> KnowledgeBase:
        return kb

    async def get_editor() -> KnowledgeEditor:
        return editor

    async def rulebook() -> RuleBook:
        return RuleBook(learning.rules, editor, gate)

    context = DojoContext(
        embedder=embedder,
        knowledge=knowledge,
        editor=get_editor,
        learning=learning,
        rulebook=rulebook,
        tenant=TENANT,
        actor="mentor-eval",
    )
    graph = ai_dojo.build_graph().compile(checkpointer=InMemorySaver())
    return Dojo(graph, context, kb, KnowledgeEventRepository(sessions), learning, engine)
