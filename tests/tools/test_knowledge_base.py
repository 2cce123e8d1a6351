"""KnowledgeBase: explained search, writes that refuse near-duplicates, bulk load, bad input.

Writes run on both backends: the in-process mirror (``memory``) and Qdrant alone (``qdrant``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from qdrant_client import AsyncQdrantClient

from sight.errors import (
    ConflictError,
    DuplicateEntryError,
    InputValidationError,
    ModelError,
    NotFoundError,
    SettingsError,
)
from store import knowledge as kstore
from tests.tools.test_knowledge_fakes import HashEmbedder, entry
from tools.knowledge.base import KnowledgeBase, SearchOptions
from tools.knowledge.rerank import FeatureReranker

ENTRIES = [
    entry(
        "note.pompa",
        "Pompa ciepła ogranicza zimowy spadek zasięgu samochodu elektrycznego.",
        tags=["zima"],
    ),
    entry(
        "note.wallbox",
        "Ładowarka domowa (wallbox) ładuje auto przez noc z gniazdka.",
        tags=["ladowanie"],
        kind="module",
    ),
    entry(
        "note.leasing",
        "Leasing operacyjny na firmę pozwala odliczyć część VAT od rat.",
        tags=["firma", "finansowanie"],
        kind="module",
    ),
    entry(
        "note.fotelik",
        "Fotelik dziecięcy mocuje się w systemie ISOFIX na tylnej kanapie.",
        tags=["rodzina"],
        archetype="straznik_rodziny",
    ),
]
NEW = entry(
    "note.hulajnoga", "Hulajnoga elektryczna mieści się w bagażniku kombi.", tags=["mobilnosc"]
)


@pytest.fixture
async def client() -> AsyncIterator[AsyncQdrantClient]:
    client = AsyncQdrantClient(location=":memory:")
    yield client
    await client.close()


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(params=["memory", "qdrant"])
async def kb(request, client, embedder) -> KnowledgeBase:
    """A knowledge base holding ENTRIES, on either backend."""
    base = await KnowledgeBase(
        client, "notes", embedder, reranker=FeatureReranker(), in_memory=request.param == "memory"
    ).open()
    await base.load(ENTRIES)
    return base


# --- search ---------------------------------------------------------------------------------


async def test_add_when_new_entry_then_search_finds_it_with_ranks_per_stage(kb) -> None:
    await kb.add(NEW)

    result = await kb.search("hulajnoga w bagażniku", limit=3)

    assert (result.search_type, result.num_results, len(result.hits)) == ("hybrid_rerank", 3, 3)
    assert (result.reranker, result.rrf_k) == ("features", kb.options.rrf_k)
    assert result.query_terms == ["hulajnoga", "bagaznik"]
    top = result.hits[0]
    assert top.id == NEW.id and top.entry["text"] == NEW.text
    assert (top.ranks.dense, top.ranks.sparse, top.ranks.fused, top.ranks.rerank) == (1, 1, 1, 1)
    assert top.score == round(top.scores.rerank, 6)
    assert top.scores.dense > 0 and top.scores.sparse > 0 and top.scores.fused > 0
    assert [h.ranks.rerank for h in result.hits] == [1, 2, 3]


@pytest.mark.parametrize("search_type", ["dense", "sparse", "hybrid"])
async def test_search_when_stage_chosen_then_only_that_pipeline_runs(kb, search_type) -> None:
    result = await kb.search("ładowarka domowa", search_type=search_type, limit=2)

    assert result.search_type == search_type and result.num_results == len(result.hits)
    assert result.reranker is None
    assert all(h.ranks.rerank is None for h in result.hits)
    assert result.hits[0].id == "note.wallbox"
    assert (result.rrf_k is not None) == (search_type == "hybrid")


async def test_search_when_sparse_then_only_chunks_sharing_a_term_are_returned(kb) -> None:
    result = await kb.search("fotelik ISOFIX", search_type="sparse")

    assert [h.id for h in result.hits] == ["note.fotelik"]
    assert result.hits[0].scores.dense is None and result.hits[0].ranks.dense is None


async def test_search_when_filtered_then_only_matching_entries(kb) -> None:
    by_kind = await kb.search("samochód", filters={"kind": "module"})
    by_tags = await kb.search("samochód", filters={"tags": ["zima", "rodzina"]})
    by_archetype = await kb.search("samochód", filters={"archetype": "straznik_rodziny"})

    assert {h.id for h in by_kind.hits} == {"note.wallbox", "note.leasing"}
    assert {h.id for h in by_tags.hits} == {"note.pompa", "note.fotelik"}
    assert [h.id for h in by_archetype.hits] == ["note.fotelik"]
    assert by_tags.filters == {"tags": ["zima", "rodzina"]}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"query": "  "}, "query"),
        ({"query": "x" * 2001}, "query"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"filters": {"colour": "red"}}, "filters.colour"),
        ({"filters": {"kind": ""}}, "filters.kind"),
        ({"filters": {"tags": []}}, "filters.tags"),
        ({"filters": {"tags": ["zima", ""]}}, "filters.tags"),
        ({"search_type": "fuzzy"}, "search_type"),
    ],
    ids=[
        "blank-query",
        "long-query",
        "limit-0",
        "limit-101",
        "unknown-filter",
        "empty-kind",
        "no-tags",
        "blank-tag",
        "unknown-search-type",
    ],
)
async def test_search_when_input_is_bad_then_input_validation_error_names_it(
    kb, kwargs, field
) -> None:
    args = {"query": "zima"} | kwargs

    with pytest.raises(InputValidationError) as err:
        await kb.search(**args)

    assert [p["field"] for p in err.value.problems] == [field]


async def test_search_when_several_inputs_are_bad_then_every_problem_is_listed(kb) -> None:
    with pytest.raises(InputValidationError) as err:
        await kb.search("", limit=0, filters={"colour": "red"}, search_type="fuzzy")

    assert {p["field"] for p in err.value.problems} == {
        "query",
        "limit",
        "filters.colour",
        "search_type",
    }
    assert "4 problem(s)" in err.value.message


# --- writes ---------------------------------------------------------------------------------


async def test_add_when_near_duplicate_then_refused_naming_the_existing_entry(kb) -> None:
    copy = ENTRIES[0].model_copy(update={"id": "note.pompa_kopia"})
    before = await kb.count()

    with pytest.raises(DuplicateEntryError) as err:
        await kb.add(copy)

    duplicate = err.value.details["duplicate_of"]
    assert duplicate["id"] == "note.pompa" and duplicate["title"] == "pompa"
    assert duplicate["similarity"] == pytest.approx(1.0, abs=1e-4)
    assert duplicate["threshold"] == SearchOptions().duplicate_threshold
    assert duplicate["overlap"] == pytest.approx(1.0)
    assert "'note.pompa'" in err.value.message and "1.000" in err.value.message
    assert await kb.count() == before
    assert await kstore.count(kb.client, kb.name) == before
    with pytest.raises(NotFoundError):
        await kb.get("note.pompa_kopia")


async def test_add_when_near_duplicate_and_force_then_stored(kb) -> None:
    copy = ENTRIES[0].model_copy(update={"id": "note.pompa_kopia"})

    await kb.add(copy, force=True)

    assert await kb.count() == len(ENTRIES) + 1
    assert (await kb.get("note.pompa_kopia"))["text"] == ENTRIES[0].text


async def test_add_when_id_exists_then_conflict_not_duplicate(kb) -> None:
    taken = NEW.model_copy(update={"id": "note.pompa"})

    with pytest.raises(ConflictError) as err:
        await kb.add(taken)

    assert not isinstance(err.value, DuplicateEntryError)
    assert "note.pompa" in err.value.message
    assert (await kb.get("note.pompa"))["text"] == ENTRIES[0].text


async def test_update_when_text_changes_then_search_follows(kb) -> None:
    created = (await kb.get("note.pompa"))["created_at"]

    await kb.update(ENTRIES[0].model_copy(update={"text": "Hulajnoga zimą nie jeździ."}))

    by_new = await kb.search("hulajnoga", search_type="sparse")
    by_old = await kb.search("zimowy spadek zasięgu", search_type="sparse")
    assert [h.id for h in by_new.hits] == ["note.pompa"]
    assert "note.pompa" not in [h.id for h in by_old.hits]
    assert (await kb.get("note.pompa"))["created_at"] == created
    assert await kb.count() == len(ENTRIES)


async def test_load_when_entry_changed_then_created_at_is_kept(kb) -> None:
    created = (await kb.get("note.leasing"))["created_at"]
    changed = ENTRIES[2].model_copy(update={"tags": ["firma"]})

    await kb.load([changed])

    stored = await kb.get("note.leasing")
    assert stored["tags"] == ["firma"]
    assert stored["created_at"] == created
    assert stored["updated_at"] >= created


async def test_get_when_caller_changes_the_result_then_the_stored_entry_stays(kb) -> None:
    got = await kb.get("note.pompa")
    got["text"] = "zmienione"

    assert (await kb.get("note.pompa"))["text"] == ENTRIES[0].text


async def test_update_when_entry_is_missing_then_not_found(kb) -> None:
    with pytest.raises(NotFoundError):
        await kb.update(NEW)


@pytest.mark.parametrize("reopen_in_memory", [True, False])
async def test_delete_when_entry_exists_then_gone_from_mirror_and_qdrant(
    kb, client, embedder, reopen_in_memory
) -> None:
    await kb.delete("note.wallbox")

    reopened = await KnowledgeBase(
        client, "notes", embedder, reranker=None, in_memory=reopen_in_memory
    ).open()
    assert await kb.count() == await reopened.count() == len(ENTRIES) - 1
    assert await kstore.get(client, "notes", "note.wallbox") is None
    for base in (kb, reopened):
        with pytest.raises(NotFoundError):
            await base.get("note.wallbox")
        result = await base.search("ładowarka domowa wallbox", search_type="hybrid")
        assert "note.wallbox" not in [h.id for h in result.hits]


async def test_delete_when_entry_is_missing_then_not_found(kb) -> None:
    with pytest.raises(NotFoundError):
        await kb.delete("note.nie_ma")


async def test_load_when_run_twice_then_second_run_changes_and_embeds_nothing(kb, embedder) -> None:
    calls = embedder.document_calls

    stats = await kb.load(ENTRIES)

    assert stats == {"added": 0, "updated": 0, "unchanged": len(ENTRIES), "reembedded": 0}
    assert embedder.document_calls == calls
    assert await kb.count() == len(ENTRIES)


async def test_load_when_one_entry_changed_then_only_it_and_the_new_one_are_embedded(
    kb, embedder
) -> None:
    already = len(embedder.texts)
    changed = ENTRIES[1].model_copy(update={"text": ENTRIES[1].text + " Montaż trwa dzień."})

    stats = await kb.load([*ENTRIES[:1], changed, *ENTRIES[2:], NEW])

    assert stats == {"added": 1, "updated": 1, "unchanged": len(ENTRIES) - 1, "reembedded": 0}
    embedded = embedder.texts[already:]
    assert embedded
    # Whatever pieces of an entry get embedded, they all come from the two written entries.
    assert all(t in changed.searchable_text() or t in NEW.searchable_text() for t in embedded)
    assert (await kb.get("note.wallbox"))["text"] == changed.text


async def test_load_when_first_run_then_every_entry_added_in_batches(client, embedder) -> None:
    base = await KnowledgeBase(client, "fresh", embedder, reranker=None).open()

    stats = await base.load(ENTRIES, batch=3)

    assert stats == {"added": len(ENTRIES), "updated": 0, "unchanged": 0, "reembedded": 0}
    assert embedder.document_calls == 2
    assert {e.id for e in ENTRIES} == {(await base.get(e.id))["id"] for e in ENTRIES}


async def test_open_when_collection_holds_other_dimension_then_refused(client) -> None:
    await KnowledgeBase(client, "dims", HashEmbedder(64), reranker=None).open()

    with pytest.raises(SettingsError, match="64-dimensional"):
        await KnowledgeBase(client, "dims", HashEmbedder(32), reranker=None).open()


def test_knowledge_base_when_name_is_not_a_slug_then_refused(client, embedder) -> None:
    with pytest.raises(SettingsError, match="must match"):
        KnowledgeBase(client, "Bad Name", embedder, reranker=None)


class _PinnedEmbedder(HashEmbedder):
    """Passages get the vectors a test pins by their first word; the rest hash as usual."""

    def __init__(self, pinned: dict[str, list[float]]) -> None:
        super().__init__(dim=3)
        self.pinned = pinned

    def vector(self, text: str) -> list[float]:
        first = text.split()[0] if text.split() else ""
        return self.pinned.get(first, [0.0, 0.0, 1.0])


def _at_cosine(c: float) -> list[float]:
    return [c, (1 - c * c) ** 0.5, 0.0]


@pytest.mark.parametrize(
    ("cosine", "same_words", "duplicate"),
    [
        (0.99, False, True),  # nearly the same meaning: duplicate whatever the words
        (0.95, True, True),  # close, and mostly the same lemmas: a light edit
        (0.95, False, False),  # close but other words: written from the same template
        (0.90, True, False),  # below the floor, overlap alone is not enough
    ],
)
async def test_add_when_similar_then_duplicate_needs_cosine_or_cosine_and_overlap(
    client, cosine, same_words, duplicate
) -> None:
    embedder = _PinnedEmbedder({"stary": [1.0, 0.0, 0.0], "nowy": _at_cosine(cosine)})
    kb = await KnowledgeBase(client, "pinned", embedder, reranker=None, in_memory=True).open()
    words = "pompa ciepła ogranicza zimowy spadek zasięgu auta elektrycznego"
    other = "klient pyta o leasing operacyjny dla firmy i ratę miesięczną netto"
    await kb.add(entry("note.stary", f"{words} rano", title="stary"))
    new = entry("note.nowy", f"{words if same_words else other} wieczorem", title="nowy")

    if duplicate:
        with pytest.raises(DuplicateEntryError):
            await kb.add(new)
    else:
        await kb.add(new)
        assert await kb.count() == 2


async def test_search_when_writes_run_concurrently_then_no_errors_and_mirror_consistent(
    client, embedder
) -> None:
    kb = await KnowledgeBase(
        client, "busy", embedder, reranker=FeatureReranker(), in_memory=True
    ).open()
    await kb.load(ENTRIES)
    extra = [
        entry(f"note.dodatek_{i}", f"dodatkowa notatka numer {i} o ładowaniu zimą")
        for i in range(12)
    ]

    async def churn(e):
        await kb.add(e, force=True)
        await kb.delete(e.id)

    searches = [kb.search("ładowanie zimą", limit=5) for _ in range(40)]
    results = await asyncio.gather(*searches, *(churn(e) for e in extra))

    assert all(r.num_results > 0 for r in results[:40])
    assert await kb.count() == len(ENTRIES)
    assert await kstore.count(client, "busy") == len(ENTRIES)


class _BrokenEmbedder(HashEmbedder):
    def embed_query(self, text: str) -> list[float]:
        raise RuntimeError("engine crashed")


async def test_search_when_embedder_fails_then_model_error(client) -> None:
    kb = await KnowledgeBase(client, "broken", _BrokenEmbedder(), reranker=None).open()
    await kb.load(ENTRIES)

    with pytest.raises(ModelError, match="engine crashed"):
        await kb.search("pompa ciepła")


async def test_open_when_entries_embedded_by_another_embedder_then_search_refused_until_reload(
    client,
) -> None:
    old = HashEmbedder()
    old.spec = "test/old"
    await (await KnowledgeBase(client, "switch", old, reranker=None).open()).load(ENTRIES)
    new = HashEmbedder()
    new.spec = "test/new"
    kb = await KnowledgeBase(client, "switch", new, reranker=None).open()

    with pytest.raises(SettingsError, match="another embedder"):
        await kb.search("pompa ciepła")
    stats = await kb.load(ENTRIES[:1])  # the rest are re-embedded from their stored text

    assert stats["updated"] == 1 and stats["reembedded"] == len(ENTRIES) - 1
    assert (await kb.search("pompa ciepła")).num_results > 0
    reopened = await KnowledgeBase(client, "switch", new, reranker=None).open()
    assert (await reopened.search("pompa ciepła")).num_results > 0


async def test_search_when_limit_exceeds_rerank_top_then_every_hit_reranked_in_order(
    client, embedder
) -> None:
    kb = await KnowledgeBase(
        client,
        "deep",
        embedder,
        reranker=FeatureReranker(),
        options=SearchOptions(rerank_top=2),
        in_memory=True,
    ).open()
    await kb.load(ENTRIES)

    result = await kb.search("ładowanie samochodu zimą", limit=4)

    assert all(h.ranks.rerank is not None for h in result.hits)
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)


async def test_search_when_min_score_given_then_lower_hits_dropped(kb) -> None:
    everything = await kb.search("ładowanie samochodu zimą", limit=5)
    cut = everything.hits[1].score

    kept = await kb.search("ładowanie samochodu zimą", limit=5, min_score=cut)

    assert [h.id for h in kept.hits] == [h.id for h in everything.hits if h.score >= cut]
    assert kept.num_results == len(kept.hits) < everything.num_results
