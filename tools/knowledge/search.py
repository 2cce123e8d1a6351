"""Pure pieces of hybrid search: reciprocal rank fusion and the per-candidate signals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sight.errors import InputValidationError
from store import knowledge as kstore
from store.knowledge import Hit
from tools.knowledge.keyword import document_vector, idf, term_id
from tools.knowledge.rerank import Candidate
from tools.knowledge.results import SearchHit, SearchType, StageRanks, StageScores
from tools.polish_text import terms

SEARCH_TYPES: tuple[SearchType, ...] = ("dense", "sparse", "hybrid", "hybrid_rerank")

DEFAULT_RRF_K = 60.0


def rrf(lists: dict[str, Sequence[Hit]], k: float) -> list[tuple[str, float, dict[str, int]]]:
    """Fuse ranked lists: score = sum of ``1 / (k + rank - 1)`` over the lists (rank from 1).

    This is Qdrant's formula, so ``k`` means what Qdrant's RRF constant means (its default 2
    gives the first place 1/2). Returns (id, score, {list name: rank}) best first, ties broken
    by the best single rank so the order is deterministic.
    """
    scores: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    for name, hits in lists.items():
        for rank, hit in enumerate(hits, start=1):
            scores[hit.entry_id] = scores.get(hit.entry_id, 0.0) + 1.0 / (k + rank - 1)
            ranks.setdefault(hit.entry_id, {})[name] = rank
    order = sorted(scores, key=lambda i: (-scores[i], min(ranks[i].values()), i))
    return [(i, scores[i], ranks[i]) for i in order]


def query_weights(query_terms: Sequence[str], df_of, n_docs: int) -> dict[int, float]:
    """IDF weight of each query term id (rarer terms count more in coverage)."""
    return {term_id(t): float(idf(df_of(term_id(t)), max(n_docs, 1))) for t in query_terms}


def coverage(weights: dict[int, float], chunk_terms: set[int]) -> float:
    """IDF-weighted share of the query's terms that the chunk contains (0-1)."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in weights.items() if t in chunk_terms) / total


def fill_signals(
    candidates: list[Candidate], weights: dict[int, float], chunk_terms: dict[str, set[int]]
) -> None:
    """Set each candidate's coverage of the query terms, in the body and in the title."""
    for c in candidates:
        c.coverage = coverage(weights, chunk_terms.get(c.id, set()))
        title_terms = {term_id(t) for t in terms(str(c.payload.get("title", "")))}
        c.title_coverage = coverage(weights, title_terms)


def similarities(v: kstore.Vectors, q: np.ndarray) -> tuple[float, float, float]:
    """Cosine of a unit query vector to a chunk, its title and its closest sentence."""

    def unit(a):
        a = np.asarray(a, dtype=np.float32)
        return a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-12)

    sents = unit(v.sentences) if v.sentences else unit([v.dense])
    return float(unit(v.dense) @ q), float(unit(v.title) @ q), float((sents @ q).max())


def payload_language(payload: Mapping[str, Any]) -> str:
    """Language of a stored entry."""
    return str(payload.get("language") or "pl")


def payload_term_ids(payload: Mapping[str, Any]) -> set[int]:
    """Distinct term ids of a stored entry."""
    return set(document_vector(searchable(payload), payload_language(payload))[0])


def searchable(payload: Mapping[str, Any]) -> str:
    """What both retrievers index of a stored entry: title, then text."""
    return f"{payload.get('title', '')}\n{payload.get('text', '')}"


def check_search(query, filters, limit, search_type) -> None:
    """Raise InputValidationError listing every problem of a search request."""
    problems = []
    if not query or not query.strip():
        problems.append({"field": "query", "message": "must not be empty"})
    elif len(query) > 2000:
        problems.append({"field": "query", "message": "at most 2000 characters"})
    if not 1 <= limit <= 100:
        problems.append({"field": "limit", "message": "must be between 1 and 100"})
    if search_type not in SEARCH_TYPES:
        problems.append({"field": "search_type", "message": f"one of {', '.join(SEARCH_TYPES)}"})
    for field, value in (filters or {}).items():
        if field not in kstore.FILTER_FIELDS:
            problems.append(
                {
                    "field": f"filters.{field}",
                    "message": f"unknown filter; use {', '.join(kstore.FILTER_FIELDS)}",
                }
            )
        elif (
            isinstance(value, str)
            and not value
            or not isinstance(value, str)
            and (not value or not all(isinstance(v, str) and v for v in value))
        ):
            problems.append(
                {
                    "field": f"filters.{field}",
                    "message": "give a non-empty string or a non-empty list of them",
                }
            )
    if problems:
        raise InputValidationError(problems)


def to_hit(c: Candidate, search_type: SearchType, reranked: bool) -> SearchHit:
    """The API shape of a candidate; its score is the last stage's that ran."""
    score = {"dense": c.cosine, "sparse": c.bm25}.get(search_type, c.rrf)
    if reranked and c.rerank is not None:
        score = c.rerank
    return SearchHit(
        id=c.id,
        score=round(score, 6),
        entry=c.payload,
        ranks=StageRanks(**c.ranks),
        scores=StageScores(
            dense=c.cosine if c.ranks.get("dense") or c.cosine else None,
            sparse=c.bm25 if c.ranks.get("sparse") else None,
            fused=c.rrf,
            rerank=c.rerank,
        ),
    )
