"""An in-process mirror of a knowledge collection that answers dense and keyword queries fast.

Embedded Qdrant computes distances in Python per point (dense with a filter: 280 ms at 20k
chunks here), so in embedded mode the knowledge base keeps its vectors in a numpy matrix and its
keywords in a :class:`KeywordIndex`, loaded from Qdrant at start and updated on every write.
Qdrant stays the store of record. With a Qdrant server, queries go to the server instead.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from store.knowledge import FILTER_FIELDS, SHARED, Hit, Vectors
from tools.knowledge.keyword import KeywordIndex


class MemoryIndex:
    """Dense vectors, BM25 postings and filter fields of every chunk, by row."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._dense = np.zeros((0, dim), dtype=np.float32)
        self._title = np.zeros((0, dim), dtype=np.float32)
        self._sentences: dict[int, np.ndarray] = {}
        self._alive = np.zeros(0, dtype=bool)
        self._ids: list[str | None] = []
        self._row_of: dict[str, int] = {}
        self._free: list[int] = []
        self._fields: dict[str, dict[str, set[int]]] = {f: defaultdict(set) for f in FILTER_FIELDS}
        self._row_values: dict[int, dict[str, list[str]]] = {}
        self.keywords = KeywordIndex()
        # Searches read the mirror in worker threads; whoever reads or writes it holds this.
        self.lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, entry_id: str) -> bool:
        return entry_id in self._row_of

    def _new_row(self) -> int:
        if self._free:
            return self._free.pop()
        row = len(self._ids)
        if row == self._dense.shape[0]:  # grow by doubling
            grow = max(1024, row)
            self._dense = np.vstack([self._dense, np.zeros((grow, self.dim), np.float32)])
            self._title = np.vstack([self._title, np.zeros((grow, self.dim), np.float32)])
            self._alive = np.concatenate([self._alive, np.zeros(grow, bool)])
        self._ids.append(None)
        return row

    def put(self, payload: Mapping[str, Any], vectors: Vectors, text: str) -> None:
        """Insert or replace the chunk ``payload["id"]``."""
        entry_id = payload["id"]
        self.remove(entry_id)
        row = self._new_row()
        self._dense[row] = _unit(vectors.dense)
        self._title[row] = _unit(vectors.title)
        self._sentences[row] = _unit(vectors.sentences) if vectors.sentences else self._dense[[row]]
        self._alive[row] = True
        self._ids[row] = entry_id
        self._row_of[entry_id] = row
        values: dict[str, list[str]] = {}
        for field in FILTER_FIELDS:
            raw = payload.get(field)
            if field == "owner" and raw is None:  # stored before entries had owners
                raw = SHARED
            vals = [] if raw is None else ([raw] if isinstance(raw, str) else list(raw))
            for v in vals:
                self._fields[field][v].add(row)
            values[field] = vals
        self._row_values[row] = values
        self.keywords.add(row, text, str(payload.get("language") or "pl"))

    def remove(self, entry_id: str) -> None:
        """Drop a chunk (no-op if absent)."""
        row = self._row_of.pop(entry_id, None)
        if row is None:
            return
        for field, vals in self._row_values.pop(row).items():
            for v in vals:
                self._fields[field][v].discard(row)
        self.keywords.remove(row)
        self._sentences.pop(row, None)
        self._alive[row] = False
        self._ids[row] = None
        self._free.append(row)

    def mask(self, filters: Mapping[str, str | Sequence[str]] | None) -> np.ndarray:
        """Rows that are alive and satisfy every filter (any of a field's values)."""
        out = self._alive[: len(self._ids)].copy()
        for field, value in (filters or {}).items():
            values = [value] if isinstance(value, str) else list(value)
            rows: set[int] = set().union(*(self._fields[field].get(v, set()) for v in values))
            keep = np.zeros_like(out)
            if rows:
                keep[np.fromiter(rows, dtype=np.int64, count=len(rows))] = True
            out &= keep
        return out

    def _top(self, scores: np.ndarray, mask: np.ndarray, limit: int) -> list[Hit]:
        scores = np.where(mask, scores, -np.inf)
        k = min(limit, int(mask.sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [Hit(self._ids[r], float(scores[r])) for r in top if np.isfinite(scores[r])]

    def dense_search(self, vector: Sequence[float], mask: np.ndarray, limit: int) -> list[Hit]:
        """Top chunks by cosine similarity."""
        q = np.asarray(vector, dtype=np.float32)
        q /= max(float(np.linalg.norm(q)), 1e-12)
        n = len(self._ids)
        return self._top(self._dense[:n] @ q, mask, limit)

    def keyword_search(self, terms: Sequence[str], mask: np.ndarray, limit: int) -> list[Hit]:
        """Top chunks by BM25 (only chunks sharing at least one term)."""
        scores = self.keywords.scores(terms, len(self._ids))
        return self._top(scores, mask & (scores > 0), limit)

    def nbytes(self) -> dict[str, int]:
        """Bytes held by the vector arrays (chunk and title matrices, sentence vectors)."""
        return {
            "matrices": self._dense.nbytes + self._title.nbytes,
            "sentences": sum(a.nbytes for a in self._sentences.values()),
        }

    def similarities(self, entry_id: str, query: np.ndarray) -> tuple[float, float, float]:
        """Cosine of a unit query vector to the chunk, to its title, and to its closest sentence."""
        row = self._row_of[entry_id]
        return (
            float(self._dense[row] @ query),
            float(self._title[row] @ query),
            float((self._sentences[row] @ query).max()),
        )

    def terms_of(self, entry_id: str) -> list[int]:
        """Sorted term ids of a chunk."""
        row = self._row_of.get(entry_id)
        return [] if row is None else self.keywords.row_terms(row)


def _unit(vectors: Sequence[float] | Sequence[Sequence[float]]) -> np.ndarray:
    """Vectors scaled to length 1 (zero vectors left as they are)."""
    arr = np.asarray(vectors, dtype=np.float32)
    norm = np.linalg.norm(arr, axis=-1, keepdims=True)
    return arr / np.where(norm > 0, norm, 1.0)
