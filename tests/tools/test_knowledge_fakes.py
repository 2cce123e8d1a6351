"""A fake embedder and entry helpers for knowledge-base tests, and the checks they rely on.

The real embedder costs ~0.3 s a passage, so most knowledge tests embed with
:class:`HashEmbedder`: a bag of lemmas, each lemma hashed to a fixed pseudo-random 64-dim
direction. It is deterministic, instant, and texts sharing lemmas get similar vectors, which is
all retrieval tests need. Dense directions (not one bucket a lemma) keep cosines continuous, so
two backends never disagree over the order of exactly tied scores.
"""

from __future__ import annotations

import math
import zlib
from functools import lru_cache
from typing import Any

import numpy as np

from tools.knowledge.entries import KnowledgeEntry
from tools.models.embedders import Embedder
from tools.polish_text import terms


class HashEmbedder(Embedder):
    """Bag-of-lemmas vectors, unit length; counts the texts it is asked to embed."""

    def __init__(self, dim: int = 64) -> None:
        super().__init__()
        self._dim = dim
        self.query_calls = 0
        self.document_calls = 0
        self.documents_embedded = 0
        self.texts: list[str] = []  # every document text embedded, in order

    @property
    def dim(self) -> int:
        return self._dim

    def vector(self, text: str) -> list[float]:
        """The vector of ``text`` (what both embed methods return)."""
        v = np.zeros(self._dim)
        for term in terms(text):
            v += _direction(term, self._dim)
        norm = float(np.linalg.norm(v))
        if norm == 0:  # no content words: a fixed direction, never a zero vector
            v[0], norm = 1.0, 1.0
        return (v / norm).tolist()

    def embed_query(self, text: str) -> list[float]:
        self.query_calls += 1
        return self.vector(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.document_calls += 1
        self.documents_embedded += len(texts)
        self.texts.extend(texts)
        return [self.vector(t) for t in texts]


@lru_cache(maxsize=50_000)
def _direction(term: str, dim: int) -> np.ndarray:
    return np.random.default_rng(zlib.crc32(term.encode())).standard_normal(dim)


def entry(entry_id: str, text: str, **fields: Any) -> KnowledgeEntry:
    """A valid note entry; the title defaults to the id's last part."""
    values: dict[str, Any] = {
        "id": entry_id,
        "kind": "note",
        "title": entry_id.rsplit(".", 1)[-1],
        "text": text,
    }
    values.update(fields)
    return KnowledgeEntry(**values)


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_hash_embedder_when_same_text_twice_then_same_unit_vector() -> None:
    embedder = HashEmbedder()

    first = embedder.embed_query("Ładowarka domowa do samochodu")
    second = embedder.embed_documents(["Ładowarka domowa do samochodu"])[0]

    assert first == second
    assert len(first) == 64
    assert math.isclose(cosine(first, first), 1.0, rel_tol=1e-9)


def test_hash_embedder_when_texts_share_lemmas_then_they_are_more_similar() -> None:
    embedder = HashEmbedder()
    query = embedder.vector("ładowarki do samochodu")

    inflected = embedder.vector("ładowarką samochodową")
    unrelated = embedder.vector("fotelik dla dziecka i wózek")

    assert cosine(query, inflected) > cosine(query, unrelated)


def test_hash_embedder_when_text_has_only_stop_words_then_vector_is_not_zero() -> None:
    assert HashEmbedder().vector("i w na") == [1.0] + [0.0] * 63


def test_hash_embedder_when_documents_embedded_then_calls_and_texts_are_counted() -> None:
    embedder = HashEmbedder()

    embedder.embed_documents(["a b c", "zima"])
    embedder.embed_query("zima")

    assert (embedder.document_calls, embedder.documents_embedded, embedder.query_calls) == (1, 2, 1)
    assert embedder.texts == ["a b c", "zima"]
