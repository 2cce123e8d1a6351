"""Qdrant client factory: embedded local mode by default, a server when a URL is set."""

from __future__ import annotations

from qdrant_client import AsyncQdrantClient

from sight.settings import Settings


def open_qdrant(settings: Settings) -> AsyncQdrantClient:
    """Return an async Qdrant client for the configured backend (the caller closes it)."""
    if settings.qdrant_url:
        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return AsyncQdrantClient(url=settings.qdrant_url, api_key=key)
    settings.qdrant_path.mkdir(parents=True, exist_ok=True)
    return AsyncQdrantClient(path=str(settings.qdrant_path))
