"""BM25 over Polish lemmas: the in-process index, query terms, and parity with Qdrant's IDF."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

from tools.knowledge.keyword import AVG_TERMS, KeywordIndex, document_vector, term_id
from tools.knowledge.pack import load_pack
from tools.polish_text import terms

DOCS = [
    "Ładowarka i ładowarka, a do tego bateria.",
    "Bateria traci zasięg zimą.",
    "Zima, zima, zima i mróz.",
]


def _bm25(query: list[str], docs: list[list[str]], avgdl: float) -> list[float]:
    """Okapi BM25 (k1 1.2, b 0.75, Lucene's IDF), written out by hand."""
    n = len(docs)
    out = []
    for doc in docs:
        score = 0.0
        for term in query:
            df = sum(term in d for d in docs)
            tf = doc.count(term)
            if tf:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(doc) / avgdl))
        out.append(score)
    return out


@pytest.fixture
def index() -> KeywordIndex:
    kw = KeywordIndex()
    for row, text in enumerate(DOCS):
        kw.add(row, text)
    return kw


def test_keyword_index_when_queried_then_scores_are_bm25_by_hand(index) -> None:
    docs = [terms(d) for d in DOCS]
    query = ["ladowarka", "bateria", "zima"]

    scores = index.scores(query, 3)

    # Lengths are normalised against a fixed typical chunk length, not the live average.
    assert scores.tolist() == pytest.approx(_bm25(query, docs, AVG_TERMS), rel=1e-5)
    plain = _bm25(query, docs, sum(map(len, docs)) / len(docs))
    assert np.argsort(-scores).tolist() == np.argsort(-np.array(plain)).tolist()


def test_query_terms_when_inflected_query_then_lemmas_without_repeats(index) -> None:
    assert index.query_terms("Ładowarki, ładowarką i baterie zimą") == [
        "ladowarka",
        "bateria",
        "zima",
    ]


def test_query_terms_when_word_typed_without_polish_letters_then_indexed_term() -> None:
    kw = KeywordIndex()
    kw.add(0, "Ładowarkę domową montuje elektryk.")

    # "ladowarke" is no dictionary word: alone it would become the prefix "ladowa".
    assert kw.query_terms("ladowarke") == ["ladowarka"]


def test_query_terms_when_word_has_a_one_letter_typo_then_indexed_term(index) -> None:
    assert index.query_terms("ładowrka") == ["ladowarka"]


def test_query_terms_when_query_is_english_then_words_are_not_mapped_to_polish_terms() -> None:
    kw = KeywordIndex()
    kw.add(0, "Bateria traci zasięg zimą.")

    # "battery" is one letter off "bateria": close enough for the typo fix, but English.
    assert kw.query_terms("How long does the battery last in winter?") == [
        "long",
        "battery",
        "last",
        "winter",
    ]


def test_query_terms_when_word_is_far_from_every_indexed_form_then_its_own_term(index) -> None:
    assert index.query_terms("hulajnoga") == ["hulajnoga"]


def test_keyword_index_when_row_removed_then_its_scores_go_and_idf_follows(index) -> None:
    index.remove(0)
    fresh = KeywordIndex()
    fresh.add(1, DOCS[1])
    fresh.add(2, DOCS[2])
    query = ["ladowarka", "bateria", "zima"]

    scores = index.scores(query, 3)

    assert scores[0] == 0
    assert len(index) == 2 and index.df(term_id("ladowarka")) == 0
    assert scores.tolist() == fresh.scores(query, 3).tolist()


def test_keyword_index_when_row_added_again_then_it_replaces_the_old_text(index) -> None:
    index.add(0, "Pompa ciepła.")

    assert index.scores(["ladowarka"], 3).tolist() == [0, 0, 0]
    assert index.scores(["pompa"], 3)[0] > 0
    assert len(index) == 3


def test_document_vector_when_text_has_no_terms_then_it_is_empty() -> None:
    assert document_vector("i w na") == ([], [])


QUERIES = [
    "ładowarka domowa i fotowoltaika",
    "leasing samochodu na firmę VAT",
    "zasięg zimą pompa ciepła",
    "bezpieczeństwo dzieci fotelik",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_keyword_index_when_compared_to_qdrant_idf_search_then_same_ranking_and_scores(
    query: str,
) -> None:
    chunks = load_pack().entries[::10][:20]
    index = KeywordIndex()
    points = []
    for row, chunk in enumerate(chunks):
        index.add(row, chunk.searchable_text())
        ids, weights = document_vector(chunk.searchable_text())
        points.append(
            qm.PointStruct(id=row, vector={"kw": qm.SparseVector(indices=ids, values=weights)})
        )
    client = AsyncQdrantClient(location=":memory:")
    await client.create_collection(
        "parity",
        vectors_config={},
        sparse_vectors_config={"kw": qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
    )
    await client.upsert("parity", points=points, wait=True)
    q_terms = index.query_terms(query)
    ids = sorted({term_id(t) for t in q_terms})

    theirs = (
        await client.query_points(
            "parity",
            query=qm.SparseVector(indices=ids, values=[1.0] * len(ids)),
            using="kw",
            limit=len(chunks),
        )
    ).points
    scores = index.scores(q_terms, len(chunks))
    mine = sorted((row for row in range(len(chunks)) if scores[row] > 0), key=lambda r: -scores[r])
    await client.close()

    assert len(theirs) >= 3
    assert [p.id for p in theirs] == mine
    assert [p.score for p in theirs] == pytest.approx([float(scores[r]) for r in mine], rel=1e-5)


def test_query_terms_when_unknown_word_contains_a_short_known_one_then_not_mapped_to_it() -> None:
    from tools.knowledge.vocabulary import Vocabulary

    vocabulary = Vocabulary()
    vocabulary.add_document("Ubezpieczenie OC i AC samochodu elektrycznego.")

    # WRatio's partial matching would turn "motocykl" into "oc" (it occurs inside the word)
    assert "oc" not in vocabulary.query_terms("motocykl elektryczny")
