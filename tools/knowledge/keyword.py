"""BM25 over Polish lemmas: the sparse vectors stored in Qdrant and an in-process index.

Both sides use one formula. A chunk's sparse vector holds, per term, BM25's saturated term
frequency ``tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / AVG_TERMS))``; the query vector holds 1
per query term, and the IDF ``ln(1 + (N - df + 0.5) / (df + 0.5))`` is applied at query time
(Qdrant's ``Modifier.IDF`` computes exactly this). The length is normalised against a fixed
typical chunk length rather than the live average, so a stored vector never goes stale.

Embedded Qdrant scores sparse vectors in Python point by point (220 ms at 20k chunks here), so
in embedded mode the same scores come from :class:`KeywordIndex`, an inverted index in numpy.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np

from tools.polish_text import analyze

K1 = 1.2
B = 0.75
AVG_TERMS = 80.0  # typical content terms in a chunk of the knowledge pack


def term_id(term: str) -> int:
    """Stable 32-bit id of a term (Qdrant sparse indices are uint32)."""
    return zlib.crc32(term.encode())


def saturate(tf: np.ndarray, length: int) -> np.ndarray:
    """BM25's term-frequency part for a chunk of ``length`` terms."""
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / AVG_TERMS))


def idf(df: np.ndarray | float, n_docs: int) -> np.ndarray | float:
    """BM25 inverse document frequency (the form Qdrant's IDF modifier uses)."""
    return np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


def document_vector(text: str, language: str = "pl") -> tuple[list[int], list[float]]:
    """Sparse BM25 vector of a chunk: (sorted term ids, saturated term frequencies)."""
    return vector_of_terms([t for _, t in analyze(text, language)])


def vector_of_terms(terms: list[str]) -> tuple[list[int], list[float]]:
    """Sparse BM25 vector of a chunk's terms (with repeats)."""
    counts = Counter(term_id(t) for t in terms)
    ids = sorted(counts)
    tf = np.array([counts[i] for i in ids], dtype=np.float64)
    return ids, saturate(tf, int(tf.sum())).tolist() if ids else []


class KeywordIndex:
    """An inverted BM25 index over rows numbered by the caller (one row per chunk)."""

    def __init__(self) -> None:
        from tools.knowledge.vocabulary import Vocabulary

        self._postings: dict[int, dict[int, float]] = defaultdict(dict)  # term id -> row -> w
        self._arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # cached postings
        self._row_terms: dict[int, list[int]] = {}
        self.vocabulary = Vocabulary()

    def __len__(self) -> int:
        return len(self._row_terms)

    def add(self, row: int, text: str, language: str = "pl") -> None:
        """Index ``text`` as ``row`` (replacing what the row held)."""
        self.remove(row)
        pairs = analyze(text, language)
        self.vocabulary.add_pairs(pairs)
        ids, weights = vector_of_terms([t for _, t in pairs])
        for tid, w in zip(ids, weights, strict=True):
            self._postings[tid][row] = w
            self._arrays.pop(tid, None)
        self._row_terms[row] = ids

    def remove(self, row: int) -> None:
        """Forget ``row`` (no-op if it is not indexed)."""
        ids = self._row_terms.pop(row, None)
        if ids is None:
            return
        self.vocabulary.remove_document(ids)
        for tid in ids:
            self._postings[tid].pop(row, None)
            self._arrays.pop(tid, None)

    def query_terms(self, text: str) -> list[str]:
        """Distinct terms of a query (see :meth:`Vocabulary.query_terms`)."""
        return self.vocabulary.query_terms(text)

    def _posting(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        cached = self._arrays.get(tid)
        if cached is None:
            posting = self._postings.get(tid) or {}
            rows = np.fromiter(posting.keys(), dtype=np.int64, count=len(posting))
            weights = np.fromiter(posting.values(), dtype=np.float32, count=len(posting))
            cached = self._arrays[tid] = (rows, weights)
        return cached

    def scores(self, query_terms: Iterable[str], n_rows: int) -> np.ndarray:
        """BM25 score of every row ``0..n_rows-1`` for the query terms (0 where none match)."""
        out = np.zeros(n_rows, dtype=np.float32)
        n_docs = max(len(self._row_terms), 1)
        for term in query_terms:
            rows, weights = self._posting(term_id(term))
            if rows.size:
                out[rows] += np.float32(idf(rows.size, n_docs)) * weights
        return out

    @property
    def n_terms(self) -> int:
        """Distinct terms indexed."""
        return len(self._postings)

    def df(self, tid: int) -> int:
        """Number of rows containing term id ``tid``."""
        return len(self._postings.get(tid) or ())

    def row_terms(self, row: int) -> list[int]:
        """Sorted term ids of an indexed row."""
        return self._row_terms.get(row, [])
