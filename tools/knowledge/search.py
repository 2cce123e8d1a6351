"""Pure pieces of hybrid search: reciprocal rank fusion and the per-candidate signals."""

from __future__ import annotations

from collections.abc import Sequence

from store.knowledge import Hit
from tools.knowledge.keyword import idf, term_id
from tools.knowledge.rerank import Candidate
from tools.knowledge.text import terms

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
