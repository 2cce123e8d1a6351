"""Qdrant client factory: embedded local mode by default, a server when a URL is set."""

from __future__ import annotations

from pathlib import Path

from portalocker.exceptions import LockException
from qdrant_client import AsyncQdrantClient

from sight.errors import UnavailableError
from sight.settings import Settings


class VectorStoreBusyError(UnavailableError):
    """The embedded Qdrant folder is held by another process (one client per folder)."""

    code = "vector_store_busy"

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"the knowledge base at {path} is open in another process (embedded Qdrant allows "
            "one at a time): stop that process, or set SIGHT_QDRANT_URL to a Qdrant server"
        )
        self.path = path


def open_qdrant(settings: Settings) -> AsyncQdrantClient:
    """Return an async Qdrant client for the configured backend (the caller closes it).

    Raise VectorStoreBusyError when another process holds the embedded store's folder.
    """
    if settings.qdrant_url:
        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return AsyncQdrantClient(url=settings.qdrant_url, api_key=key)
    settings.qdrant_path.mkdir(parents=True, exist_ok=True)
    try:
        return AsyncQdrantClient(path=str(settings.qdrant_path))
    except RuntimeError as exc:
        # Local mode takes a portalocker lock on the folder and turns its LockException into
        # a RuntimeError; any other RuntimeError is not ours to reword.
        if isinstance(exc.__context__, LockException):
            raise VectorStoreBusyError(settings.qdrant_path.resolve()) from exc
        raise
