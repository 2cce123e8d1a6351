"""Ranking metrics over graded relevance (0 = not relevant, 1 partial, 2 high, 3 direct)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

RELEVANT = 2  # grade from which a chunk counts as relevant for recall and MRR


def ndcg_at(ranked: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain with gains 2^grade - 1."""
    dcg = sum((2 ** grades.get(doc, 0) - 1) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], grades: Mapping[str, int], k: int = 5) -> float:
    """Share of the relevant chunks (grade >= 2) found in the top ``k``."""
    relevant = {d for d, g in grades.items() if g >= RELEVANT}
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    """1 / rank of the first relevant chunk (grade >= 2) in the top ``k``, else 0."""
    for i, doc in enumerate(ranked[:k], start=1):
        if grades.get(doc, 0) >= RELEVANT:
            return 1.0 / i
    return 0.0
