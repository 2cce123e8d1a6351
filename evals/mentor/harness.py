"""The mentor graph over the eval's stored results, one tenant and one scripted model per ask."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from evals.mentor.fixtures import Fixtures
from graphs.context import RunInfo
from graphs.mentor import build_graph, make_context
from nodes.mentor.state import MentorContext
from sight.settings import Settings
from tools.models import ModelRouter, ScriptedChatModel

QUESTIONS = Path(__file__).resolve().parent / "questions.json"


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["questions"]


def fake_settings(settings: Settings, data_dir: Path) -> Settings:
    """The eval's settings with scripted `fast` and `deep` models and no retries."""
    return settings.model_copy(
        update={
            "data_dir": data_dir,
            "database_url": None,
            "provider": "fake",
            "model_fast": ["fake/fast"],
            "model_deep": ["fake/deep"],
            "model_max_retries": 0,
            "mentor_model": "on",
        }
    )


@dataclass
class Asked:
    """One run's outcome: its output (None when it failed), error, the model, the thread."""

    output: dict[str, Any] | None
    error: BaseException | None
    model: ScriptedChatModel
    thread: str
    context: MentorContext


class Harness:
    """Asks the mentor as a tenant, each ask on a new thread unless one is given."""

    def __init__(self, resources: Any, fixtures: Fixtures) -> None:
        self.resources = resources
        self.fixtures = fixtures
        self.graph = build_graph().compile(checkpointer=InMemorySaver())

    def context(self, tenant: str, thread: str, script: list[Any]) -> tuple[MentorContext, Any]:
        settings = self.resources.settings
        model = ScriptedChatModel(model_name="fake/deep", script=list(script))
        fast = ScriptedChatModel(model_name="fake/fast", default="Streszczenie rozmowy.")
        router = ModelRouter(settings, models={"fake/deep": model, "fake/fast": fast})
        ctx = make_context(self.resources, RunInfo(str(uuid.uuid4()), thread, tenant))
        ctx.models = router.for_run(f"eval-{thread}")
        ctx.use_model = True
        return ctx, model

    async def ask(
        self,
        tenant: str,
        question: str | None,
        script: list[Any],
        *,
        thread: str | None = None,
        config: dict[str, Any] | None = None,
        offline: bool = False,
    ) -> Asked:
        """Run one turn (``question`` None: the thread's pending turn again)."""
        thread = thread or str(uuid.uuid4())
        ctx, model = self.context(tenant, thread, script)
        ctx.use_model = not offline
        payload = (
            None if question is None else {"messages": [{"type": "human", "content": question}]}
        )
        try:
            output = await self.graph.ainvoke(
                payload, config or {"configurable": {"thread_id": thread}}, context=ctx
            )
            return Asked(output, None, model, thread, ctx)
        except Exception as exc:  # noqa: BLE001 - the error path is what some checks measure
            return Asked(None, exc, model, thread, ctx)

    async def messages(self, thread: str) -> list[Any]:
        state = await self.graph.aget_state({"configurable": {"thread_id": thread}})
        return list(state.values.get("messages", []))
