"""The rerank stage: the reranker factory, the feature model, and a tiny real cross-encoder.

The cross-encoder is a 2-layer BERT with random (seeded) weights and a hand-written WordPiece
vocabulary, saved to a temp dir: it proves the code path end to end without any download.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from qdrant_client import AsyncQdrantClient

from sight.errors import SettingsError
from tests.tools.test_knowledge_fakes import HashEmbedder, entry
from tools.knowledge.base import KnowledgeBase, SearchOptions
from tools.knowledge.rerank import (
    Candidate,
    CrossEncoderReranker,
    FeatureReranker,
    make_reranker,
)

ENTRIES = [
    entry("note.pompa", "Pompa ciepła ogranicza zimowy spadek zasięgu."),
    entry("note.mroz", "Na mrozie bateria ładuje się wolniej, zasięg zimą spada."),
    entry("note.garaz", "Ciepły garaż zimą pomaga baterii i skraca ładowanie."),
    entry("note.opony", "Opony zimowe zmniejszają zasięg o kilka procent."),
    entry("note.wallbox", "Ładowarka domowa ładuje auto przez noc."),
    entry("note.leasing", "Leasing na firmę pozwala odliczyć VAT od rat."),
]


# --- the factory ----------------------------------------------------------------------------


def test_make_reranker_when_features_then_feature_reranker() -> None:
    reranker = make_reranker("features")

    assert isinstance(reranker, FeatureReranker) and reranker.name == "features"


def test_make_reranker_when_none_then_no_rerank_stage() -> None:
    assert make_reranker("none") is None


def test_make_reranker_when_cross_encoder_path_then_lazy_cross_encoder(tmp_path) -> None:
    reranker = make_reranker(f"cross-encoder/{tmp_path}")

    assert isinstance(reranker, CrossEncoderReranker)
    assert (reranker.name, reranker.name_or_path) == ("cross-encoder", str(tmp_path))
    assert reranker._model is None  # nothing loads until the first query


@pytest.mark.parametrize("spec", ["bm25", "cross-encoder", "cross-encoder/", "", "Features"])
def test_make_reranker_when_spec_is_unknown_then_settings_error_says_what_to_set(spec) -> None:
    with pytest.raises(SettingsError, match="SIGHT_KNOWLEDGE_RERANKER"):
        make_reranker(spec)


# --- the feature model ----------------------------------------------------------------------


def _candidate(name: str, **signals) -> Candidate:
    return Candidate(
        id=name, payload={"title": name}, **({"cosine": 0.8, "coverage": 0.5, "rrf": 0.5} | signals)
    )


async def test_feature_reranker_when_higher_cosine_and_coverage_then_scores_higher() -> None:
    better = _candidate("better", cosine=0.9, coverage=1.0)
    worse = _candidate("worse", cosine=0.8, coverage=0.2)

    scores = await FeatureReranker().scores("zima", [worse, better])

    assert scores[1] > scores[0]


@pytest.mark.parametrize(
    "signal",
    [
        {"cosine": 0.85},
        {"title_cosine": 0.85},
        {"sentence_max": 0.85},
        {"coverage": 0.9},
        {"rrf": 0.9},
    ],
    ids=lambda s: next(iter(s)),
)
async def test_feature_reranker_when_one_signal_is_higher_then_that_candidate_wins(
    signal,
) -> None:
    scores = await FeatureReranker().scores("zima", [_candidate("a"), _candidate("b", **signal)])

    assert scores[1] > scores[0]


async def test_feature_reranker_when_no_candidates_then_no_scores() -> None:
    assert await FeatureReranker().scores("zima", []) == []


# --- a tiny real cross-encoder --------------------------------------------------------------


def _vocabulary() -> list[str]:
    letters = "aąbcćdeęfghijklłmnńoóprsśtuvwxyzźż0123456789"
    words = ["zima", "zimą", "zasięg", "bateria", "pompa", "ciepła", "ładowarka", "leasing"]
    return [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        *".,?!:;-()",
        *letters,
        *(f"##{c}" for c in letters),
        *words,
    ]


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide BERT cross-encoder (one relevance logit) saved like a real one."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    path = tmp_path_factory.mktemp("tiny-cross-encoder")
    (path / "vocab.txt").write_text("\n".join(_vocabulary()) + "\n", encoding="utf-8")
    torch.manual_seed(7)
    config = BertConfig(
        vocab_size=len(_vocabulary()),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,
        max_position_embeddings=512,
        initializer_range=0.5,
    )
    BertForSequenceClassification(config).save_pretrained(path)
    BertTokenizer(str(path / "vocab.txt"), do_lower_case=True).save_pretrained(path)
    return path


async def test_search_when_cross_encoder_reranks_then_order_is_the_models_own_scores(
    tiny_cross_encoder,
) -> None:
    from sentence_transformers import CrossEncoder

    client = AsyncQdrantClient(location=":memory:")
    reranker = make_reranker(f"cross-encoder/{tiny_cross_encoder}")
    kb = await KnowledgeBase(
        client,
        "ce",
        HashEmbedder(),
        reranker=reranker,
        options=SearchOptions(rerank_top=5, rrf_k=60.0),
    ).open()
    await kb.load(ENTRIES)
    query = "zasięg zimą"

    result = await kb.search(query, limit=5)
    await client.close()

    by_fused = sorted(result.hits, key=lambda h: h.ranks.fused)
    pairs = [(query, f"{h.entry['title']}\n{h.entry['text']}") for h in by_fused]
    model = CrossEncoder(str(tiny_cross_encoder), device="cpu")
    own = dict(
        zip(
            [h.id for h in by_fused],
            model.predict(pairs, show_progress_bar=False).tolist(),
            strict=True,
        )
    )
    expected = sorted(own, key=lambda i: -own[i])
    assert result.reranker == "cross-encoder"
    assert len(set(round(s, 4) for s in own.values())) == 5  # the model separates them all
    assert [h.id for h in result.hits] == expected
    assert [h.ranks.rerank for h in result.hits] == [1, 2, 3, 4, 5]
    assert [h.scores.rerank for h in result.hits] == pytest.approx(
        [own[i] for i in expected], abs=1e-5
    )
    assert [h.ranks.fused for h in result.hits] != [1, 2, 3, 4, 5]  # it did reorder
