"""The rerank stage: reorder the fused top candidates with a stronger relevance signal.

``cross-encoder/<name or path>`` runs a sentence-transformers CrossEncoder over (query, chunk)
pairs. No cross-encoder weights ship offline, so the default, ``features``, scores each candidate
with a linear model over finer signals than the retrievers use: the query's cosine similarity to
the whole chunk, to its title and to its closest sentence (a sentence answers a question more
sharply than a 900-character chunk; vectors embedded at write time), the IDF-weighted share of
the query's lemmas the chunk contains, and the fused RRF score, which alone keeps only ranks. Their weights
were chosen on the dev half of the labelled query set (evals/knowledge) and are reported on both
halves.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from sight.errors import SettingsError

# Weights of the feature reranker, chosen by ``python -m evals.knowledge.tune`` on the dev split.
FEATURE_WEIGHTS = {
    "cosine": 6.0,
    "title_cosine": 3.0,
    "sentence_max": 2.4,
    "coverage": 0.8,
    "rrf": 0.3,
}
COSINE_FLOOR = 0.75  # multilingual-e5 puts unrelated Polish passages near 0.75-0.8


@dataclass(slots=True)
class Candidate:
    """A fused candidate with every signal the stages produced."""

    id: str
    payload: dict
    cosine: float = 0.0  # query-chunk cosine similarity
    title_cosine: float = 0.0  # query-title cosine similarity
    sentence_max: float = 0.0  # cosine of the query to the chunk's closest sentence
    bm25: float = 0.0
    coverage: float = 0.0  # IDF-weighted share of query terms in the chunk
    title_coverage: float = 0.0
    rrf: float = 0.0
    ranks: dict[str, int | None] = field(default_factory=dict)
    rerank: float | None = None


class Reranker(Protocol):
    """Scores candidates for a query; higher is more relevant."""

    name: str

    async def scores(self, query: str, candidates: list[Candidate]) -> list[float]: ...


class FeatureReranker:
    """A fixed linear model over the signals of the earlier stages (no model weights needed)."""

    name = "features"

    def __init__(self, weights: dict[str, float] | None = None) -> None:
        self.weights = dict(FEATURE_WEIGHTS, **(weights or {}))

    def _score_all(self, candidates: list[Candidate]) -> list[float]:
        if not candidates:
            return []
        best_rrf = max(c.rrf for c in candidates) or 1.0
        w = self.weights
        return [
            w["cosine"] * (c.cosine - COSINE_FLOOR)
            + w["title_cosine"] * (c.title_cosine - COSINE_FLOOR)
            + w["sentence_max"] * (c.sentence_max - COSINE_FLOOR)
            + w["coverage"] * c.coverage
            + w["rrf"] * c.rrf / best_rrf
            for c in candidates
        ]

    async def scores(self, query: str, candidates: list[Candidate]) -> list[float]:
        return self._score_all(candidates)


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder (loaded on first use, run off the event loop)."""

    name = "cross-encoder"

    def __init__(self, name_or_path: str, max_length: int = 512) -> None:
        self.name_or_path = name_or_path
        self.max_length = max_length
        self._model = None

    def _predict(self, pairs: list[tuple[str, str]]) -> list[float]:
        if self._model is None:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(self.name_or_path, device="cpu", max_length=self.max_length)
        return np.asarray(self._model.predict(pairs, show_progress_bar=False)).ravel().tolist()

    async def scores(self, query: str, candidates: list[Candidate]) -> list[float]:
        pairs = [
            (query, f"{c.payload.get('title', '')}\n{c.payload.get('text', '')}")
            for c in candidates
        ]
        return await asyncio.to_thread(self._predict, pairs) if pairs else []


def make_reranker(spec: str) -> Reranker | None:
    """The reranker named by the ``knowledge_reranker`` setting (None for ``none``)."""
    if spec == "none":
        return None
    if spec == "features":
        return FeatureReranker()
    kind, _, name = spec.partition("/")
    if kind == "cross-encoder" and name:
        from tools.models.embedders import resolve_sentence_transformer

        return CrossEncoderReranker(resolve_sentence_transformer(name))
    raise SettingsError(
        f"SIGHT_KNOWLEDGE_RERANKER={spec!r} is not supported: use features, none or "
        "cross-encoder/<name or path>"
    )
