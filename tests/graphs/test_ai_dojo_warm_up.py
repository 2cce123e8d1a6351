"""The Dojo's warm-up: the router's examples embedded and the knowledge base opened before the
first message; a failure is logged, never raised (the first run reports it)."""

from __future__ import annotations

from types import SimpleNamespace

from graphs import ai_dojo
from sight.errors import UnavailableError
from sight.settings import Settings
from tools.ai_dojo import router


async def test_warm_up_when_served_then_router_built_and_knowledge_base_opened(
    settings: Settings, monkeypatch
):
    monkeypatch.setattr(router, "_ROUTERS", {})
    opened = []

    async def knowledge_base():
        opened.append(True)

    await ai_dojo.warm_up(SimpleNamespace(settings=settings, knowledge_base=knowledge_base))

    assert list(router._ROUTERS) == [settings.embedder] and opened == [True]


async def test_warm_up_when_knowledge_base_fails_then_logged_not_raised(settings: Settings, caplog):
    async def knowledge_base():
        raise UnavailableError("qdrant is down")

    await ai_dojo.warm_up(SimpleNamespace(settings=settings, knowledge_base=knowledge_base))

    assert "ai_dojo warm-up failed" in caplog.text
