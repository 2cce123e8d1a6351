"""Pure pieces of hybrid search: RRF against Qdrant's own fusion, and query-term coverage."""

from __future__ import annotations

import pytest
from qdrant_client import models as qm
from qdrant_client.hybrid.fusion import reciprocal_rank_fusion

from store.knowledge import Hit
from tools.knowledge.keyword import term_id
from tools.knowledge.rerank import Candidate
from tools.knowledge.search import coverage, fill_signals, query_weights, rrf

DENSE = ["a", "b", "c", "d", "e"]
SPARSE = ["c", "a", "f", "g"]
NUMBER = {name: i for i, name in enumerate("abcdefg", start=1)}  # Qdrant wants int ids


def _hits(ids: list[str]) -> list[Hit]:
    return [Hit(i, 1.0 - n / 10) for n, i in enumerate(ids)]


def _points(ids: list[str]) -> list[qm.ScoredPoint]:
    return [qm.ScoredPoint(id=NUMBER[i], version=0, score=1.0 - n / 10) for n, i in enumerate(ids)]


@pytest.mark.parametrize("k", [2, 60])
def test_rrf_when_same_lists_and_k_then_scores_equal_qdrant_fusion(k: int) -> None:
    name_of = {v: name for name, v in NUMBER.items()}

    ours = rrf({"dense": _hits(DENSE), "sparse": _hits(SPARSE)}, k)
    theirs = reciprocal_rank_fusion(
        [_points(DENSE), _points(SPARSE)], limit=10, ranking_constant_k=k
    )

    assert {i: s for i, s, _ in ours} == pytest.approx(
        {name_of[p.id]: p.score for p in theirs}, rel=1e-12
    )
    assert [s for _, s, _ in ours] == pytest.approx([p.score for p in theirs], rel=1e-12)


@pytest.mark.parametrize("k", [2, 60])
def test_rrf_when_no_scores_tie_then_order_equals_qdrant_fusion(k: int) -> None:
    dense, sparse = ["a", "b", "c", "d"], ["a", "c", "e"]
    name_of = {v: name for name, v in NUMBER.items()}

    ours = [i for i, _, _ in rrf({"dense": _hits(dense), "sparse": _hits(sparse)}, k)]
    theirs = [
        name_of[p.id]
        for p in reciprocal_rank_fusion(
            [_points(dense), _points(sparse)], limit=10, ranking_constant_k=k
        )
    ]

    assert ours == theirs == ["a", "c", "b", "e", "d"]


def test_rrf_when_scores_and_best_ranks_tie_then_id_decides() -> None:
    fused = rrf({"dense": _hits(["x", "y"]), "sparse": _hits(["z", "w", "y"])}, 60)

    # y is in both lists; x and z tie (each first in one list), so the id decides.
    assert [i for i, _, _ in fused] == ["y", "x", "z", "w"]


def test_rrf_when_fused_then_each_id_carries_its_rank_per_list() -> None:
    fused = {i: ranks for i, _, ranks in rrf({"dense": _hits(DENSE), "sparse": _hits(SPARSE)}, 60)}

    assert fused["c"] == {"dense": 3, "sparse": 1}
    assert fused["f"] == {"sparse": 3}


def test_coverage_when_chunk_holds_the_rare_term_then_it_covers_more() -> None:
    df = {term_id("wallbox"): 1, term_id("samochod"): 90}
    weights = query_weights(["wallbox", "samochod"], lambda t: df.get(t, 0), 100)

    rare = coverage(weights, {term_id("wallbox")})
    common = coverage(weights, {term_id("samochod")})

    assert rare > 0.5 > common > 0
    assert rare + common == pytest.approx(1.0)


def test_coverage_when_query_has_no_terms_then_zero() -> None:
    assert coverage({}, {term_id("zima")}) == 0.0


def test_fill_signals_when_candidates_given_then_body_and_title_coverage_set() -> None:
    weights = {term_id("zima"): 1.0, term_id("pompa"): 1.0}
    candidates = [
        Candidate(id="a", payload={"title": "Zima"}),
        Candidate(id="b", payload={"title": "Leasing"}),
    ]

    fill_signals(candidates, weights, {"a": {term_id("zima"), term_id("pompa")}})

    assert [(c.coverage, c.title_coverage) for c in candidates] == [(1.0, 0.5), (0.0, 0.0)]
