"""The in-process mirror answers like Qdrant: same dense and keyword rankings, same filters.

Both knowledge bases share one embedded Qdrant collection holding the whole bundled pack; the
memory one loads its mirror from it, the other asks Qdrant every time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from qdrant_client import AsyncQdrantClient

from tests.tools.test_knowledge_fakes import HashEmbedder
from tools.knowledge.base import KnowledgeBase
from tools.knowledge.pack import load_pack
from tools.knowledge.rerank import FeatureReranker

QUERIES = [
    "ładowarka domowa i fotowoltaika",
    "leasing samochodu na firmę",
    "zasięg zimą",
    "bezpieczeństwo dzieci w samochodzie",
]
FILTERS = [
    None,
    {"kind": "objection"},
    {"tags": ["rodzina", "cena"]},
    {"archetype": "techniczny_sceptyk"},
    {"kind": "archetype", "archetype": ["lowca_okazji", "eko_entuzjasta"]},
]


@dataclass
class Pair:
    memory: KnowledgeBase
    qdrant: KnowledgeBase


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    """The pack in one embedded collection, read through both backends."""

    async def build() -> Pair:
        client = AsyncQdrantClient(location=":memory:")
        embedder = HashEmbedder()
        qdrant = await KnowledgeBase(
            client, "pack", embedder, reranker=FeatureReranker(), in_memory=False
        ).open()
        await qdrant.load(load_pack().entries)
        memory = await KnowledgeBase(
            client, "pack", embedder, reranker=FeatureReranker(), in_memory=True
        ).open()
        return Pair(memory, qdrant)

    built = asyncio.run(build())
    yield built
    asyncio.run(built.memory.client.close())


def _tiers(result, tol: float = 1e-5) -> list[set[str]]:
    """Hit ids grouped by equal score, best first: a ranking that ignores how ties are broken.

    Both lists are cut at the same limit, so a tie straddling the cut may keep different
    members: the last tier is compared by size only.
    """
    tiers: list[set[str]] = []
    last = None
    for hit in result.hits:
        if last is None or abs(hit.score - last) > tol:
            tiers.append(set())
        tiers[-1].add(hit.id)
        last = hit.score
    return tiers


async def test_backends_when_opened_on_one_collection_then_same_count(pair) -> None:
    assert await pair.memory.count() == await pair.qdrant.count() == len(load_pack().entries)


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f or ["none"]))
@pytest.mark.parametrize("search_type", ["dense", "sparse"])
async def test_backends_when_same_query_then_same_ranking_and_scores(
    pair, search_type, filters
) -> None:
    found = 0
    for query in QUERIES:
        mine = await pair.memory.search(query, search_type=search_type, filters=filters, limit=15)
        theirs = await pair.qdrant.search(query, search_type=search_type, filters=filters, limit=15)

        mine_tiers, their_tiers = _tiers(mine), _tiers(theirs)
        assert mine.query_terms == theirs.query_terms
        assert len(mine.hits) == len(theirs.hits), query
        assert mine_tiers[:-1] == their_tiers[:-1], query
        assert [len(t) for t in mine_tiers[-1:]] == [len(t) for t in their_tiers[-1:]], query
        assert [h.score for h in mine.hits] == pytest.approx(
            [h.score for h in theirs.hits], abs=1e-5
        )
        found += len(mine.hits)
    assert found > 0


@pytest.mark.parametrize("filters", FILTERS[1:], ids=lambda f: ",".join(f))
async def test_backends_when_filtered_then_every_hit_matches_the_filter(pair, filters) -> None:
    for kb in (pair.memory, pair.qdrant):
        result = await kb.search(
            "samochód elektryczny", filters=filters, limit=50, search_type="hybrid"
        )

        assert result.hits
        for hit in result.hits:
            for field, wanted in filters.items():
                wanted = [wanted] if isinstance(wanted, str) else wanted
                value = hit.entry[field]
                values = value if isinstance(value, list) else [value]
                assert set(values) & set(wanted), (hit.id, field)


async def test_backends_when_filter_matches_nothing_then_no_hits(pair) -> None:
    for kb in (pair.memory, pair.qdrant):
        result = await kb.search("zasięg zimą", filters={"tags": "nie_ma_takiego_tagu"})

        assert result.hits == [] and result.num_results == 0


async def test_backends_when_hybrid_then_same_fused_order(pair) -> None:
    # Scores are not compared: the backends break exact BM25 ties differently, and the
    # fused score of a tied chunk moves with its keyword rank.
    for query in QUERIES:
        mine = await pair.memory.search(query, search_type="hybrid")
        theirs = await pair.qdrant.search(query, search_type="hybrid")

        assert [h.id for h in mine.hits] == [h.id for h in theirs.hits], query


async def test_backends_when_candidate_found_only_by_keywords_then_same_cosine(pair) -> None:
    # One dense candidate each: every other hit comes from the keyword list alone, and its
    # cosine must still be measured (the rerank stage weighs it most).
    options = replace(pair.memory.options, candidates=1)
    results = []
    for in_memory in (True, False):
        kb = await KnowledgeBase(
            pair.memory.client,
            pair.memory.name,
            pair.memory.embedder,
            reranker=None,
            options=options,
            in_memory=in_memory,
        ).open()
        results.append(await kb.search("leasing samochodu na firmę", search_type="hybrid"))
    mine, theirs = results

    keyword_only = [h for h in mine.hits if h.ranks.dense is None]
    assert keyword_only
    assert [h.id for h in mine.hits] == [h.id for h in theirs.hits]
    assert [h.scores.dense for h in mine.hits] == pytest.approx(
        [h.scores.dense for h in theirs.hits], abs=1e-5
    )
    assert all(h.scores.dense not in (None, 0.0) for h in keyword_only)


async def test_backends_when_query_typed_without_polish_letters_then_same_sparse_ranking(
    pair,
) -> None:
    mine = await pair.memory.search("ladowarka domowa", search_type="sparse")
    theirs = await pair.qdrant.search("ladowarka domowa", search_type="sparse")

    assert mine.query_terms == theirs.query_terms
    assert [h.id for h in mine.hits] == [h.id for h in theirs.hits]


async def test_backends_when_reranked_then_same_final_ranking(pair) -> None:
    for query in QUERIES:
        mine = await pair.memory.search(query, search_type="hybrid_rerank")
        theirs = await pair.qdrant.search(query, search_type="hybrid_rerank")

        assert [h.id for h in mine.hits] == [h.id for h in theirs.hits], query
