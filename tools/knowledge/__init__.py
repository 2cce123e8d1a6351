"""The knowledge base: hybrid retrieval (dense + Polish BM25 + RRF + rerank) on Qdrant."""

from __future__ import annotations

from qdrant_client import AsyncQdrantClient

from sight.settings import Settings
from tools.knowledge.base import KnowledgeBase, SearchOptions
from tools.knowledge.rerank import make_reranker
from tools.models.embedders import get_embedder


def search_options(settings: Settings) -> SearchOptions:
    """Pipeline knobs from settings."""
    return SearchOptions(
        rrf_k=settings.knowledge_rrf_k,
        candidates=settings.knowledge_candidates,
        rerank_top=settings.knowledge_rerank_top,
        duplicate_threshold=settings.knowledge_duplicate_threshold,
        duplicate_overlap=settings.knowledge_duplicate_overlap,
    )


async def open_knowledge_base(
    settings: Settings, client: AsyncQdrantClient, name: str | None = None
) -> KnowledgeBase:
    """Open (creating if needed) a knowledge base as the settings configure it."""
    in_memory = settings.knowledge_backend == "memory" or (
        settings.knowledge_backend == "auto" and not settings.qdrant_url
    )
    kb = KnowledgeBase(
        client,
        name or settings.knowledge_base,
        get_embedder(settings),
        reranker=make_reranker(settings.knowledge_reranker),
        options=search_options(settings),
        in_memory=in_memory,
    )
    return await kb.open()


__all__ = ["KnowledgeBase", "SearchOptions", "open_knowledge_base", "search_options"]
